"""The risks Piccolo app."""

import os

from piccolo.conf.apps import AppConfig

from internkontroll.risks.tables import Risk, RiskAssessment, RiskScaleVersion

APP_CONFIG = AppConfig(
    app_name="risks",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations"),
    table_classes=[RiskScaleVersion, Risk, RiskAssessment],
    migration_dependencies=["internkontroll.piccolo_app"],
    commands=[],
)
