"""The reports Piccolo app: follow-ups and KS's consolidated review."""

import os

from piccolo.conf.apps import AppConfig

from internkontroll.reports.tables import REPORT_TABLES

APP_CONFIG = AppConfig(
    app_name="reports",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=list(REPORT_TABLES),
    migration_dependencies=["internkontroll.controls.piccolo_app"],
    commands=[],
)
