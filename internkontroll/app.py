"""The application factory."""

from __future__ import annotations

import gc
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router

from admin.site import admin_route
from internkontroll import __version__, db
from internkontroll.api_schemas import errors
from internkontroll.audit.routes import AuditController
from internkontroll.auth.routes import AuthApiController, AuthController
from internkontroll.controls.api import PlanApi
from internkontroll.controls.carry_over import controls_carry_over
from internkontroll.controls.deviation_pages import DeviationPages
from internkontroll.controls.pages import PlanPages
from internkontroll.controls.pages_shared import SharedPages
from internkontroll.controls.testing_api import TestingApi
from internkontroll.controls.testing_pages import TestingPages
from internkontroll.errors import Unavailable
from internkontroll.organisation.routes import OrganisationApi, OrganisationPages
from internkontroll.reminders import scheduler as reminder_jobs
from internkontroll.reminders.delivery_pages import DeliveryPages
from internkontroll.reminders.notification_api import NotificationApi
from internkontroll.reminders.notification_pages import CalendarFeed, NotificationPages
from internkontroll.reminders.wheel_api import WheelApi
from internkontroll.reminders.wheel_pages import WheelPages
from internkontroll.reports.followup_api import FollowUpApi
from internkontroll.reports.followup_pages import FollowUpPages
from internkontroll.reports.overview_api import OverviewApi
from internkontroll.reports.overview_pages import OverviewPages
from internkontroll.reports.review_api import ReviewApi
from internkontroll.reports.review_pages import ReviewPages
from internkontroll.reports.routes import ReportApi
from internkontroll.risks.api import RiskApi
from internkontroll.risks.carryover import register_carry_over
from internkontroll.risks.list_api import RiskListApi
from internkontroll.risks.list_pages import RiskListPages
from internkontroll.risks.pages import RiskPages
from internkontroll.risks.pages_maps import HeatMapPages
from internkontroll.settings import Settings, get_settings
from internkontroll.web.errors import EXCEPTION_HANDLERS
from internkontroll.web.middleware import SessionAuthMiddleware
from internkontroll.web.templating import template_config

STATIC_DIR = Path(__file__).resolve().parent / "static"
CSRF_COOKIE = "ik_csrftoken"
CSRF_HEADER = "x-csrftoken"

log = logging.getLogger("internkontroll")


@get("/healthz", tags=["Drift"], summary="Hälsokontroll", responses=errors(503))
async def healthz() -> dict[str, str]:
    """Checks the database and names the engine."""
    try:
        await db.ping()
    except Exception as exc:  # any database failure means unhealthy
        log.warning("Health check failed: %s", exc)
        raise Unavailable("Databasen svarar inte.") from exc
    return {"status": "ok", "database": db.engine_name(), "version": __version__}


def freeze_startup_objects() -> None:
    """Keep what the app loaded at start out of the garbage collector's full sweeps.

    A page of 1,000 rows allocates enough to trigger a full collection every few requests,
    and each one would walk every module, template and route loaded at start (about 100 ms).
    """
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, *, use_pool: bool = True) -> Litestar:
    """Build the Litestar app; the pool is opened in the lifespan when use_pool is set."""
    settings = settings or get_settings()
    register_carry_over(controls_carry_over)

    @asynccontextmanager
    async def lifespan(_app: Litestar):
        if use_pool:
            await db.start_pool(settings.db_pool_max)
        jobs = None
        try:
            if settings.reminders.run_scheduler:
                jobs = reminder_jobs.start_in_app(settings)
            freeze_startup_objects()
            yield
        finally:
            if jobs is not None:
                await reminder_jobs.stop(jobs)
            if use_pool:
                await db.close_pool()

    return Litestar(
        route_handlers=[
            healthz,
            AuthController,
            AuthApiController,
            OrganisationPages,
            OrganisationApi,
            AuditController,
            RiskApi,
            RiskPages,
            RiskListApi,
            RiskListPages,
            HeatMapPages,
            PlanApi,
            PlanPages,
            SharedPages,
            TestingApi,
            TestingPages,
            DeviationPages,
            ReportApi,
            FollowUpApi,
            FollowUpPages,
            OverviewPages,
            OverviewApi,
            ReviewPages,
            ReviewApi,
            # reminders: notifications (slice H3)
            NotificationPages,
            NotificationApi,
            CalendarFeed,
            # reminders: wheel (slice H4)
            WheelPages,
            WheelApi,
            # reminders: delivery (slice H2)
            DeliveryPages,
            admin_route(settings),
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], include_in_schema=False
            ),
        ],
        middleware=[SessionAuthMiddleware()],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name=CSRF_COOKIE,
            header_name=CSRF_HEADER,
            cookie_secure=settings.production,
            cookie_samesite="lax",
            exclude=["^/admin(/|$)", "^/api/login$"],
        ),
        template_config=template_config(),
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Internkontroll API",
            version=__version__,
            description=(
                "JSON-API för internkontroll och riskbedömning. Inloggning med sessionskaka."
            ),
        ),
        allowed_hosts=list(settings.allowed_hosts) if settings.production else None,
        state=State({"settings": settings}),
        lifespan=[lifespan],
        debug=False,
        logging_config=LoggingConfig(root={"level": "INFO", "handlers": ["queue_listener"]}),
    )
