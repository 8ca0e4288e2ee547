"""The reminder jobs on APScheduler 3: inside the app process or as `internkontroll scheduler`.

Jobs (Swedish local time): at start a catch-up of every day missed while nothing ran, then
delivery; every day at REMINDER_HOUR the same; every MAIL_RETRY_MINUTES the same again (the
catch-up finds nothing to do unless a day's run failed or was abandoned) with a delivery round
for new and retried e-mail. The jobs only claim work through the database (see delivery.py),
so several schedulers against one PostgreSQL, or a restart, never send anything twice.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

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
# How long stop() waits for a job under way beyond one SMTP timeout (the message being sent
# when it is asked to stop), before it gives up and cancels it.
STOP_GRACE_SECONDS = 5.0
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
        # Set by stop(): a job waiting for its turn does nothing, one sending starts no message.
        self._stopping = threading.Event()
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
        """One job: catch up the days due, then deliver e-mail; never raises.

        Every job catches up, so a day whose run failed or was abandoned is taken again within
        minutes, not the next morning; with nothing missing that is a couple of queries.
        """
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            assert self._lock is not None
            async with self._lock:
                if self._stopping.is_set():
                    return
                runs = await delivery.catch_up()
                for run in runs:
                    log.info(
                        "Påminnelser %s: %s, %d nya",
                        run.on,
                        delivery.DAY_RUN_LABELS[run.status],
                        run.created,
                    )
                report = await delivery.deliver_pending(stop=self._stopping)
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

    def stop_timeout(self) -> float:
        """How long stop() lets a job under way finish: one SMTP timeout and a little more."""
        smtp = self.settings.smtp
        return (smtp.timeout if smtp else 0) + STOP_GRACE_SECONDS

    async def stop(self) -> None:
        """Start no new job, let the one under way finish and settle, then shut down.

        A delivery round stops before its next message and writes what it sent, so nothing is
        left "sending" to be sent again once its lease runs out. Only a job that does not end
        within stop_timeout() (a mail server that stopped answering) is cancelled.
        """
        self._stopping.set()
        if self.scheduler.running:
            # Paused first: shutdown() would cancel the job's task in the middle of a send.
            self.scheduler.pause()
        tasks = list(self._tasks)
        if tasks:
            _, unfinished = await asyncio.wait(tasks, timeout=self.stop_timeout())
            for task in unfinished:
                log.warning("Påminnelsejobbet avbryts: det blev inte klart i tid")
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a callback on the loop


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
