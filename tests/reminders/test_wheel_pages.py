"""The årshjul page over HTTP: who may open it, which boards they see, today and bad years."""

from __future__ import annotations

import re

import pytest

from internkontroll.reminders import wheel_pages
from tests.conftest import make_user
from tests.controls.test_api import as_user
from tests.reports import test_counts as counts_fixtures
from tests.reports.test_counts import AS_OF, YEAR

plan_world = counts_fixtures.plan_world
clock = counts_fixtures.clock
counts_world = counts_fixtures.counts_world

# As board links show them ("Kommunstyrelsen" alone is also the KS's steps' wording).
BOARD_NAMES = {
    "KS": ">Kommunstyrelsen</a>",
    "BUN": ">Barn- och utbildningsnämnden</a>",
    "SN": ">Socialnämnden</a>",
}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The page's today: 15 November 2026."""
    monkeypatch.setattr(wheel_pages, "today", lambda: AS_OF)


def plan_rows(html: str) -> list[str]:
    """The boards named in the plan step's per-board table."""
    section = html[html.index('id="m-plan"') :]
    section = section[: section.index("</article>")]
    return re.findall(r'<tr data-board="([^"]+)">', section)


async def test_anonymous_visitors_are_sent_to_log_in(client, plan_world):
    response = await client.get("/arshjul?ar=2026", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Farshjul%3Far%3D2026"


async def test_a_board_member_sees_only_their_board(client, counts_world):
    await as_user(client, "ledamot")  # a viewer on BUN
    response = await client.get("/arshjul")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Årshjul 2026</h1>" in html  # this year by default
    assert plan_rows(html) == ["BUN"]
    assert BOARD_NAMES["BUN"] in html
    assert BOARD_NAMES["SN"] not in html and BOARD_NAMES["KS"] not in html
    assert "Du ser 1 nämnd som du har en roll i." in html
    # KS's pages are not theirs: the steps do not link there.
    assert "/ks/oversikt" not in html and "/ks/samlad-bedomning" not in html
    assert f'href="/namnder/{counts_world.plan.board}/plan?ar=2026"' in html


async def test_a_coordinator_sees_every_board_and_ks_links(client, counts_world):
    await as_user(client, "samordnare")
    html = (await client.get(f"/arshjul?ar={YEAR}")).text
    assert plan_rows(html) == ["KS", "BUN", "SN"]
    assert all(name in html for name in BOARD_NAMES.values())
    assert "Du ser" not in html
    assert 'href="/ks/oversikt?ar=2026&amp;period=delar"' in html
    assert 'href="/ks/samlad-bedomning?ar=2026"' in html


async def test_someone_without_a_board_role_sees_kss_steps_only(client, counts_world):
    await make_user("utan-roll")
    await as_user(client, "utan-roll")
    response = await client.get("/arshjul")
    assert response.status_code == 200
    html = response.text
    assert plan_rows(html) == []
    assert not any(name in html for name in BOARD_NAMES.values())
    assert "KS beslutar om gemensamma kontrollmoment för 2027" in html


async def test_the_page_marks_today_names_statuses_in_text_and_weekend_dates(client, counts_world):
    await as_user(client, "samordnare")
    html = (await client.get("/arshjul")).text
    assert '<strong aria-current="date">I dag är det 15 november 2026.</strong>' in html
    assert 'class="wheel-month wheel-month--current" id="manad-2026-11"' in html
    assert '<tr class="wheel-today-row">' in html
    # Status is text beside the colour, never the colour alone.
    assert re.search(r'signal--red">.*?Försenad</span>', html)
    assert re.search(r'signal--green">.*?Klar</span>', html)
    # 31 January 2026 is a Saturday; the date is shown as decided.
    assert "senast 31 januari 2026" in html and "Datumet är en lördag" in html
    assert "Datumet är nyårsafton" in html
    assert 'Mars 2027 <span class="muted">(året efter)</span>' in html
    assert '<svg viewBox="0 0 380 380"' in html and 'role="img"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [("?ar=1800", "året ska vara 2000–2100"), ("?ar=tjugo", "ska vara ett heltal")],
)
async def test_a_bad_year_is_a_swedish_422(client, plan_world, query, message):
    await as_user(client, "ledamot")
    response = await client.get(f"/arshjul{query}")
    assert response.status_code == 422
    assert message in response.text
