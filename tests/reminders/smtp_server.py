"""A real local SMTP server for the tests (aiosmtpd), and addresses where no server answers.

`smtp_server` starts aiosmtpd's Controller on a free port in its own thread; every message
it receives is parsed back into an EmailMessage. `smtp_settings` builds the SmtpConfig and
`smtp_env` the environment (for subprocesses) that point the app at it.
"""

from __future__ import annotations

import dataclasses
import email
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from internkontroll.settings import Settings, SmtpConfig

SENDER = "internkontroll@kommun.example"
SMTP_USER = "ik-utskick"
SMTP_PASSWORD = "hemligt-smtp"


def free_port() -> int:
    """A TCP port nobody listens on (right now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """aiosmtpd handler: keeps every message; refuses recipients listed in `refuse`."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()
        self.logins: list[str] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 Mottagaren finns inte"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages once at least `count` have arrived (fails after the timeout)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)  # polling the server thread, not a test wait
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} mails arrived"
        return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose To header names this address."""
        return [m for m in self.messages if address in str(m["To"])]


@dataclasses.dataclass
class SmtpServer:
    """A running local SMTP server and what it received."""

    host: str
    port: int
    recorder: Recorder
    controller: Controller

    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages

    def config(self, **changes) -> SmtpConfig:
        """Settings reaching this server without TLS."""
        base = SmtpConfig(host=self.host, port=self.port, security="none", sender=SENDER, timeout=5)
        return dataclasses.replace(base, **changes)


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == SMTP_USER
        and auth_data.password.decode() == SMTP_PASSWORD
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """aiosmtpd on a free port for one test; plain SMTP, AUTH allowed without TLS."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, recorder, controller)
    finally:
        controller.stop()


@pytest.fixture
def silent_server() -> Iterator[tuple[str, int]]:
    """A port that accepts connections but never says a word (a hung mail server)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()
    finally:
        sock.close()


def smtp_settings(settings: Settings, config: SmtpConfig | None) -> Settings:
    """The settings with this mail server (None: e-mail off)."""
    return dataclasses.replace(settings, smtp=config, public_url="https://ik.kommun.example")


def smtp_env(server: SmtpServer) -> dict[str, str]:
    """Environment variables pointing a subprocess at the server."""
    return {
        "SMTP_HOST": server.host,
        "SMTP_PORT": str(server.port),
        "SMTP_SECURITY": "none",
        "MAIL_FROM": SENDER,
        "SMTP_TIMEOUT": "5",
        "PUBLIC_URL": "https://ik.kommun.example",
    }
