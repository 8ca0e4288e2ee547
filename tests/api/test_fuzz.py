"""schemathesis against the app's OpenAPI document, signed in as each role of the demo kommun.

Every operation in /schema/openapi.json gets a few generated requests per role: valid ones,
some of them on ids that exist in the demo kommun so that they reach the services, invalid
ones (as admin, who passes every permission check), and then the fullest valid request again
with a NUL in every free-text value (PostgreSQL refuses NUL in text). No answer may be a 5xx,
and every answer must keep to the document: a documented status code, the documented content
type, and a body matching the documented schema. Downloads are documented as files of their
own media type (PDF, xlsx), so their bodies are not read as JSON.

Bounded and repeatable: a fixed number of examples per operation and role, derandomized
(the same requests every run), no shrinking, a timeout per request. Each role fuzzes its own
copy of the demo database, so writes neither pile up nor leak between roles.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.python.asgi import get_client, shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from internkontroll.api_schemas import MAX_INT
from internkontroll.app import CSRF_COOKIE, CSRF_HEADER, create_app
from internkontroll.demo import DEMO_PASSWORD
from internkontroll.timeutil import today

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Requests per operation and role in `make test`; FUZZ_EXAMPLES=50 searches harder by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# A download's inputs are ids, a year and a period, like its JSON twin's, and each answer
# renders a whole PDF or workbook: half as many examples cover it.
DOWNLOAD_EXAMPLES = max(1, EXAMPLES_PER_OPERATION // 2)
REQUEST_TIMEOUT_SECONDS = 30
# A demo login per role (internkontroll/demo.py); board roles on KS reach KS's own rules too.
ROLE_USERS = {
    "admin": "admin",
    "coordinator": "samordnare",
    "auditor": "revisor",
    "secretary": "ks-sekreterare",
    "preparer": "bun-handlaggare",
    "control_owner": "bun-kontrollant",
    "viewer": "sn-ledamot",
}
PATH_PARAMETER = re.compile(r"{(\w+)}")
TEXT_PATH_PARAMETERS = {"period"}
DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass
class World:
    """Values for path parameters that exist in the demo kommun, and one that does not."""

    choices: dict[str, list] = field(default_factory=dict)


async def _ids(table, limit: int = 4) -> list[int]:
    """A few ids of a table, spread over it: the first, the last and some between."""
    rows = await table.select(table.id).order_by(table.id)
    ids = [r["id"] for r in rows]
    if len(ids) <= limit:
        return ids
    step = (len(ids) - 1) / (limit - 1)
    return sorted({ids[round(i * step)] for i in range(limit)})


@pytest.fixture
async def world(demo_db: str) -> World:
    """Ids to aim the generated requests at, read from the demo kommun."""
    from internkontroll.controls.tables import Control, ControlPlan, PlanControl
    from internkontroll.controls.testing_tables import (
        CorrectiveAction,
        Deviation,
        TestOccasion,
        TestResult,
    )
    from internkontroll.organisation.tables import Board
    from internkontroll.reminders.tables import Notification
    from internkontroll.risks.tables import Risk

    tables = {
        "board_id": Board,
        "risk_id": Risk,
        "plan_id": ControlPlan,
        "plan_control_id": PlanControl,
        "control_id": Control,
        "occasion_id": TestOccasion,
        "result_id": TestResult,
        "deviation_id": Deviation,
        "action_id": CorrectiveAction,
        "notification_id": Notification,
    }
    this_year = today().year
    choices: dict[str, list] = {
        name: [*await _ids(table), MAX_INT] for name, table in tables.items()
    }
    choices["year"] = [this_year, this_year - 1]
    choices["period"] = ["delar", "helar"]
    return World(choices)


def _strategy(operation, world: World, *, invalid: bool):
    """Valid requests, half of them on existing ids, and invalid ones when asked."""
    modes = (
        [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if invalid else [GenerationMode.POSITIVE]
    )
    generated = [operation.as_strategy(mode) for mode in modes]
    names = PATH_PARAMETER.findall(operation.path)
    known = {name: st.sampled_from(world.choices[name]) for name in names if name in world.choices}
    if not known:
        return st.one_of(generated)
    existing = st.fixed_dictionaries(known).flatmap(
        lambda values: operation.as_strategy(GenerationMode.POSITIVE, path_parameters=values)
    )
    return st.one_of(existing, *generated)


def _with_nul(value):
    """The value with a NUL appended to every free-text string in it (not to dates)."""
    if isinstance(value, str):
        return value if DATE_LIKE.match(value) else value + "\x00"
    if isinstance(value, dict):
        return {key: _with_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_nul(item) for item in value]
    return value


def _strings_in(value) -> int:
    if isinstance(value, str):
        return 1
    if isinstance(value, dict):
        return sum(_strings_in(item) for item in value.values())
    if isinstance(value, list):
        return sum(_strings_in(item) for item in value)
    return 0


def _free_text(schema: dict) -> bool:
    """Whether a parameter's schema takes any string (no format such as a date)."""
    kinds = schema.get("type")
    if "format" not in schema and (
        kinds == "string" or (isinstance(kinds, list) and "string" in kinds)
    ):
        return True
    return any(_free_text(each) for each in schema.get("oneOf", []) + schema.get("anyOf", []))


