"""The controls Piccolo app."""

import os

from piccolo.conf.apps import AppConfig

from internkontroll.controls.tables import (
    Control,
    ControlPlan,
    PlanControl,
    PlanControlRisk,
    SharedControlDecision,
    SharedControlPoint,
)
from internkontroll.controls.testing_tables import TESTING_TABLES

APP_CONFIG = AppConfig(
    app_name="controls",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[
        SharedControlDecision,
        SharedControlPoint,
        ControlPlan,
        Control,
        PlanControl,
        PlanControlRisk,
        *TESTING_TABLES,
    ],
    migration_dependencies=["internkontroll.risks.piccolo_app"],
    commands=[],
)
