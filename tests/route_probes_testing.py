"""Route-matrix rows for control testing: results, evidence, deviations and actions.

The world has an adopted plan for TESTED_YEAR on OWN and on OTHER with one monthly control,
so each has twelve occasions. On each board (key b) the control's owner logs a minor deviation
on occasion_b_found (result_b, deviation_b, evidence_b) and clean results to correct on
occasion_b_correct and _correct2 (result_b_correct, _correct2); occasion_b and occasion_b_log,
_log2 and _log3 stay untested. The deviation has five actions due in 30 days, the responsible
being OWN's viewer (on OTHER the bystander): action_b_postpone, _postpone2, _close, _close2 and
_closed (closed yesterday). Results are append-only, so every row that succeeds gets an entity
of its own.

Writers are the board's preparer and the control's owner with the control_owner role, never
the admin; an action may also be moved on by its responsible user. Every write has a forged
row first, on the entity the allowed row then uses: had the forgery been stored, the allowed
row would fail; its texts carry FORGED_MARK, which `forged_traces` looks for after the walk.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import httpx
from piccolo.apps.user.tables import BaseUser

from internkontroll.auth.services import load_principal
from internkontroll.controls import deviations, evidence, results
from internkontroll.controls.decisions import DecisionInput
from internkontroll.controls.plan_controls import ControlInput, add_control
from internkontroll.controls.plans import adopt, create_plan, send_for_decision
from internkontroll.controls.tables import PlanControl
from internkontroll.controls.testing_tables import (
    ActionCheck,
    ActionPostponement,
    CorrectiveAction,
    Deviation,
    EvidenceFile,
    TestOccasion,
    TestResult,
)
from internkontroll.timeutil import today
from tests.route_probes import (
    BOARD_NAMES,
    BYSTANDER,
    CSRF_EXPIRED,
    FORGED,
    PAGE_MISSING,
    PAGE_OTHER,
    PAGE_OWN,
    Probe,
    api,
    on_boards,
    row,
)
from tests.route_probes_plans import ALL_SIGNED_IN, ANY_409, codes

# A past year, so every result can be dated in it (the plan rows use a 2026 draft).
TESTED_YEAR = 2025
PERFORMED_ON = dt.date(TESTED_YEAR, 12, 15).isoformat()
TESTED_TITLES = {"own": "Testad kontroll i Alfa", "other": "Hemlig kontroll i Omega, testad"}
PDF = b"%PDF-1.4\n%%EOF\n"
FORGED_MARK = "Förfalskad"

NO_OCCASION = "Kontrolltillfället finns inte."
NO_RESULT = "Resultatet finns inte."
NO_DEVIATION = "Avvikelsen finns inte."
NO_ACTION = "Åtgärden finns inte."
NO_FILE = "Filen finns inte."
NO_CONTROL = "Kontrollmomentet finns inte."

# Who may write (ROLES order: anon adm coo aud sec pre ctl vie ksv none).
TESTER_OWN = "{anon}  403 403 403 403 {ok} {ok} 403 403 403"
MOVER_OWN = "{anon}  403 403 403 403 {ok} {ok} {ok} 403 403"  # + the responsible viewer
NOBODY = "{anon}  403 403 403 403 403 403 403 403 403"

# ------------------------------------------------------------------ the world


class Upload:
    """What evidence.add_evidence reads: a file name and an async read()."""

    def __init__(self, filename: str, content: bytes = PDF) -> None:
        self.filename = filename
        self._bytes = io.BytesIO(content)

    async def read(self, size: int = -1) -> bytes:
        return self._bytes.read(size)


async def _user_id(username: str) -> int:
    return (await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first())["id"]


async def add_testing(ids: dict[str, int]) -> None:
    """Adopted plans for TESTED_YEAR on OWN and OTHER, with results, deviations and actions."""
    admin = await load_principal(await _user_id("admin"))
    ids["user_viewer"] = await _user_id("viewer")
    ids["user_bystander"] = await _user_id(BYSTANDER[0])
    owners = {"own": "control-owner", "other": BYSTANDER[0]}
    responsible = {"own": ids["user_viewer"], "other": ids["user_bystander"]}
    due = today() + dt.timedelta(days=30)
    for key, title in TESTED_TITLES.items():
        owner_id = await _user_id(owners[key])
        owner = await load_principal(owner_id)
        plan_id = await create_plan(admin, ids[key], TESTED_YEAR)
        plan_control_id = await add_control(
            admin,
            plan_id,
            ControlInput(
                title=title,
                method="sample",
                frequency="monthly",
                report_when="Helår",
                owner_id=owner_id,
            ),
        )
        await send_for_decision(admin, plan_id)
        short = BOARD_NAMES[key][0]
        decision = DecisionInput(dt.date(TESTED_YEAR, 1, 15), "§ 3", f"{short} 2024/3")
        await adopt(admin, plan_id, decision)
        control = await PlanControl.select(PlanControl.control).where(
            PlanControl.id == plan_control_id
        )
        ids[f"tested_{key}"] = control[0]["control"]
        occasions = [
            o["id"]
            for o in await TestOccasion.select(TestOccasion.id)
            .where(TestOccasion.control == ids[f"tested_{key}"])
            .order_by(TestOccasion.period_key)
        ]
        names = ("_found", "_correct", "_correct2", "", "_log", "_log2", "_log3")
        for name, occasion_id in zip(names, occasions, strict=False):
            ids[f"occasion_{key}{name}"] = occasion_id
        ids[f"result_{key}"] = await results.log_result(
            owner, ids[f"occasion_{key}_found"], _result("minor", "Två fakturor saknade attest")
        )
        for name in ("_correct", "_correct2"):
            ids[f"result_{key}{name}"] = await results.log_result(
                owner, ids[f"occasion_{key}{name}"], _result("passed")
            )
        deviation = await Deviation.select(Deviation.id).where(
            Deviation.found_in == ids[f"result_{key}"]
        )
        ids[f"deviation_{key}"] = deviation[0]["id"]
        for name in ("_postpone", "_postpone2", "_close", "_close2", "_closed"):
            ids[f"action_{key}{name}"] = await deviations.add_action(
                owner,
                ids[f"deviation_{key}"],
                deviations.ActionInput("Påminn attestanterna", responsible[key], due),
            )
        # Closed yesterday, so a check dated today is never before it.
        await deviations.close_action(
            owner, ids[f"action_{key}_closed"], today() - dt.timedelta(days=1), "Påminda"
        )
        (ids[f"evidence_{key}"],) = await evidence.add_evidence(
            owner, ids[f"result_{key}"], [Upload("Stickprov.pdf")]
        )
    for prefix in ("tested", "occasion", "result", "deviation", "action", "evidence"):
        ids[f"{prefix}_missing"] = max(v for k, v in ids.items() if k.startswith(prefix)) + 1000


def _result(outcome: str, deviation: str = "") -> results.ResultInput:
    return results.ResultInput(
        performed_on=dt.date.fromisoformat(PERFORMED_ON),
        performed_by_name="Kim Kontrollant",
        sample="5 av 50 fakturor",
        outcome=outcome,
        deviation=deviation,
    )


async def forged_traces() -> list[str]:
    """Every table where a forged row's text was stored: none, if CSRF held."""
    like = f"%{FORGED_MARK}%"
    columns = (
        TestResult.performed_by_name,
        TestResult.correction_reason,
        Deviation.description,
        CorrectiveAction.description,
        CorrectiveAction.closing_note,
        ActionPostponement.reason,
        ActionCheck.note,
        EvidenceFile.original_name,
    )
    found = []
    for column in columns:
        table = column._meta.table
        if await table.exists().where(column.like(like)):
            found.append(f"{table._meta.tablename}.{column._meta.name}")
    return found