def _nul_probe(case):
    """The request with a NUL in each free-text value, and in every free-text query parameter
    it left out (PostgreSQL refuses NUL in text); None if nothing can carry one."""
    body = case.body if case.media_type == "application/json" else None
    query = dict(case.query)
    for parameter in case.operation.query:
        if _free_text(parameter.definition.get("schema", {})):
            query[parameter.name] = _with_nul(str(query.get(parameter.name, "")))
    path_parameters = {
        name: _with_nul(value) if name in TEXT_PATH_PARAMETERS else value
        for name, value in case.path_parameters.items()
    }
    if query == case.query and path_parameters == case.path_parameters and not _strings_in(body):
        return None
    return case.operation.Case(
        path_parameters=path_parameters,
        query=query,
        media_type=case.media_type,
        **({"body": _with_nul(body)} if body is not None else {}),
    )


def _is_download(operation) -> bool:
    """Whether the operation answers success with a file rather than JSON."""
    responses = operation.definition.raw.get("responses", {})
    success = [r for code, r in responses.items() if str(code).startswith("2")]
    types = {t for r in success for t in (r.get("content") or {})}
    return bool(types) and "application/json" not in types


def _signed_in(session, username: str) -> None:
    """Open a session as the user and send the CSRF token on every request."""
    session.get("/login")
    response = session.post("/api/login", json={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 204, response.text
    token = session.cookies.get(CSRF_COOKIE)
    assert token, "no CSRF cookie after visiting /login"
    session.headers[CSRF_HEADER] = token


class Fuzzer:
    """Sends cases on one signed-in session and keeps each distinct failure per operation."""

    def __init__(self, session, world: World, *, invalid: bool) -> None:
        self.session = session
        self.world = world
        self.invalid = invalid
        self.sent = 0
        self.found: dict[str, dict[str, str]] = {}

    def send(self, case) -> int:
        """One request, checked against the document; its status code."""
        response = case.call(session=self.session, timeout=REQUEST_TIMEOUT_SECONDS)
        self.sent += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            failures = self.found.setdefault(case.operation.label, {})
            for failure in group.exceptions:
                failures.setdefault(failure.title, str(group))
        return response.status_code

    def fuzz(self, operation) -> None:
        """The operation's generated examples, then the fullest valid one with NULs in it."""
        chosen: list = []  # (answered 2xx, strings in it), case

        @hypothesis_settings(
            max_examples=DOWNLOAD_EXAMPLES if _is_download(operation) else EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=_strategy(operation, self.world, invalid=self.invalid))
        def run(case) -> None:
            status = self.send(case)
            if case.meta is None or not case.meta.generation.mode.is_positive:
                return
            rank = (200 <= status < 300, _strings_in([case.path_parameters, case.query, case.body]))
            if not chosen or rank > chosen[0]:
                chosen[:] = [rank, case]

        run()
        probe = _nul_probe(chosen[1]) if chosen else None
        if probe is not None:
            self.send(probe)


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_every_operation_keeps_to_its_schema(role: str, world: World, settings) -> None:
    """No 5xx, and only documented statuses, content types and bodies, for this role."""
    # The app runs on schemathesis' own event loop thread, lifespan included: on PostgreSQL
    # its pool opens there, and closes below before the test database is dropped.
    app = create_app(settings)
    started, cpu = time.monotonic(), time.process_time()
    try:
        schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 70, "the OpenAPI document lost operations"
        with get_client(app) as session:
            _signed_in(session, ROLE_USERS[role])
            # Invalid input is refused alike for every role; the admin passes every permission
            # check, so invalid input reaches furthest as admin.
            fuzzer = Fuzzer(session, world, invalid=role == "admin")
            for operation in operations:
                fuzzer.fuzz(operation)
    finally:
        shutdown_lifespans()
    print(
        f"{role}: {fuzzer.sent} requests to {len(operations)} operations in "
        f"{time.monotonic() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU)"
    )
    report = "\n\n".join(
        f"== {label}: {title}\n{message}"
        for label, failures in sorted(fuzzer.found.items())
        for title, message in failures.items()
    )
    assert not fuzzer.found, (
        f"{len(fuzzer.found)} operations broke their schema as {role}:\n\n{report}"
    )
