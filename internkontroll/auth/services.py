"""Login, logout, sessions, and creating users with their roles."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from internkontroll.audit import services as audit
from internkontroll.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    verify_password,
)
from internkontroll.auth.principal import SYSTEM, Actor, Principal
from internkontroll.auth.tables import (
    BoardRoleName,
    GlobalRole,
    GlobalRoleName,
    LoginThrottle,
    Membership,
)
from internkontroll.db import write_transaction
from internkontroll.errors import FieldError, LoginFailed, TooManyAttempts, ValidationFailed
from internkontroll.organisation.tables import Board
from internkontroll.timeutil import now

WRONG_CREDENTIALS = "Fel användarnamn eller lösenord."
FREE_ATTEMPTS = 5
FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 15 * 60
FAILURE_MEMORY = dt.timedelta(hours=1)
SESSION_IDLE = dt.timedelta(hours=2)
SESSION_EXTEND = dt.timedelta(hours=1)

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A user created without an address gets username + this (the column is unique); nothing
# can be sent there.
PLACEHOLDER_EMAIL_DOMAIN = "@invalid.localhost"
GLOBAL_ROLES = {r.value.value for r in GlobalRoleName}
BOARD_ROLES = {r.value.value for r in BoardRoleName}


def placeholder_email(username: str) -> str:
    """The stand-in address of a user created without one."""
    return f"{username}{PLACEHOLDER_EMAIL_DOMAIN}"


def real_email(address: str | None) -> str:
    """The address mail can go to, or "" when there is none (empty or the placeholder)."""
    address = (address or "").strip()
    if not address or address.lower().endswith(PLACEHOLDER_EMAIL_DOMAIN):
        return ""
    return address


def lock_seconds(failures: int) -> int:
    """How long a user name stays locked after this many consecutive failures."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(MAX_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** (failures - FREE_ATTEMPTS))


def _local_naive(moment: dt.datetime) -> dt.datetime:
    # piccolo-api's session table compares naive local datetimes.
    return moment.astimezone().replace(tzinfo=None)


async def load_principal(user_id: int) -> Principal | None:
    """The active user with their roles, or None."""
    user = (
        await BaseUser.select(
            BaseUser.id,
            BaseUser.username,
            BaseUser.first_name,
            BaseUser.last_name,
            BaseUser.admin,
            BaseUser.active,
        )
        .where(BaseUser.id == user_id)
        .first()
    )
    if not user or not user["active"]:
        return None
    roles = await GlobalRole.select(GlobalRole.role).where(GlobalRole.user == user_id)
    rows = await Membership.select(
        Membership.board, Membership.role, Membership.board.kind.as_alias("kind")
    ).where(Membership.user == user_id)
    memberships: dict[int, set[str]] = {}
    executive: set[int] = set()
    for row in rows:
        memberships.setdefault(row["board"], set()).add(row["role"])
        if row["kind"] == "executive":
            executive.add(row["board"])
    name = " ".join(p for p in (user["first_name"], user["last_name"]) if p) or user["username"]
    return Principal(
        id=user["id"],
        username=user["username"],
        display_name=name,
        is_admin=bool(user["admin"]),
        global_roles=frozenset(r["role"] for r in roles),
        memberships={b: frozenset(r) for b, r in memberships.items()},
        executive_board_ids=frozenset(executive),
    )


async def principal_for_session(token: str) -> Principal | None:
    """The principal behind a session token, extending an active session."""
    if not token or len(token) > 100:
        return None
    user_id = await SessionsBase.get_user_id(token, increase_expiry=SESSION_EXTEND)
    if user_id is None:
        return None
    return await load_principal(user_id)


async def _check_not_locked(username: str) -> None:
    row = await LoginThrottle.select().where(LoginThrottle.username == username).first()
    if row and row["locked_until"] and row["locked_until"] > now():
        seconds = math.ceil((row["locked_until"] - now()).total_seconds())
        minutes = max(1, math.ceil(seconds / 60))
        raise TooManyAttempts(
            f"För många misslyckade inloggningsförsök. Försök igen om {minutes} min.", seconds
        )


async def _record_failure(username: str, reason: str) -> None:
    async with write_transaction():
        row = await LoginThrottle.select().where(LoginThrottle.username == username).first()
        moment = now()
        if row is None:
            failures = 1
            await LoginThrottle.insert(LoginThrottle(username=username, failures=0)).on_conflict(
                action="DO NOTHING"
            )
        elif moment - row["last_failure_at"] > FAILURE_MEMORY:
            failures = 1
        else:
            failures = row["failures"] + 1
        seconds = lock_seconds(failures)
        await LoginThrottle.update(
            {
                LoginThrottle.failures: failures,
                LoginThrottle.last_failure_at: moment,
                LoginThrottle.locked_until: moment + dt.timedelta(seconds=seconds)
                if seconds
                else None,
            }
        ).where(LoginThrottle.username == username)
        await audit.record(
            Actor(id=None, username=username[:100]),
            "login_failed",
            "session",
            summary=f"Misslyckad inloggning ({reason}); försök {failures} i följd",
            source="login",
        )


@dataclass(frozen=True)
class LoginSuccess:
    """A new session for a user."""

    token: str
    user_id: int
    expires: dt.datetime