# ------------------------------------------------------------------ body checks


def check_testing(
    role: str, probe: Probe, response: httpx.Response, ids: dict[str, int], where: str
) -> list[str] | None:
    """Problems with a testing answer's body; None if the check is not one of these."""
    if probe.check == "my_controls":
        body = response.json()
        want = 1 if role == "control_owner" else 0
        got_actions = {a["id"] for a in body["actions"]}
        want_actions = set()
        if role == "viewer":
            want_actions = {
                ids[f"action_own{n}"] for n in ("_postpone", "_postpone2", "_close", "_close2")
            }
        if body["control_count"] != want or got_actions != want_actions:
            return [f"{where}: my controls {body['control_count']} {got_actions}"]
        return []
    if probe.check == "record":
        body = response.json()
        key = (probe.item or "").split("_")[0]
        may_test = key == "own" and role in ("preparer", "control_owner")
        ok = (
            body["control_id"] == ids[f"tested_{key}"]
            and body["title"] == TESTED_TITLES[key]
            and body["can_test"] == may_test
        )
        return [] if ok else [f"{where}: record {body['title']!r} can_test={body['can_test']}"]
    if probe.check == "record_page":
        key = (probe.item or "").split("_")[0]
        return [] if TESTED_TITLES[key] in response.text else [f"{where}: page lacks the title"]
    if probe.check == "board_results":
        body = response.json()
        want = [TESTED_TITLES[probe.board]] if probe.board in TESTED_TITLES else []
        got = [c["title"] for c in body["controls"]]
        ok = body["year"] == TESTED_YEAR and got == want
        return [] if ok else [f"{where}: board results {body['year']} {got}, expected {want}"]
    if probe.check == "pdf":
        ok = response.content == PDF and "attachment" in response.headers["content-disposition"]
        return [] if ok else [f"{where}: download {response.headers} {response.content[:40]!r}"]
    return None


