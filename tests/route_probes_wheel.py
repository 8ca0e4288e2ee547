"""Route-matrix rows for the årshjul: the page and its JSON.

Every signed-in user opens it; its board rows and counts cover only the boards the role may
read (the matrix's own check proves no unreadable board's name leaks), and the body checks
below prove each readable board is there. Bad years are answered with 422 for everyone
signed in.
"""

from __future__ import annotations

import httpx

from tests.route_probes import BOARD_NAMES, READABLE, Probe, api, row

# ROLES order: anon adm coo aud sec pre ctl vie ksv none
ALL_SIGNED_IN = "303  200 200 200 200 200 200 200 200 200"
BAD_YEAR = "303  422 422 422 422 422 422 422 422 422"

PROBES: list[Probe] = [
    row(ALL_SIGNED_IN, "GET", "/arshjul", suffix="?ar=2026", check="wheel_page"),
    row(BAD_YEAR, "GET", "/arshjul", suffix="?ar=1800"),
    row(api(ALL_SIGNED_IN), "GET", "/api/wheel", suffix="?year=2026", check="wheel_json"),
    row(api(BAD_YEAR), "GET", "/api/wheel", suffix="?year=2101"),
]
CHECKS = {"wheel_page", "wheel_json"}


async def add_world(ids: dict[str, int]) -> None:
    """Nothing to add: every active board owes a plan for 2026, so each has a row."""


def check(
    role: str, probe: Probe, response: httpx.Response, ids: dict[str, int], where: str
) -> list[str] | None:
    """Problems with a response these rows own, or None when the row is not theirs."""
    if probe.check not in CHECKS:
        return None
    if probe.check == "wheel_json":
        got = {b["id"] for b in response.json()["boards"]}
        want = {ids[key] for key in READABLE[role]}
        world = {ids[key] for key in BOARD_NAMES}
        # The admin's row through /admin adds a board before these rows run: only the
        # world's boards are held to READABLE.
        ok = got & world == want and (got <= world or READABLE[role] == set(BOARD_NAMES))
        return [] if ok else [f"{where}: the wheel lists boards {got}, expected {want}"]
    missing = [
        BOARD_NAMES[key][1] for key in READABLE[role] if BOARD_NAMES[key][1] not in response.text
    ]
    return [f"{where}: the wheel lacks readable boards {missing}"] if missing else []


async def forged_traces() -> list[str]:
    """Nothing here writes, so nothing forged can be stored."""
    return []
