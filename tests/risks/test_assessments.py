"""Yearly scoring: the treatment rule, kept history, the scale each scoring keeps, next year."""

import pytest

from internkontroll.errors import Forbidden, ValidationFailed
from internkontroll.risks.assessments import AssessmentInput, assess, history, start_year
from internkontroll.risks.scale import default_scale, scale_to_dict
from internkontroll.risks.scales import change_scale
from internkontroll.risks.tables import RiskAssessment
from internkontroll.risks.views import heat_map, register
from tests.risks.conftest import add_risk


async def test_scoring_computes_value_and_keeps_who(world):
    risk_id = await add_risk(world)
    await assess(world.preparer, risk_id, 2026, AssessmentInput(3, 2, "monitor", "Bevakas"))
    row = await RiskAssessment.select().first()
    assert (row["likelihood"], row["impact"], row["value"]) == (3, 2, 6)
    assert row["assessed_by_name"] == "Handlaggare"
    assert row["current"]


@pytest.mark.parametrize(
    ("lk", "im", "treatment", "motivation", "field"),
    [
        (3, 3, "monitor", "", "treatment"),  # 9 is high: bevaka is not enough
        (4, 4, "monitor", "Vi bevakar", "treatment"),
        (3, 3, "accept", "", "motivation"),  # acceptance needs a written motivation
        (3, 3, "accept", "   ", "motivation"),
        (2, 2, "ignorera", "", "treatment"),
        (5, 1, "monitor", "", "likelihood"),  # outside the 4 × 4 scale
        (1, 0, "monitor", "", "impact"),
    ],
)
async def test_refused_scorings_write_nothing(world, lk, im, treatment, motivation, field):
    risk_id = await add_risk(world)
    with pytest.raises(ValidationFailed) as err:
        await assess(world.preparer, risk_id, 2026, AssessmentInput(lk, im, treatment, motivation))
    assert field in {e.field for e in err.value.errors}
    assert await RiskAssessment.count() == 0


@pytest.mark.parametrize(
    ("lk", "im", "treatment", "motivation"),
    [
        (3, 3, "control", ""),
        (4, 4, "direct_action", ""),
        (3, 3, "accept", "Kostnaden för kontroll överstiger nyttan; KS informeras."),
        (2, 4, "monitor", ""),  # 8 is below the threshold
        (1, 1, "accept", ""),
    ],
)
async def test_allowed_scorings(world, lk, im, treatment, motivation):
    risk_id = await add_risk(world)
    await assess(world.preparer, risk_id, 2026, AssessmentInput(lk, im, treatment, motivation))
    assert await RiskAssessment.count() == 1


async def test_only_preparers_and_admins_score(world):
    risk_id = await add_risk(world)
    for who in (world.secretary, world.viewer, world.outsider, world.auditor, world.ks_member):
        with pytest.raises(Forbidden):
            await assess(who, risk_id, 2026, AssessmentInput(1, 1, "monitor"))
    await assess(world.admin, risk_id, 2026, AssessmentInput(1, 1, "monitor"))
    assert await RiskAssessment.count() == 1


async def test_rescoring_keeps_history_with_one_current(world):
    risk_id = await add_risk(world)
    await assess(world.preparer, risk_id, 2025, AssessmentInput(2, 2, "monitor"))
    await assess(world.preparer, risk_id, 2026, AssessmentInput(3, 3, "control"))
    await assess(world.preparer, risk_id, 2026, AssessmentInput(4, 3, "control", "Fler avvikelser"))
    rows = await history(world.viewer, risk_id)
    assert [(r["year"], r["value"], r["current"]) for r in rows] == [
        (2026, 12, True),
        (2026, 9, False),
        (2025, 4, True),
    ]


