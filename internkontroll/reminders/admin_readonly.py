"""Notifications and the scheduler's runs in the admin site: readable, never written there."""

from __future__ import annotations

from piccolo.table import Table
from piccolo_api.crud.validators import Validators
from starlette.exceptions import HTTPException

from internkontroll.reminders.tables import Notification, SchedulerRun

READ_ONLY_TABLES: tuple[type[Table], ...] = (Notification, SchedulerRun)
READ_ONLY_MESSAGE = (
    "Påminnelser och schemaläggarens körningar skrivs bara av schemaläggaren och kan bara läsas "
    "här. Misslyckad e-post skickas igen från sidan Påminnelser – drift (/drift/paminnelser)."
)


async def _refuse(*_args, **_kwargs) -> None:
    raise HTTPException(status_code=405, detail=READ_ONLY_MESSAGE)


def read_only_validators() -> Validators:
    """Validators refusing every write through the admin site."""
    return Validators(
        post_single=[_refuse],
        put_single=[_refuse],
        patch_single=[_refuse],
        delete_single=[_refuse],
        delete_all=[_refuse],
    )
