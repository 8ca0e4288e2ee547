"""Browser tests: the real app as a subprocess on a demo kommun, driven by Debian's Chromium.

One server and one browser serve the whole session. Opening a tab costs Chromium about
0.25 s of CPU here, so pages are reused: one anonymous page (cookies cleared before each
test) and one page per user, signed in through the login form the first time that user is
needed. Every test starts by navigating, so no test sees another's document.

Playwright's async API runs on pytest-asyncio's session-scoped loop for these tests only
(the rest of the suite keeps its function-scoped loops): starting Chromium costs about
1.5 s, too much to pay per test.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pytest_asyncio import is_async_test

from tests.browser.helpers import AXE_JS, CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, login_via_form

HERE = Path(__file__).resolve().parent
STARTUP_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 10.0
VIEWPORT = {"width": 1280, "height": 720}
SERVER_LOG = pytest.StashKey[Path]()
LOG_TAIL_LINES = 40


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this directory `browser`; run its async tests on the session loop."""
    session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if HERE not in Path(item.path).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        if is_async_test(item):
            item.add_marker(session_loop, append=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Attach the end of the live server's log to every failed browser test."""
    report = yield
    log_path = item.config.stash.get(SERVER_LOG, None)
    if report.failed and log_path is not None and HERE in Path(item.path).resolve().parents:
        with contextlib.suppress(OSError):
            tail = log_path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
            report.sections.append(("live server log (tail)", "\n".join(tail)))
    return report


def in_ci() -> bool:
    """True on the CI server (CI=true), where missing tools are errors, never skips."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def missing_tools() -> list[str]:
    """What the browser tests need but this machine lacks."""
    problems = []
    if importlib.util.find_spec("playwright") is None:
        problems.append("Playwright for Python is not installed (pip install -e '.[dev]')")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problems.append(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    if not AXE_JS.is_file():
        problems.append(f"axe-core not found at {AXE_JS} (npm ci --no-audit --no-fund)")
    return problems


@pytest.fixture(scope="session")
def browser_requirements() -> None:
    """Fail loudly in CI, skip elsewhere, when Chromium, axe-core or Playwright is missing."""
    problems = missing_tools()
    if not problems:
        return
    message = "browser tests cannot run: " + "; ".join(problems)
    if in_ci():
        pytest.fail(f"{message}. CI=true: refusing to skip them.", pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(url: str) -> dict[str, Any] | None:
    """The /healthz answer, or None while the server does not answer 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - our own http URL
            return json.load(answer) if answer.status == 200 else None
    except (urllib.error.URLError, OSError, ValueError):
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


@pytest.fixture(scope="session")
def live_server(
    request: pytest.FixtureRequest,
    browser_requirements: None,
    database_factory: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The app served by `internkontroll serve` on a free port over a fresh demo kommun."""
    directory = tmp_path_factory.mktemp("live-server")
    name = database_factory.copy(directory)
    env = {k: v for k, v in os.environ.items() if k not in {"PRODUCTION", "SECRET_KEY"}}
    env.update(
        DATABASE_URL=database_factory.url_for(name),
        DATA_DIR=str(directory / "data"),
        PYTHONUNBUFFERED="1",
    )
    log_path = directory / "server.log"
    request.config.stash[SERVER_LOG] = log_path
    command = [sys.executable, "-m", "internkontroll.cli"]
    process: subprocess.Popen[bytes] | None = None
    try:
        with log_path.open("wb") as log:
            try:
                demo = subprocess.run(
                    [*command, "demo"],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=120,
                    check=False,
                )
                returncode: int | str = demo.returncode
            except subprocess.TimeoutExpired:
                returncode = "timeout after 120 s"
        if returncode != 0:
            pytest.fail(
                f"`internkontroll demo` failed ({returncode}):\n{log_path.read_text()}",
                pytrace=False,
            )
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while (health := _health(f"{base_url}/healthz")) is None:
            if process.poll() is not None:
                why = f"exited with {process.returncode}"
            elif time.monotonic() > deadline:
                why = f"gave no 200 on /healthz within {STARTUP_TIMEOUT:.0f} s"
            else:
                time.sleep(0.1)  # polling interval while the server starts, not a test wait
                continue
            _stop(process)
            pytest.fail(f"the app server {why}; its output:\n{log_path.read_text()}", pytrace=False)
        expected = database_factory.engine.engine_type
        if health.get("database") != expected:
            pytest.fail(f"the server runs on {health!r}, the tests on {expected}", pytrace=False)
        yield base_url
    finally:
        if process is not None:
            _stop(process)
        database_factory.discard(name)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(browser_requirements: None) -> AsyncIterator[Any]:
    """One headless Debian Chromium for the session."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def _new_page(browser: Any, base_url: str) -> Any:
    context = await browser.new_context(base_url=base_url, locale="sv-SE", viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    return await context.new_page()


async def _close(pages: Any) -> None:
    for page in pages:
        with contextlib.suppress(Exception):
            await page.context.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _anonymous_pages(browser: Any, live_server: str) -> AsyncIterator[list[Any]]:
    pages: list[Any] = []
    yield pages
    await _close(pages)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _signed_in_pages(browser: Any, live_server: str) -> AsyncIterator[dict[str, Any]]:
    pages: dict[str, Any] = {}
    yield pages
    await _close(pages.values())


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Any, live_server: str, _anonymous_pages: list[Any]) -> Any:
    """An anonymous page: no cookies, default viewport (reused: opening tabs is slow here)."""
    if not _anonymous_pages or _anonymous_pages[0].is_closed():
        _anonymous_pages[:] = [await _new_page(browser, live_server)]
    page = _anonymous_pages[0]
    await page.context.clear_cookies()
    await page.set_viewport_size(VIEWPORT)
    return page


@pytest_asyncio.fixture(loop_scope="session")
async def page_as(
    browser: Any, live_server: str, _signed_in_pages: dict[str, Any]
) -> Callable[[str], Awaitable]:
    """`await page_as("revisor")`: that user's page, signed in through the form on first use.

    The page and its session last for the whole test session: tests using it must not sign
    out (the sign-out tests use `page`).
    """

    async def factory(username: str) -> Any:
        page = _signed_in_pages.get(username)
        if page is None or page.is_closed():
            page = await _new_page(browser, live_server)
            try:
                await login_via_form(page, username)
            except BaseException:
                await page.context.close()
                raise
            _signed_in_pages[username] = page
        await page.set_viewport_size(VIEWPORT)
        return page

    return factory
