"""Settings: defaults, validation with one clear line, secrets for the embedded default."""

from pathlib import Path

import pytest

from internkontroll.settings import SettingsError, load_settings, parse_database_url

SECRET = "x" * 40


def test_defaults_use_sqlite_under_data_dir(tmp_path):
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    assert settings.database.engine == "sqlite"
    assert settings.database.sqlite_path == tmp_path / "internkontroll.sqlite"
    assert (settings.host, settings.port, settings.production) == ("127.0.0.1", 8000, False)
    assert settings.upload_dir == tmp_path / "uploads"


def test_embedded_secret_is_generated_once_and_kept(tmp_path):
    first = load_settings({"DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings({"DATA_DIR": str(tmp_path)}).secret_key
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_requires_secret_key(tmp_path):
    with pytest.raises(SettingsError) as err:
        load_settings({"DATA_DIR": str(tmp_path), "PRODUCTION": "true"})
    assert err.value.name == "SECRET_KEY"
    assert "SECRET_KEY" in str(err.value)
    assert "\n" not in str(err.value)


def test_production_with_secret(tmp_path):
    settings = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "PRODUCTION": "true",
            "SECRET_KEY": SECRET,
            "PUBLIC_URL": "https://ik.kommun.se/",
        }
    )
    assert settings.production and settings.secret_key == SECRET
    assert settings.public_url == "https://ik.kommun.se"


def test_production_requires_public_url(tmp_path):
    """E-mail links and calendar addresses must point where users open the app."""
    with pytest.raises(SettingsError) as err:
        load_settings({"DATA_DIR": str(tmp_path), "PRODUCTION": "true", "SECRET_KEY": SECRET})
    assert err.value.name == "PUBLIC_URL"


def test_public_url_defaults_to_host_and_port_outside_production(tmp_path):
    settings = load_settings({"DATA_DIR": str(tmp_path), "HOST": "127.0.0.2", "PORT": "8123"})
    assert settings.public_url == "http://127.0.0.2:8123"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("PRODUCTION", "kanske"),
        ("SECRET_KEY", "short"),
        ("DATABASE_URL", "mysql://x/y"),
        ("DATABASE_URL", "postgresql://host-only"),
        ("DATABASE_URL", "sqlite://"),
        ("HOST", "  "),
        ("ALLOWED_HOSTS", " , "),
        ("DB_POOL_MAX", "0"),
        ("SESSION_HOURS", "x"),
    ],
)
def test_invalid_setting_names_itself(tmp_path, name, value):
    with pytest.raises(SettingsError) as err:
        load_settings({"DATA_DIR": str(tmp_path), name: value})
    assert err.value.name == name
    assert str(err.value).startswith(f"Ogiltig inställning {name}:")


def test_postgres_url_is_parsed():
    config = parse_database_url("postgresql://ik:hemligt%21@db.example:5433/kontroll", Path("var"))
    assert config.engine == "postgres"
    assert (config.host, config.port, config.user, config.password, config.database) == (
        "db.example",
        5433,
        "ik",
        "hemligt!",
        "kontroll",
    )
    assert "hemligt" not in config.describe()


def test_sqlite_url_absolute_and_relative():
    assert parse_database_url("sqlite:////srv/ik.db", Path("var")).sqlite_path == Path("/srv/ik.db")
    assert parse_database_url("sqlite:///data/ik.db", Path("var")).sqlite_path == Path("data/ik.db")


def test_plan_deadline_and_shared_points_default_and_validate(tmp_path):
    base = {"DATA_DIR": str(tmp_path)}
    settings = load_settings(base)
    assert settings.plan_deadline == (1, 31)
    assert settings.shared_points_per_year == 2
    custom = load_settings({**base, "PLAN_DEADLINE": "02-29", "SHARED_POINTS_PER_YEAR": "3"})
    assert (custom.plan_deadline, custom.shared_points_per_year) == ((2, 29), 3)
    for name, raw in (
        ("PLAN_DEADLINE", "31-01"),
        ("PLAN_DEADLINE", "januari"),
        ("PLAN_DEADLINE", "02-30"),
        ("SHARED_POINTS_PER_YEAR", "0"),
        ("SHARED_POINTS_PER_YEAR", "två"),
    ):
        with pytest.raises(SettingsError) as err:
            load_settings({**base, name: raw})
        assert name in str(err.value)