# ------------------------------------------------------------------ rows


def on_items(
    method: str,
    route: str,
    own: str,
    other: str,
    missing: str,
    *,
    use: str = "",
    per_item: dict[str, dict[str, Any]] | None = None,
    **options: Any,
) -> list[Probe]:
    """Rows for an entity of OWN, of OTHER and a missing one (use: which of OWN/OTHER's)."""
    per_item = per_item or {}
    return [
        row(code, method, route, item=key, **options | per_item.get(key.split("_")[0], {}))
        for key, code in (("own" + use, own), ("other" + use, other), ("missing", missing))
    ]


def reads(route: str, missing_message: str, **options: Any) -> list[Probe]:
    """A page or API read open to everyone who may read the board."""
    own, other, missing = PAGE_OWN, PAGE_OTHER, PAGE_MISSING
    if route.startswith("/api/"):
        own, other, missing = api(own), api(other), api(missing)
    return on_items("GET", route, own, other, missing, messages={404: missing_message}, **options)


def writes(
    method: str,
    route: str,
    pattern: str,
    ok: int,
    missing_message: str,
    *,
    use: str = "",
    forged: dict[str, Any],
    per_item: dict[str, dict[str, Any]] | None = None,
    **options: Any,
) -> list[Probe]:
    """A forged row, then the rows for an entity of OWN, of OTHER and a missing one.

    `forged` is the body (json/form/file) the forged row sends: one that would be stored
    if the CSRF check let it through, with FORGED_MARK in its text.
    """
    api_route = route.startswith("/api/")
    anon = 401 if api_route else 303
    missing = api(PAGE_MISSING) if api_route else PAGE_MISSING
    messages = {404: missing_message, **options.pop("messages", {})}
    return [
        row(FORGED, method, route, item="own" + use, messages={403: CSRF_EXPIRED}, **forged),
        *on_items(
            method,
            route,
            codes(pattern, ok, anon),
            codes(NOBODY, ok, anon),
            missing,
            use=use,
            per_item=per_item,
            csrf="header" if api_route else "form",
            messages=messages,
            **options,
        ),
    ]


def forged_text(body: dict[str, Any], *fields: str) -> dict[str, Any]:
    """The body with FORGED_MARK written into the given text fields."""
    return {**body, **{f: f"{FORGED_MARK} {body.get(f, '')}".strip() for f in fields}}


TODAY = today().isoformat()
DUE = (today() + dt.timedelta(days=60)).isoformat()
LATER = (today() + dt.timedelta(days=90)).isoformat()