async def login(username: str, password: str, session_hours: int) -> LoginSuccess:
    """Check credentials and open a session; raise LoginFailed or TooManyAttempts."""
    username = username.strip().lower()[:100]
    # PostgreSQL refuses NUL in text: such a name can match no user.
    if not username or not password or "\x00" in username:
        raise LoginFailed(WRONG_CREDENTIALS)
    await _check_not_locked(username)
    user = (
        await BaseUser.select(BaseUser.id, BaseUser.password, BaseUser.active)
        .where(BaseUser.username == username)
        .first()
    )
    ok = await verify_password(password, user["password"] if user else None)
    if not ok or not user["active"]:
        reason = "fel lösenord" if user and not ok else "okänd användare" if not user else "inaktiv"
        await _record_failure(username, reason)
        raise LoginFailed(WRONG_CREDENTIALS)
    moment = now()
    async with write_transaction():
        await LoginThrottle.delete().where(LoginThrottle.username == username)
        await BaseUser.update({BaseUser.last_login: _local_naive(moment)}).where(
            BaseUser.id == user["id"]
        )
        session = await SessionsBase.create_session(
            user_id=user["id"],
            expiry_date=_local_naive(moment + SESSION_IDLE),
            max_expiry_date=_local_naive(moment + dt.timedelta(hours=session_hours)),
        )
        await audit.record(
            Actor(id=user["id"], username=username), "login", "session", source="login"
        )
    return LoginSuccess(
        token=session.token, user_id=user["id"], expires=moment + dt.timedelta(hours=session_hours)
    )


async def logout(token: str, principal: Principal | None) -> None:
    """End a session."""
    async with write_transaction():
        await SessionsBase.remove_session(token)
        if principal is not None:
            await audit.record(Actor.of(principal), "logout", "session", source="login")


@dataclass(frozen=True)
class NewUser:
    """Everything needed to create a user with roles."""

    username: str
    password: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    admin: bool = False
    global_roles: tuple[str, ...] = ()
    board_roles: tuple[tuple[str, str], ...] = ()  # (board short name, role)


def validate_new_user(data: NewUser) -> list[FieldError]:
    """Every problem with the new user's data, in Swedish."""
    errors: list[FieldError] = []
    if not USERNAME_PATTERN.match(data.username):
        errors.append(
            FieldError(
                "username",
                "2–100 tecken: små bokstäver a–z, siffror, punkt, bindestreck eller understreck",
            )
        )
    if not MIN_PASSWORD_LENGTH <= len(data.password) <= MAX_PASSWORD_LENGTH:
        errors.append(
            FieldError(
                "password",
                f"ska vara {MIN_PASSWORD_LENGTH}–{MAX_PASSWORD_LENGTH} tecken",
            )
        )
    if data.email and not EMAIL_PATTERN.match(data.email):
        errors.append(FieldError("email", "är ingen giltig e-postadress"))
    for role in data.global_roles:
        if role not in GLOBAL_ROLES:
            errors.append(FieldError("global_roles", f"okänd roll {role!r}"))
    for _board, role in data.board_roles:
        if role not in BOARD_ROLES:
            errors.append(FieldError("board_roles", f"okänd nämndroll {role!r}"))
    return errors


async def create_user(
    data: NewUser, actor: Actor = SYSTEM, *, password_hash: str | None = None
) -> int:
    """Create an active user with roles in one transaction; return the new id."""
    errors = validate_new_user(data)
    if errors:
        raise ValidationFailed(errors)
    shorts = sorted({short for short, _ in data.board_roles})
    boards = (
        {
            b["short_name"]: b["id"]
            for b in await Board.select(Board.id, Board.short_name).where(
                Board.short_name.is_in(shorts)
            )
        }
        if shorts
        else {}
    )
    missing = [s for s in shorts if s not in boards]
    if missing:
        raise ValidationFailed.one("board_roles", f"okänd nämnd {', '.join(missing)}")
    hashed = password_hash or await hash_password(data.password)
    async with write_transaction():
        if await BaseUser.exists().where(BaseUser.username == data.username):
            raise ValidationFailed.one("username", "användarnamnet är upptaget")
        email = data.email or placeholder_email(data.username)
        if await BaseUser.exists().where(BaseUser.email == email):
            raise ValidationFailed.one("email", "e-postadressen används redan")
        user = BaseUser(
            username=data.username,
            password=hashed,
            email=email,
            first_name=data.first_name,
            last_name=data.last_name,
            active=True,
            admin=data.admin,
            superuser=data.admin,
        )
        await user.save()
        for role in sorted(set(data.global_roles)):
            await GlobalRole.insert(GlobalRole(user=user.id, role=role))
        for short, role in sorted(set(data.board_roles)):
            await Membership.insert(Membership(user=user.id, board=boards[short], role=role))
        await audit.record(
            actor,
            "create",
            "user",
            user.id,
            after={
                **audit.snapshot(user),
                "global_roles": sorted(set(data.global_roles)),
                "board_roles": [f"{s}:{r}" for s, r in sorted(set(data.board_roles))],
            },
            summary=f"Användare {data.username} skapad",
        )
    return user.id
