"""Settings of the reminders: lead times, the daily hour, the scheduler, SMTP, the public URL."""

from __future__ import annotations

import pytest

from internkontroll.settings import ReminderConfig, SettingsError, load_settings


@pytest.fixture
def base(tmp_path) -> dict[str, str]:
    return {"DATA_DIR": str(tmp_path)}


def test_defaults(base):
    settings = load_settings(base)
    assert settings.reminders == ReminderConfig()
    reminders = settings.reminders
    assert reminders.days_before == (14, 3, 0)
    assert (reminders.overdue_every_days, reminders.send_hour) == (7, 7)
    assert (reminders.catch_up_days, reminders.follow_up_due_days) == (31, 60)
    assert reminders.shared_points_deadline == (12, 31)
    assert reminders.run_scheduler is True
    assert reminders.delivery_every_minutes == 5
    assert settings.smtp is None  # no SMTP_HOST: e-mail is off
    assert settings.public_url == "http://127.0.0.1:8000"


def test_every_reminder_setting_is_read(base):
    settings = load_settings(
        {
            **base,
            "REMINDER_DAYS_BEFORE": " 3, 30 ,0,3",
            "REMINDER_OVERDUE_EVERY_DAYS": "0",
            "REMINDER_HOUR": "6",
            "REMINDER_CATCH_UP_DAYS": "10",
            "FOLLOW_UP_DUE_DAYS": "45",
            "SHARED_POINTS_DEADLINE": "11-30",
            "RUN_SCHEDULER": "nej",
            "MAIL_RETRY_MINUTES": "15",
            "PUBLIC_URL": "https://ik.kommun.se/",
        }
    )
    assert settings.reminders == ReminderConfig(
        days_before=(30, 3, 0),  # distinct, largest first
        overdue_every_days=0,
        send_hour=6,
        catch_up_days=10,
        follow_up_due_days=45,
        shared_points_deadline=(11, 30),
        run_scheduler=False,
        delivery_every_minutes=15,
    )
    assert settings.public_url == "https://ik.kommun.se"


def test_smtp_settings(base):
    smtp = {**base, "SMTP_HOST": "mail.kommun.se", "MAIL_FROM": "ik@kommun.se"}
    config = load_settings(smtp).smtp
    assert (config.host, config.port, config.security, config.sender) == (
        "mail.kommun.se",
        587,
        "starttls",
        "ik@kommun.se",
    )
    assert (config.user, config.password, config.timeout) == (None, None, 10)
    assert load_settings({**smtp, "SMTP_SECURITY": "ssl"}).smtp.port == 465
    assert load_settings({**smtp, "SMTP_SECURITY": "none"}).smtp.port == 25
    full = load_settings(
        {
            **smtp,
            "SMTP_PORT": "2525",
            "SMTP_USER": "ik",
            "SMTP_PASSWORD": "hemligt",
            "SMTP_TIMEOUT": "3",
        }
    ).smtp
    assert (full.port, full.user, full.password, full.timeout) == (2525, "ik", "hemligt", 3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REMINDER_DAYS_BEFORE", "fjorton"),
        ("REMINDER_DAYS_BEFORE", ""),
        ("REMINDER_DAYS_BEFORE", "-1"),
        ("REMINDER_DAYS_BEFORE", "121"),
        ("REMINDER_DAYS_BEFORE", "1,2,3,4,5,6,7"),
        ("REMINDER_OVERDUE_EVERY_DAYS", "vecka"),
        ("REMINDER_OVERDUE_EVERY_DAYS", "91"),
        ("REMINDER_HOUR", "24"),
        ("REMINDER_CATCH_UP_DAYS", "-1"),
        ("FOLLOW_UP_DUE_DAYS", "181"),
        ("SHARED_POINTS_DEADLINE", "13-01"),
        ("SHARED_POINTS_DEADLINE", "31 december"),
        ("RUN_SCHEDULER", "kanske"),
        ("MAIL_RETRY_MINUTES", "0"),
        ("PUBLIC_URL", "ftp://ik.kommun.se"),
        ("PUBLIC_URL", "ik.kommun.se"),
    ],
)
def test_a_bad_value_names_its_variable(base, name, value):
    with pytest.raises(SettingsError) as err:
        load_settings({**base, name: value})
    assert err.value.name == name
    assert str(err.value).startswith(f"Ogiltig inställning {name}:")


@pytest.mark.parametrize(
    ("extra", "name"),
    [
        ({"SMTP_SECURITY": "tls"}, "SMTP_SECURITY"),
        ({"SMTP_PORT": "0"}, "SMTP_PORT"),
        ({"SMTP_PORT": "smtp"}, "SMTP_PORT"),
        ({"MAIL_FROM": ""}, "MAIL_FROM"),
        ({"MAIL_FROM": "internkontroll"}, "MAIL_FROM"),
        ({"SMTP_USER": "ik"}, "SMTP_USER"),
        ({"SMTP_PASSWORD": "hemligt"}, "SMTP_USER"),
        ({"SMTP_TIMEOUT": "0"}, "SMTP_TIMEOUT"),
    ],
)
def test_a_bad_smtp_setting_names_its_variable(base, extra, name):
    env = {**base, "SMTP_HOST": "mail.kommun.se", "MAIL_FROM": "ik@kommun.se", **extra}
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    assert err.value.name == name
