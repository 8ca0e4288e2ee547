"""The real app as a subprocess: `internkontroll serve` on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 10.0
LOG_TAIL_CHARS = 4000


@dataclass
class LiveApp:
    """A running app server: where it answers, its process and its log."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def wait_ready(self) -> None:
        """Block until /healthz answers 200; fail the test if the server dies or never does."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while health_status(self.base_url) != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app server did not start:\n{self.log_tail()}", pytrace=False)
            time.sleep(0.1)  # polling interval while the server starts

    def log_tail(self) -> str:
        """The end of the server's output, for failure messages."""
        return self.log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health_status(base_url: str) -> int | None:
    """/healthz's status code, or None while nothing answers."""
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=5) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=SHUTDOWN_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=SHUTDOWN_TIMEOUT)


@contextlib.contextmanager
def app_server(database_url: str, directory: Path) -> Iterator[LiveApp]:
    """Serve the app with its connection pool on `database_url` until the block ends.

    The block starts while the server is still starting: call wait_ready() before using it.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"PRODUCTION", "SECRET_KEY"}}
    env.update(
        DATABASE_URL=database_url,
        DATA_DIR=str(directory / "data"),
        RUN_SCHEDULER="false",
        PYTHONUNBUFFERED="1",
    )
    port = free_port()
    log_path = directory / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "internkontroll.cli", "serve"]
            + ["--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", process, log_path)
    finally:
        _stop(process)
