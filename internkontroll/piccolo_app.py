"""The core Piccolo app: organisation, roles, sessions' companions and the audit trail."""

import os

from piccolo.conf.apps import AppConfig

from internkontroll.audit.tables import AuditEvent
from internkontroll.auth.tables import GlobalRole, LoginThrottle, Membership
from internkontroll.organisation.tables import (
    Board,
    Department,
    DepartmentBoard,
    Municipality,
    Process,
    RiskCategory,
)

APP_CONFIG = AppConfig(
    app_name="internkontroll",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[
        Municipality,
        Board,
        Department,
        DepartmentBoard,
        Process,
        RiskCategory,
        GlobalRole,
        Membership,
        LoginThrottle,
        AuditEvent,
    ],
    migration_dependencies=[
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
    ],
    commands=[],
)
