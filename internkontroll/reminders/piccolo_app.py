"""The reminders Piccolo app: notifications, preferences and scheduler runs."""

import os

from piccolo.conf.apps import AppConfig

from internkontroll.reminders.tables import Notification, NotificationPreference, SchedulerRun

APP_CONFIG = AppConfig(
    app_name="reminders",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[Notification, NotificationPreference, SchedulerRun],
    migration_dependencies=["internkontroll.reports.piccolo_app"],
    commands=[],
)
