"""Piccolo configuration: the engine comes from the validated settings."""

from piccolo.conf.apps import AppRegistry

from internkontroll.db import build_engine
from internkontroll.settings import get_settings

DB = build_engine(get_settings().database)

APP_REGISTRY = AppRegistry(
    apps=[
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
        "internkontroll.piccolo_app",
        "internkontroll.risks.piccolo_app",
        "internkontroll.controls.piccolo_app",
        "internkontroll.reports.piccolo_app",
        "internkontroll.reminders.piccolo_app",
    ]
)