async def test_changing_the_scale_never_rewrites_past_years(world):
    risk_id = await add_risk(world)
    await assess(world.preparer, risk_id, 2025, AssessmentInput(2, 3, "monitor"))  # 6: gul on 4x4
    before = (await heat_map(world.viewer, 2025, board_id=world.board)).cell_at(2, 3)
    five = scale_to_dict(default_scale(5))
    await change_scale(world.admin, five, note="5 × 5 från 2026")
    await assess(world.preparer, risk_id, 2026, AssessmentInput(5, 5, "control"))
    past = await heat_map(world.viewer, 2025, board_id=world.board)
    assert len(past.scale.likelihood) == 4
    assert past.cell_at(2, 3) == before
    assert before.colour_name == "gul" and before.count == 1
    now = await heat_map(world.viewer, 2026, board_id=world.board)
    assert len(now.scale.likelihood) == 5
    assert now.cell_at(5, 5).count == 1
    old_row = (await register(world.viewer, world.board, 2025))[0]
    assert old_row["band_colour_name"] == "gul"


async def test_only_admins_change_the_scale(world):
    with pytest.raises(Forbidden):
        await change_scale(world.preparer, scale_to_dict(default_scale(3)))
    with pytest.raises(ValidationFailed):
        await change_scale(world.admin, {"likelihood": []})


async def test_heat_map_counts_filters_and_scope(world):
    a = await add_risk(world, "A")
    b = await add_risk(world, "B", category_id=world.category2)
    c = await add_risk(world, "C")
    await assess(world.preparer, a, 2026, AssessmentInput(3, 3, "control"))
    await assess(world.preparer, b, 2026, AssessmentInput(3, 3, "control"))
    await assess(world.preparer, c, 2026, AssessmentInput(1, 2, "monitor"))
    hm = await heat_map(world.viewer, 2026, board_id=world.board)
    assert hm.total == 3
    assert hm.cell_at(3, 3).count == 2 and sorted(hm.cell_at(3, 3).risk_ids) == sorted([a, b])
    assert hm.cell_at(3, 3).colour_name == "röd"
    assert sum(x.count for x in hm.cells) == 3
    filtered = await heat_map(world.viewer, 2026, board_id=world.board, category_id=world.category2)
    assert filtered.total == 1 and filtered.cell_at(3, 3).risk_ids == [b]
    with pytest.raises(Forbidden):
        await heat_map(world.outsider, 2026, board_id=world.board)
    everything = await heat_map(world.auditor, 2026)
    assert everything.total == 3
    assert (await heat_map(world.outsider, 2026)).total == 0  # only SN, which has none


async def test_next_year_starts_from_this_year_and_marks_changes(world):
    same = await add_risk(world, "Oförändrad")
    moved = await add_risk(world, "Ändrad")
    await assess(world.preparer, same, 2026, AssessmentInput(2, 2, "monitor"))
    await assess(world.preparer, moved, 2026, AssessmentInput(2, 3, "monitor"))
    assert await start_year(world.preparer, world.board, 2026) == 2
    assert await start_year(world.preparer, world.board, 2026) == 0  # idempotent
    await assess(world.preparer, moved, 2027, AssessmentInput(3, 3, "control"))
    new = await add_risk(world, "Ny risk", year=2027)
    await assess(world.preparer, new, 2027, AssessmentInput(1, 1, "accept"))
    rows = {r["title"]: r for r in await register(world.viewer, world.board, 2027)}
    assert rows["Oförändrad"]["change"] == "oförändrad"
    assert rows["Oförändrad"]["assessment"]["source"] == "copied"
    assert rows["Ändrad"]["change"] == "ändrad"
    assert rows["Ny risk"]["change"] == "ny"
    assert "Ny risk" not in {r["title"] for r in await register(world.viewer, world.board, 2026)}
    with pytest.raises(Forbidden):
        await start_year(world.secretary, world.board, 2026)


async def test_concurrent_scorings_of_one_risk_queue_and_one_stays_current(world):
    import asyncio

    from internkontroll.risks.assessments import AssessmentInput, assess
    from internkontroll.risks.tables import RiskAssessment
    from tests.risks.conftest import add_risk

    risk_id = await add_risk(world)
    # Every call runs in its own task, so each gets its own transaction and connection.
    await asyncio.gather(
        *(
            assess(world.preparer, risk_id, 2026, AssessmentInput(1 + n % 4, 1, "control"))
            for n in range(6)
        )
    )
    rows = await RiskAssessment.select(RiskAssessment.current).where(RiskAssessment.risk == risk_id)
    assert len(rows) == 6
    assert sum(r["current"] for r in rows) == 1
