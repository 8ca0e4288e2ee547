"""Route-matrix rows for KS's overview, the shared points' report and trends.

Only those who oversee every board read them: the admin, coordinators, auditors and KS's
members. Every answer names every board, so the matrix's check that no unreadable board leaks
holds only because nobody else gets a 200. Bad input is answered after the permission check.
"""

from __future__ import annotations

import httpx

from tests.route_probes import BOARD_NAMES, Probe, api, row

# ROLES order: anon adm coo aud sec pre ctl vie ksv none
ALL_BOARDS = "303  200 200 200 403 403 403 403 200 403"
BAD_INPUT = "303  422 422 422 403 403 403 403 422 403"
QUERY = "?year=2026&period=delar"
PAGE_QUERY = "?ar=2026&period=delar"

PROBES: list[Probe] = [
    row(ALL_BOARDS, "GET", "/ks/oversikt", suffix=PAGE_QUERY, check="ks_all_boards"),
    row(BAD_INPUT, "GET", "/ks/oversikt", suffix="?ar=2026&period=kvartal"),
    row(ALL_BOARDS, "GET", "/ks/gemensamma", suffix=PAGE_QUERY),
    row(BAD_INPUT, "GET", "/ks/gemensamma", suffix="?ar=1800"),
    row(ALL_BOARDS, "GET", "/ks/trender", check="ks_all_boards"),
    row(api(ALL_BOARDS), "GET", "/api/overview", suffix=QUERY, check="ks_all_boards"),
    row(api(BAD_INPUT), "GET", "/api/overview", suffix="?period=kvartal"),
    row(api(ALL_BOARDS), "GET", "/api/shared-results", suffix=QUERY),
    row(api(BAD_INPUT), "GET", "/api/shared-results", suffix="?year=tjugo"),
    row(api(ALL_BOARDS), "GET", "/api/trends", check="ks_all_boards"),
    row(api(ALL_BOARDS), "GET", "/api/overview.pdf", suffix=QUERY, check="ks_pdf"),
    row(api(BAD_INPUT), "GET", "/api/overview.pdf", suffix="?period=x"),
    row(api(ALL_BOARDS), "GET", "/api/overview.xlsx", suffix=QUERY, check="ks_xlsx"),
    row(api(BAD_INPUT), "GET", "/api/overview.xlsx", suffix="?year=1800"),
    row(api(ALL_BOARDS), "GET", "/api/shared-results.pdf", suffix=QUERY, check="ks_pdf"),
    row(api(BAD_INPUT), "GET", "/api/shared-results.pdf", suffix="?period=x"),
    row(api(ALL_BOARDS), "GET", "/api/shared-results.xlsx", suffix=QUERY, check="ks_xlsx"),
    row(api(BAD_INPUT), "GET", "/api/shared-results.xlsx", suffix="?year=1800"),
]
CHECKS = {"ks_all_boards", "ks_pdf", "ks_xlsx"}


async def add_world(ids: dict[str, int]) -> None:
    """Nothing to add: the matrix's boards, plans and results are enough."""


def check(
    role: str, probe: Probe, response: httpx.Response, ids: dict[str, int], where: str
) -> list[str] | None:
    """Problems with a response these rows own, or None when the row is not theirs."""
    if probe.check not in CHECKS:
        return None
    if probe.check == "ks_pdf":
        ok = response.content.startswith(b"%PDF-")
        return [] if ok else [f"{where}: not a PDF"]
    if probe.check == "ks_xlsx":
        ok = response.content.startswith(b"PK")
        return [] if ok else [f"{where}: not a workbook"]
    missing = [name for _, name in BOARD_NAMES.values() if name not in response.text]
    return [f"{where}: KS's view lacks {missing}"] if missing else []


async def forged_traces() -> list[str]:
    """Nothing here writes, so nothing forged can be stored."""
    return []
