"""Settings read from the environment and checked once at start."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

TRUE_WORDS = {"1", "true", "yes", "on", "ja"}
FALSE_WORDS = {"0", "false", "no", "off", "nej", ""}


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"Ogiltig inställning {name}: {problem}")
        self.name = name


@dataclass(frozen=True)
class DatabaseConfig:
    """Which engine to use and how to reach it."""

    engine: str  # "sqlite" or "postgres"
    sqlite_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str | None = None
    password: str | None = None
    database: str | None = None

    def describe(self) -> str:
        """A human description without the password."""
        if self.engine == "sqlite":
            return f"SQLite ({self.sqlite_path})"
        return f"PostgreSQL ({self.user}@{self.host}:{self.port}/{self.database})"


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the mail server; absent means e-mail is off."""

    host: str
    port: int
    security: str  # "starttls", "ssl" or "none"
    sender: str
    user: str | None = None
    password: str | None = None
    timeout: int = 10


@dataclass(frozen=True)
class ReminderConfig:
    """When reminders fall due and how the scheduler runs them."""

    days_before: tuple[int, ...] = (14, 3, 0)
    overdue_every_days: int = 7  # 0: no reminders once overdue
    send_hour: int = 7  # Swedish local time
    catch_up_days: int = 31
    follow_up_due_days: int = 60  # after the reporting point
    shared_points_deadline: tuple[int, int] = (12, 31)  # (month, day) of the year before
    run_scheduler: bool = True  # the app process runs the scheduler itself
    delivery_every_minutes: int = 5


@dataclass(frozen=True)
class Settings:
    """Every runtime setting of the application."""

    database: DatabaseConfig
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    production: bool = False
    data_dir: Path = Path("var")
    upload_dir: Path = Path("var/uploads")
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    db_pool_max: int = 10
    session_hours: int = 8
    plan_deadline: tuple[int, int] = (1, 31)  # (month, day) in the plan's own year
    shared_points_per_year: int = 2
    reporting_points: tuple[tuple[int, int], ...] = ((8, 31), (12, 31))  # delår, helår
    evidence_max_bytes: int = 20 * 1024 * 1024
    public_url: str = "http://127.0.0.1:8000"
    smtp: SmtpConfig | None = None
    reminders: ReminderConfig = field(default_factory=ReminderConfig)
    extra: Mapping[str, str] = field(default_factory=dict)


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise SettingsError(name, f"ska vara true eller false (fick {raw!r})")


def _parse_int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"ska vara ett heltal (fick {raw!r})") from None
    if not low <= value <= high:
        raise SettingsError(name, f"ska ligga mellan {low} och {high} (fick {value})")
    return value


def parse_database_url(raw: str | None, data_dir: Path) -> DatabaseConfig:
    """Turn DATABASE_URL into a DatabaseConfig; unset means an SQLite file in the data dir."""
    if raw is None or not raw.strip():
        return DatabaseConfig(engine="sqlite", sqlite_path=data_dir / "internkontroll.sqlite")
    parts = urlsplit(raw.strip())
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc or not path or path == "/":
            raise SettingsError(
                "DATABASE_URL", "skriv sqlite:///relativ/sökväg eller sqlite:////absolut"
            )
        return DatabaseConfig(engine="sqlite", sqlite_path=Path(path[1:]))
    if parts.scheme in {"postgresql", "postgres"}:
        try:
            port = parts.port or 5432
        except ValueError:
            raise SettingsError("DATABASE_URL", "porten är inte ett tal") from None
        database = unquote(parts.path.lstrip("/"))
        if not parts.hostname or not database:
            raise SettingsError(
                "DATABASE_URL", "ska ha formen postgresql://användare:lösenord@värd:port/databas"
            )
        return DatabaseConfig(
            engine="postgres",
            host=parts.hostname,
            port=port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            database=database,
        )
    raise SettingsError(
        "DATABASE_URL", f"okänt schema {parts.scheme!r}; använd postgresql:// eller sqlite:///"
    )


