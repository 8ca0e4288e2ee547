"""Helpers for the browser tests: the browser's settings, form login and axe-core checks."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

try:  # a missing Playwright is reported by the `browser_requirements` fixture, not here
    from playwright.async_api import Page, Response, expect
except ImportError:  # pragma: no cover - depends on the environment
    Page = Response = Any  # type: ignore[misc, assignment]
    expect = None  # type: ignore[assignment]

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Overridable so the "tools missing" path can be exercised (e.g. IK_CHROMIUM=/nonexistent).
CHROMIUM = Path(os.environ.get("IK_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = Path(os.environ.get("IK_AXE", REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

DEMO_PASSWORD = "demo"
WRONG_CREDENTIALS = "Fel användarnamn eller lösenord."
SKIP_LINK = "Hoppa till huvudinnehållet"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}


class AccessibilityWarning(UserWarning):
    """A moderate or minor axe-core finding: reported, not failed."""


def on_login_page(page: Page) -> bool:
    """True when the page shows the login form at /login."""
    return re.search(r"/login(\?|$)", page.url) is not None


async def submit_login(page: Page, username: str, password: str = DEMO_PASSWORD) -> Response:
    """Fill the real login form by its labels and press "Logga in"; return the POST's response."""
    await page.get_by_label("Användarnamn").fill(username)
    await page.get_by_label("Lösenord").fill(password)
    async with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith("/login")
    ) as answer:
        await page.get_by_role("button", name="Logga in").click()
    await page.wait_for_load_state()
    return await answer.value


async def login_via_form(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Open /login, sign in through the form and wait until the app has redirected away."""
    await page.goto("/login")
    response = await submit_login(page, username, password)
    assert response.status == 303, f"login as {username} answered {response.status}"
    await page.wait_for_url(lambda url: "/login" not in url)


async def logout_via_button(page: Page) -> None:
    """Press "Logga ut" in the header and wait for the login page."""
    await page.get_by_role("button", name="Logga ut").click()
    await page.wait_for_url(re.compile(r"/login$"))


def _describe(violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node.get("target", []))) for node in violation["nodes"]]
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']}",
        f"  {violation.get('helpUrl', '')}",
    ]
    lines += [f"    target: {t}" for t in targets]
    return "\n".join(lines)


async def run_axe(page: Page) -> list[dict[str, Any]]:
    """Inject axe-core into the page and return every violation it finds."""
    await page.add_script_tag(path=str(AXE_JS))
    results = await page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html})),
            }));
        }""",
        AXE_TAGS,
    )
    return results


async def check_accessibility(page: Page, label: str | None = None) -> list[dict[str, Any]]:
    """Fail on every serious or critical axe violation; warn about (and return) the milder ones."""
    violations = await run_axe(page)
    where = label or page.url
    bad = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    if bad:
        pytest.fail(
            f"axe-core found {len(bad)} serious/critical violation(s) on {where}:\n"
            + "\n".join(_describe(v) for v in bad),
            pytrace=False,
        )
    milder = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
    for violation in milder:
        warnings.warn(f"{where}:\n{_describe(violation)}", AccessibilityWarning, stacklevel=2)
    return milder


async def open_page(page: Page, path: str, status: int = 200) -> None:
    """Go to a path and insist on its HTTP status."""
    response = await page.goto(path)
    assert response is not None
    assert response.status == status, f"{path} answered {response.status}, expected {status}"


async def board_id_of(page: Page, board_name: str) -> str:
    """The id of a board, read from its link on /namnder."""
    await open_page(page, "/namnder")
    href = await page.get_by_role("link", name=board_name, exact=True).get_attribute("href")
    match = re.fullmatch(r"/namnder/(\d+)", href or "")
    assert match, f"unexpected link to {board_name}: {href!r}"
    return match.group(1)
