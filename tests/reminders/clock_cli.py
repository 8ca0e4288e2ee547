"""`python -m tests.reminders.clock_cli ARGS`: the internkontroll command on a frozen clock.

IK_FAKE_NOW (ISO 8601 with offset) is the time every part of the app sees through
`internkontroll.timeutil.now`. Besides the real commands, two jobs as a scheduler process
runs them: `catch-up` (catch up the due days, then deliver e-mail) and `deliver`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys

from internkontroll import timeutil


async def _job(name: str) -> None:
    from internkontroll.reminders import delivery

    if name == "catch-up":
        for run in await delivery.catch_up():
            print(f"dag {run.on} {run.status} {run.created}", flush=True)
    report = await delivery.deliver_pending()
    print(f"skickade {report.sent} igen {report.retrying} fel {report.failed}", flush=True)


def main(argv: list[str]) -> int:
    """Freeze the clock, then run a job or the real command line."""
    fixed = dt.datetime.fromisoformat(os.environ["IK_FAKE_NOW"])
    timeutil.now = lambda: fixed
    if argv[:1] in (["catch-up"], ["deliver"]):
        from internkontroll.settings import get_settings

        get_settings()
        asyncio.run(_job(argv[0]))
        return 0
    from internkontroll.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