RESULT = {
    "performed_on": PERFORMED_ON,
    "performed_by_name": "Kim Kontrollant",
    "sample": "5 av 50 fakturor",
    "outcome": "minor",
    "deviation": "En faktura saknade attest",
}
CORRECTION = {**RESULT, "outcome": "passed", "deviation": "", "correction_reason": "Fel urval"}
ANALYSIS = {
    "description": "Attest saknades på en faktura",
    "whys": ["Attestanten var sjuk", "Ingen ersättare var utsedd"],
    "root_cause": "Attestordningen saknar ersättare",
}
ANALYSIS_FORM = {
    "description": ANALYSIS["description"],
    "why_1": ANALYSIS["whys"][0],
    "why_2": ANALYSIS["whys"][1],
    "root_cause": ANALYSIS["root_cause"],
}
ACTION = {"description": "Utse ersättare", "responsible_id": "@user_viewer", "due_on": DUE}
RESULT_FORM = {
    **RESULT,
    "action_description": "Påminn attestanterna",
    "responsible_id": "@user_viewer",
    "due_on": DUE,
}
POSTPONE = {"due_on": LATER, "reason": "Väntar på nämndens beslut"}
CLOSE = {"closed_on": TODAY, "note": "Ersättare utsedd"}
CHECK = {"checked_on": TODAY, "effective": True, "note": "Inga fler fakturor utan attest"}
CHECK_FORM = {**CHECK, "effective": "ja"}
EVIDENCE_FILE = ("Stickprov mars.pdf", PDF, "application/pdf")
FORGED_FILE = (f"{FORGED_MARK}.pdf", PDF, "application/pdf")


