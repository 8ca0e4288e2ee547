"""Jinja2 setup: Swedish labels, date formats and the permission check for templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from internkontroll.auth.permissions import Action, can
from internkontroll.controls.evidence_store import describe_size
from internkontroll.organisation.tables import BOARD_KIND_LABELS
from internkontroll.timeutil import format_datetime

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

BOARD_ROLE_LABELS = {
    "secretary": "Nämndsekreterare",
    "preparer": "Handläggare",
    "control_owner": "Kontrollansvarig",
    "viewer": "Ledamot (läsbehörighet)",
}
AUDIT_ACTION_LABELS = {
    "create": "Skapad",
    "update": "Ändrad",
    "delete": "Borttagen",
    "login": "Inloggning",
    "login_failed": "Misslyckad inloggning",
    "logout": "Utloggning",
    "assess": "Riskbedömning",
    "status": "Statusändring",
    "adopt": "Antagande",
    "decide": "Beslut",
    "start_year": "Ny årsanalys påbörjad",
    "import": "Import från Excel",
    "log_result": "Resultat loggat",
    "correct_result": "Resultat rättat",
    "upload": "Bevis bifogat",
    "postpone": "Uppskjuten",
    "close": "Avslutad",
    "check": "Uppföljd",
    "renew_feed": "Ny kalenderadress",
    "resend": "E-post skickas igen",
}
AUDIT_ENTITY_LABELS = {
    "board": "Nämnd",
    "department": "Förvaltning",
    "department_board": "Förvaltning–nämnd",
    "process": "Process",
    "risk_category": "Riskkategori",
    "municipality": "Kommun",
    "piccolo_user": "Användare",
    "user": "Användare",
    "global_role": "Global roll",
    "membership": "Nämndroll",
    "session": "Inloggning",
    "risk": "Risk",
    "risk_assessment": "Riskbedömning",
    "risk_register": "Riskregister",
    "risk_scale": "Riskmatris",
    "control_plan": "Internkontrollplan",
    "plan_control": "Kontrollmoment",
    "plan_control_risk": "Kontrollmoment–risk",
    "shared_control_decision": "Gemensamma kontrollmoment",
    "shared_control_point": "Gemensamt kontrollmoment",
    "test_result": "Kontrollresultat",
    "evidence_file": "Bevisfil",
    "deviation": "Avvikelse",
    "corrective_action": "Åtgärd",
    "follow_up": "Uppföljning",
    "consolidated_review": "Samlad bedömning",
    "notification_preference": "Påminnelseinställning",
    "notification": "Påminnelse",
}
GLOBAL_ROLE_LABELS = {
    "admin": "Systemförvaltare",
    "coordinator": "Internkontrollsamordnare",
    "auditor": "Revisor",
}


def _can(principal: Any, action: str, board_id: int | None = None) -> bool:
    return can(principal, Action(action), board_id)


def _text_colour(background: str) -> str:
    from internkontroll.risks.heatmap_draw import text_colour_on

    return text_colour_on(background)


def build_environment() -> Environment:
    """The Jinja environment with the app's filters and globals."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        can=_can,
        board_role_labels=BOARD_ROLE_LABELS,
        global_role_labels=GLOBAL_ROLE_LABELS,
        board_kind_labels=BOARD_KIND_LABELS,
        audit_action_labels=AUDIT_ACTION_LABELS,
        audit_entity_labels=AUDIT_ENTITY_LABELS,
        text_colour=_text_colour,
    )
    env.filters["datetime"] = format_datetime
    env.filters["filesize"] = describe_size
    return env


def template_config() -> TemplateConfig:
    """Litestar's template configuration."""
    return TemplateConfig(
        engine=JinjaTemplateEngine.from_environment(build_environment()),
    )


def page(template: str, *, status_code: int = 200, **context: Any) -> Template:
    """Render a page template."""
    return Template(template_name=template, context=context, status_code=status_code)
