"""The reminder jobs on APScheduler 3: inside the app process or as `internkontroll scheduler`.

Jobs (Swedish local time): at start a catch-up of every day missed while nothing ran, then
delivery; every day at REMINDER_HOUR the same; every MAIL_RETRY_MINUTES a delivery round for
new and retried e-mail. The jobs only claim work through the database (see delivery.py), so
several schedulers against one PostgreSQL, or a restart, never send anything twice.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from internkontroll import db, timeutil
from internkontroll.reminders import delivery
from internkontroll.settings import Settings, get_settings

log = logging.getLogger("internkontroll.reminders")
# APScheduler logs every run of every job at INFO (the delivery job runs every few minutes);
# the jobs log what they did themselves.
logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)

# A job missed by this much (a blocked loop, a suspended machine) still runs; the start-up
# catch-up covers anything missed while no process ran at all.
MISFIRE_GRACE_SECONDS = 6 * 3600
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS}
JOB_NAMES = {
    "startup": "Påminnelser: ikappkörning vid start",
    "daily": "Påminnelser: dagens påminnelser",
    "delivery": "Påminnelser: e-postutskick",
}


class ReminderScheduler:
    """An AsyncIOScheduler with the reminder jobs; jobs of one process never overlap."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.scheduler = AsyncIOScheduler(timezone=timeutil.STOCKHOLM, job_defaults=JOB_DEFAULTS)
        self._lock: asyncio.Lock | None = None
        self._tasks: set[asyncio.Task] = set()
        self.runs: list[str] = []  # the jobs run so far, for the logs and the tests

    def start(self) -> None:
        """Add the jobs and start; call on the running event loop."""
        config = self.settings.reminders
        self._lock = asyncio.Lock()
        zone = timeutil.STOCKHOLM
        triggers = {
            "startup": DateTrigger(timezone=zone),
            "daily": CronTrigger(hour=config.send_hour, minute=0, timezone=zone),
            "delivery": IntervalTrigger(minutes=config.delivery_every_minutes, timezone=zone),
        }
        for job, trigger in triggers.items():
            self.scheduler.add_job(
                self.run_job, trigger, args=[job], id=f"reminders-{job}", name=JOB_NAMES[job]
            )
        self.scheduler.start()
        log.info(
            "Schemaläggaren för påminnelser startad: dagligen kl. %02d:00, e-post var %d:e minut",
            config.send_hour,
            config.delivery_every_minutes,
        )

    async def run_job(self, job: str) -> None:
        """One job: catch up the days due (startup, daily), then deliver e-mail; never raises."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            assert self._lock is not None
            async with self._lock:
                if job in {"startup", "daily"}:
                    runs = await delivery.catch_up()
                    for run in runs:
                        log.info(
                            "Påminnelser %s: %s, %d nya",
                            run.on,
                            delivery.DAY_RUN_LABELS[run.status],
                            run.created,
                        )
                report = await delivery.deliver_pending()
                if report.attempted:
                    log.info(
                        "E-post: %d skickade, %d försöks igen, %d misslyckades",
                        report.sent,
                        report.retrying,
                        report.failed,
                    )
                self.runs.append(job)
                if job != "delivery":
                    log.info("Påminnelsejobbet %s klart", job)
        except asyncio.CancelledError:
            raise
        except Exception:  # a failing job is logged and tried again next time
            log.exception("Påminnelsejobbet %s misslyckades", job)
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def stop(self) -> None:
        """Stop scheduling and end a job in progress (its claims are taken over later)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a callback on the loop
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def start_in_app(settings: Settings) -> ReminderScheduler:
    """Start the reminder jobs in the running app (its lifespan calls this)."""
    scheduler = ReminderScheduler(settings)
    scheduler.start()
    return scheduler


async def stop(scheduler: ReminderScheduler) -> None:
    """Stop the jobs started by start_in_app."""
    await scheduler.stop()


async def run_scheduler_process(stop_event: asyncio.Event | None = None) -> None:
    """The `internkontroll scheduler` process: jobs until SIGTERM or SIGINT."""
    settings = get_settings()
    stopping = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await db.start_pool(min(settings.db_pool_max, 4))
    scheduler = ReminderScheduler(settings)
    try:
        scheduler.start()
        await stopping.wait()
        log.info("Schemaläggaren för påminnelser stoppas")
    finally:
        await scheduler.stop()
        await db.close_pool()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