def _embedded_secret(data_dir: Path) -> str:
    """Generate the secret once and keep it beside the embedded database."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return secret


def parse_month_day(name: str, raw: str) -> tuple[int, int]:
    """'MM-DD' as (month, day); 29 February is allowed and means the 28th in other years."""
    try:
        month_text, day_text = raw.strip().split("-")
        month, day = int(month_text), int(day_text)
        dt.date(2024, month, day)  # a leap year, so 02-29 passes
    except ValueError:
        raise SettingsError(name, f"ska ha formen MM-DD, t.ex. 01-31 (fick {raw!r})") from None
    return month, day


def parse_reporting_points(name: str, raw: str) -> tuple[tuple[int, int], ...]:
    """'08-31,12-31' as sorted (month, day) pairs; the last must be 12-31 (helår)."""
    points = tuple(sorted({parse_month_day(name, part) for part in raw.split(",") if part.strip()}))
    if not 1 <= len(points) <= 4:
        raise SettingsError(name, "ange ett till fyra datum, t.ex. 08-31,12-31")
    if points[-1] != (12, 31):
        raise SettingsError(name, "det sista rapporteringstillfället ska vara 12-31 (helår)")
    return points


def parse_days_before(name: str, raw: str) -> tuple[int, ...]:
    """'14,3,0' as distinct days before a due date, largest first."""
    try:
        days = {int(part) for part in raw.split(",") if part.strip()}
    except ValueError:
        raise SettingsError(
            name, f"ska vara heltal åtskilda med komma, t.ex. 14,3,0 (fick {raw!r})"
        ) from None
    if not days or len(days) > 6 or min(days) < 0 or max(days) > 120:
        raise SettingsError(name, "ange ett till sex antal dagar mellan 0 och 120, t.ex. 14,3,0")
    return tuple(sorted(days, reverse=True))


SMTP_SECURITY = {"starttls": 587, "ssl": 465, "none": 25}


def parse_smtp(env: Mapping[str, str]) -> SmtpConfig | None:
    """The mail server from SMTP_* and MAIL_FROM; None when SMTP_HOST is unset (e-mail off)."""
    host = env.get("SMTP_HOST", "").strip()
    if not host:
        return None
    security = (env.get("SMTP_SECURITY") or "starttls").strip().lower()
    if security not in SMTP_SECURITY:
        raise SettingsError(
            "SMTP_SECURITY", f"ska vara starttls, ssl eller none (fick {security!r})"
        )
    raw_port = env.get("SMTP_PORT", "").strip()
    port = _parse_int("SMTP_PORT", raw_port, 1, 65535) if raw_port else SMTP_SECURITY[security]
    sender = env.get("MAIL_FROM", "").strip()
    if "@" not in sender:
        raise SettingsError(
            "MAIL_FROM", "krävs när SMTP_HOST är satt, t.ex. internkontroll@kommun.se"
        )
    user = env.get("SMTP_USER", "").strip() or None
    password = env.get("SMTP_PASSWORD") or None
    if (user is None) != (password is None):
        raise SettingsError(
            "SMTP_USER", "ange både SMTP_USER och SMTP_PASSWORD, eller ingen av dem"
        )
    timeout = _parse_int("SMTP_TIMEOUT", env.get("SMTP_TIMEOUT") or "10", 1, 120)
    return SmtpConfig(host, port, security, sender, user, password, timeout)


def parse_reminders(env: Mapping[str, str]) -> ReminderConfig:
    """Lead times, the daily hour and whether this process runs the scheduler."""
    return ReminderConfig(
        days_before=parse_days_before(
            "REMINDER_DAYS_BEFORE", env.get("REMINDER_DAYS_BEFORE", "14,3,0")
        ),
        overdue_every_days=_parse_int(
            "REMINDER_OVERDUE_EVERY_DAYS", env.get("REMINDER_OVERDUE_EVERY_DAYS", "7"), 0, 90
        ),
        send_hour=_parse_int("REMINDER_HOUR", env.get("REMINDER_HOUR", "7"), 0, 23),
        catch_up_days=_parse_int(
            "REMINDER_CATCH_UP_DAYS", env.get("REMINDER_CATCH_UP_DAYS", "31"), 0, 366
        ),
        follow_up_due_days=_parse_int(
            "FOLLOW_UP_DUE_DAYS", env.get("FOLLOW_UP_DUE_DAYS", "60"), 0, 180
        ),
        shared_points_deadline=parse_month_day(
            "SHARED_POINTS_DEADLINE", env.get("SHARED_POINTS_DEADLINE", "12-31")
        ),
        run_scheduler=_parse_bool("RUN_SCHEDULER", env.get("RUN_SCHEDULER", "true")),
        delivery_every_minutes=_parse_int(
            "MAIL_RETRY_MINUTES", env.get("MAIL_RETRY_MINUTES", "5"), 1, 1440
        ),
    )


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise SettingsError naming the first bad one."""
    env = os.environ if environ is None else environ
    production = _parse_bool("PRODUCTION", env.get("PRODUCTION", "false"))
    data_dir = Path(env.get("DATA_DIR", "var"))
    database = parse_database_url(env.get("DATABASE_URL"), data_dir)
    secret_key = env.get("SECRET_KEY", "").strip()
    if not secret_key:
        if production:
            raise SettingsError("SECRET_KEY", "krävs när PRODUCTION=true")
        secret_key = _embedded_secret(data_dir)
    elif len(secret_key) < 32:
        raise SettingsError("SECRET_KEY", "ska vara minst 32 tecken")
    host = env.get("HOST", "127.0.0.1").strip()
    if not host:
        raise SettingsError("HOST", "får inte vara tom")
    port = _parse_int("PORT", env.get("PORT", "8000"), 1, 65535)
    upload_dir = Path(env.get("UPLOAD_DIR") or data_dir / "uploads")
    raw_hosts = env.get("ALLOWED_HOSTS", "127.0.0.1,localhost")
    allowed_hosts = tuple(h.strip() for h in raw_hosts.split(",") if h.strip())
    if not allowed_hosts:
        raise SettingsError("ALLOWED_HOSTS", "ange minst ett värdnamn")
    pool_max = _parse_int("DB_POOL_MAX", env.get("DB_POOL_MAX", "10"), 1, 200)
    session_hours = _parse_int("SESSION_HOURS", env.get("SESSION_HOURS", "8"), 1, 168)
    plan_deadline = parse_month_day("PLAN_DEADLINE", env.get("PLAN_DEADLINE", "01-31"))
    shared_points = _parse_int(
        "SHARED_POINTS_PER_YEAR", env.get("SHARED_POINTS_PER_YEAR", "2"), 1, 10
    )
    reporting_points = parse_reporting_points(
        "REPORTING_POINTS", env.get("REPORTING_POINTS", "08-31,12-31")
    )
    evidence_mb = _parse_int("EVIDENCE_MAX_MB", env.get("EVIDENCE_MAX_MB", "20"), 1, 500)
    public_url = env.get("PUBLIC_URL", "").strip().rstrip("/")
    if not public_url:
        # Behind a proxy HOST:PORT (often 0.0.0.0) is not where users open the app, and the
        # address goes into e-mails and calendar subscriptions.
        if production:
            raise SettingsError(
                "PUBLIC_URL", "krävs när PRODUCTION=true, t.ex. https://ik.kommun.se"
            )
        public_url = f"http://{host}:{port}"
    if urlsplit(public_url).scheme not in {"http", "https"} or not urlsplit(public_url).netloc:
        raise SettingsError(
            "PUBLIC_URL", f"ska vara en adress som https://ik.kommun.se (fick {public_url!r})"
        )
    return Settings(
        database=database,
        secret_key=secret_key,
        host=host,
        port=port,
        production=production,
        data_dir=data_dir,
        upload_dir=upload_dir,
        allowed_hosts=allowed_hosts,
        db_pool_max=pool_max,
        session_hours=session_hours,
        plan_deadline=plan_deadline,
        shared_points_per_year=shared_points,
        reporting_points=reporting_points,
        evidence_max_bytes=evidence_mb * 1024 * 1024,
        public_url=public_url,
        smtp=parse_smtp(env),
        reminders=parse_reminders(env),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()
