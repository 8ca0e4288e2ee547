"""Child process of the killed-adoption test: adopt a plan, then stop dead at a chosen moment.

    python -m tests.resilience.adopt_child before-commit|after-commit PLAN_ID SECRETARY_ID

It opens the database DATABASE_URL names and adopts the plan through the real service. The
pause is patched in here, never in production code:

- before-commit: inside the adoption's transaction, after its last write (the audit event),
  it prints PAUSED and sleeps;
- after-commit: once the transaction has committed, before adopt() returns, it prints
  PAUSED and sleeps.

The parent test waits for PAUSED and kills the process with SIGKILL.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import asynccontextmanager

from internkontroll.audit import services as audit
from internkontroll.auth.services import load_principal
from internkontroll.controls import plans
from tests.resilience.world import decision

PAUSED = "PAUSED"
# Far longer than the parent waits for the signal: only SIGKILL ends the pause.
PAUSE_SECONDS = 600


async def _pause() -> None:
    print(PAUSED, flush=True)
    await asyncio.sleep(PAUSE_SECONDS)


def pause_before_commit() -> None:
    """Pause right after the adoption's audit event, still inside its transaction."""
    record = audit.record

    async def record_then_pause(*args, **kwargs):
        event_id = await record(*args, **kwargs)
        if args[1] == "adopt":
            await _pause()
        return event_id

    audit.record = record_then_pause


def pause_after_commit() -> None:
    """Pause once the adoption's transaction has committed, before adopt() returns."""
    transaction = plans.write_transaction

    @asynccontextmanager
    async def commit_then_pause():
        async with transaction():
            yield
        await _pause()

    plans.write_transaction = commit_then_pause


async def main(moment: str, plan_id: int, secretary_id: int) -> None:
    """Adopt the plan as the secretary with the pause for `moment` in place."""
    {"before-commit": pause_before_commit, "after-commit": pause_after_commit}[moment]()
    secretary = await load_principal(secretary_id)
    assert secretary is not None
    await plans.adopt(secretary, plan_id, decision())
    print("RETURNED", flush=True)  # never reached: the parent kills the process first


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