def _per_other(body: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    """The body for OTHER's entity: its responsible must sit on OTHER."""
    return {"other": {key: {**body, "responsible_id": "@user_bystander"}}}


def _action_location(action: str, done: str) -> dict[int, str]:
    return {303: f"/avvikelser/{{deviation_own}}?klart={done}#atgard-{{action_own{action}}}"}


YEAR_QUERY = {"api": f"?year={TESTED_YEAR}", "page": f"?ar={TESTED_YEAR}"}

# fmt: off
TESTING_PROBES: list[Probe] = [
    # Everyone signed in: their own occasions and actions.
    row(api(ALL_SIGNED_IN), "GET", "/api/my-controls", check="my_controls"),
    row(ALL_SIGNED_IN, "GET", "/mina-kontroller"),
    # Reads: a control's record, a board's year, a deviation, an evidence file.
    *reads("/api/controls/{control_id:int}", NO_CONTROL, check="record"),
    *reads("/kontroller/{control_id:int}", NO_CONTROL, check="record_page"),
    *on_boards("GET", "/api/boards/{board_id:int}/results", api(PAGE_OWN), api(PAGE_OTHER),
               api(PAGE_MISSING), suffix=YEAR_QUERY["api"], check="board_results"),
    *on_boards("GET", "/namnder/{board_id:int}/resultat", PAGE_OWN, PAGE_OTHER, PAGE_MISSING,
               suffix=YEAR_QUERY["page"]),
    *reads("/avvikelser/{deviation_id:int}", NO_DEVIATION),
    *reads("/bevis/{evidence_id:int}", NO_FILE, check="pdf"),
    # Forms only the control's testers get.
    *on_items("GET", "/kontrolltillfallen/{occasion_id:int}/resultat",
              codes(TESTER_OWN, 200), codes(NOBODY, 200), PAGE_MISSING,
              messages={404: NO_OCCASION}),
    *on_items("GET", "/resultat/{result_id:int}/rattelse", codes(TESTER_OWN, 200),
              codes(NOBODY, 200), PAGE_MISSING, messages={404: NO_RESULT}),
    # Logging a result; a second one on the same occasion is refused (append-only).
    *writes("POST", "/api/occasions/{occasion_id:int}/results", TESTER_OWN, 201, NO_OCCASION,
            use="_log", json=RESULT, forged={"json": forged_text(RESULT, "performed_by_name")}),
    row(codes(TESTER_OWN, 409, 401), "POST", "/api/occasions/{occasion_id:int}/results",
        item="own_log", json=RESULT, csrf="header", messages=ANY_409),
    # The page takes multipart (with files and a first action) or a plain urlencoded form.
    *writes("POST", "/kontrolltillfallen/{occasion_id:int}/resultat", TESTER_OWN, 303,
            NO_OCCASION, use="_log2", form=RESULT_FORM, file=EVIDENCE_FILE,
            per_item=_per_other(RESULT_FORM, "form"),
            locations={303: "/kontroller/{tested_own}?klart=loggat#tillfalle-{occasion_own_log2}"},
            forged={"form": forged_text(RESULT_FORM, "performed_by_name"), "file": FORGED_FILE}),
    *writes("POST", "/kontrolltillfallen/{occasion_id:int}/resultat", TESTER_OWN, 303,
            NO_OCCASION, use="_log3", form=RESULT,
            locations={303: "/kontroller/{tested_own}?klart=loggat#tillfalle-{occasion_own_log3}"},
            forged={"form": forged_text(RESULT, "performed_by_name")}),
    # Correcting a result; a second correction of the same one is refused.
    *writes("POST", "/api/results/{result_id:int}/corrections", TESTER_OWN, 201, NO_RESULT,
            use="_correct", json=CORRECTION,
            forged={"json": forged_text(CORRECTION, "correction_reason")}),
    row(codes(TESTER_OWN, 409, 401), "POST", "/api/results/{result_id:int}/corrections",
        item="own_correct", json=CORRECTION, csrf="header", messages=ANY_409),
    *writes("POST", "/resultat/{result_id:int}/rattelse", TESTER_OWN, 303, NO_RESULT,
            use="_correct2", form=CORRECTION,
            locations={303: "/kontroller/{tested_own}?klart=rattat"
                                 "#tillfalle-{occasion_own_correct2}"},
            forged={"form": forged_text(CORRECTION, "correction_reason")}),
    # Evidence files on a result.
    *writes("POST", "/api/results/{result_id:int}/evidence", TESTER_OWN, 201, NO_RESULT,
            form={}, file=EVIDENCE_FILE, forged={"form": {}, "file": FORGED_FILE}),
    *writes("POST", "/resultat/{result_id:int}/bevis", TESTER_OWN, 303, NO_RESULT,
            form={}, file=EVIDENCE_FILE,
            locations={303: "/kontroller/{tested_own}?klart=bevis#resultat-{result_own}"},
            forged={"form": {}, "file": FORGED_FILE}),
    # A deviation's analysis and new actions.
    *writes("PATCH", "/api/deviations/{deviation_id:int}", TESTER_OWN, 200, NO_DEVIATION,
            json=ANALYSIS, forged={"json": forged_text(ANALYSIS, "description")}),
    *writes("POST", "/avvikelser/{deviation_id:int}", TESTER_OWN, 303, NO_DEVIATION,
            form=ANALYSIS_FORM, locations={303: "/avvikelser/{deviation_own}?klart=analys"},
            forged={"form": forged_text(ANALYSIS_FORM, "description")}),
    *writes("POST", "/api/deviations/{deviation_id:int}/actions", TESTER_OWN, 201,
            NO_DEVIATION, json=ACTION, per_item=_per_other(ACTION, "json"),
            forged={"json": forged_text(ACTION, "description")}),
    *writes("POST", "/avvikelser/{deviation_id:int}/atgarder", TESTER_OWN, 303, NO_DEVIATION,
            form=ACTION, per_item=_per_other(ACTION, "form"),
            locations={303: "/avvikelser/{deviation_own}?klart=atgard#atgarder"},
            forged={"form": forged_text(ACTION, "description")}),
    # Moving an action on: its testers and the person responsible for it.
    *writes("POST", "/api/actions/{action_id:int}/postpone", MOVER_OWN, 200, NO_ACTION,
            use="_postpone", json=POSTPONE, forged={"json": forged_text(POSTPONE, "reason")}),
    *writes("POST", "/atgarder/{action_id:int}/skjut-upp", MOVER_OWN, 303, NO_ACTION,
            use="_postpone2", form=POSTPONE, locations=_action_location("_postpone2", "uppskjuten"),
            forged={"form": forged_text(POSTPONE, "reason")}),
    *writes("POST", "/api/actions/{action_id:int}/close", MOVER_OWN, 200, NO_ACTION,
            use="_close", json=CLOSE, forged={"json": forged_text(CLOSE, "note")}),
    *writes("POST", "/atgarder/{action_id:int}/avsluta", MOVER_OWN, 303, NO_ACTION,
            use="_close2", form=CLOSE, locations=_action_location("_close2", "avslutad"),
            forged={"form": forged_text(CLOSE, "note")}),
    *writes("POST", "/api/actions/{action_id:int}/checks", MOVER_OWN, 201, NO_ACTION,
            use="_closed", json=CHECK, forged={"json": forged_text(CHECK, "note")}),
    *writes("POST", "/atgarder/{action_id:int}/uppfoljning", MOVER_OWN, 303, NO_ACTION,
            use="_closed", form=CHECK_FORM, locations=_action_location("_closed", "uppfoljd"),
            forged={"form": forged_text(CHECK_FORM, "note")}),
]
# fmt: on
