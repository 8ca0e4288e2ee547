"""Fixtures for risk tests: a board with processes, categories and users in every role."""

from dataclasses import dataclass

import pytest

from internkontroll.auth.services import load_principal
from internkontroll.organisation.tables import Process, RiskCategory
from internkontroll.risks.register import RiskInput, create_risk
from tests.conftest import make_board, make_user


@dataclass
class RiskWorld:
    board: int
    other_board: int
    process: int
    other_process: int
    category: int
    category2: int
    preparer: object
    secretary: object
    viewer: object
    outsider: object
    admin: object
    auditor: object
    ks_member: object


@pytest.fixture
async def world(db) -> RiskWorld:
    board = await make_board("BUN")
    other = await make_board("SN")
    await make_board("KS", kind="executive")
    process = (await Process.insert(Process(board=board, name="Skolskjuts")).returning(Process.id))[
        0
    ]["id"]
    other_process = (
        await Process.insert(Process(board=other, name="Försörjningsstöd")).returning(Process.id)
    )[0]["id"]
    category = (
        await RiskCategory.insert(RiskCategory(name="Legal risk")).returning(RiskCategory.id)
    )[0]["id"]
    category2 = (
        await RiskCategory.insert(RiskCategory(name="IT-risk")).returning(RiskCategory.id)
    )[0]["id"]

    async def principal(name, **kw):
        return await load_principal(await make_user(name, **kw))

    return RiskWorld(
        board=board,
        other_board=other,
        process=process,
        other_process=other_process,
        category=category,
        category2=category2,
        preparer=await principal("handlaggare", board_roles=(("BUN", "preparer"),)),
        secretary=await principal("sekreterare", board_roles=(("BUN", "secretary"),)),
        viewer=await principal("ledamot", board_roles=(("BUN", "viewer"),)),
        outsider=await principal("annan", board_roles=(("SN", "preparer"),)),
        admin=await principal("admin", admin=True),
        auditor=await principal("revisor", global_roles=("auditor",)),
        ks_member=await principal("ksledamot", board_roles=(("KS", "viewer"),)),
    )


async def add_risk(
    world: RiskWorld, title: str = "Skolskjuts utan avtal", year: int = 2026, **kw
) -> int:
    """Create a risk on the world's board as its preparer."""
    data = RiskInput(
        process_id=kw.pop("process_id", world.process),
        category_id=kw.pop("category_id", world.category),
        title=title,
        description=kw.pop("description", "Avtal saknas för delar av skolskjutsen."),
        consequence=kw.pop("consequence", "Otillåten direktupphandling."),
        responsible=kw.pop("responsible", "Skolskjutssamordnare"),
    )
    return await create_risk(kw.pop("principal", world.preparer), world.board, year, data)
