"""Login, logout, session cookie, CSRF, throttling and password hashing."""

import datetime as dt
import json

import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from internkontroll.audit.tables import AuditEvent
from internkontroll.auth import services
from internkontroll.auth.passwords import hash_password, verify_password
from internkontroll.auth.tables import LoginThrottle, Membership
from internkontroll.errors import LoginFailed, TooManyAttempts, ValidationFailed
from tests.conftest import TEST_PASSWORD, csrf_token, login, make_board, make_user


async def test_login_sets_hardened_session_cookie_and_redirects(client):
    await make_user("anna")
    response = await login(client, "anna")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("id="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only in production
    assert await SessionsBase.count() == 1


async def test_secure_cookie_in_production(db, settings):
    import dataclasses

    import httpx

    from internkontroll.app import create_app

    await make_user("anna")
    app = create_app(
        dataclasses.replace(settings, production=True, allowed_hosts=("testserver",)),
        use_pool=False,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as http:
        response = await login(http, "anna")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("id="))
    assert "Secure" in cookie


async def test_login_follows_only_local_next(client):
    await make_user("anna")
    await client.get("/login")
    token = csrf_token(client)
    for target, expected in [
        ("/namnder", "/namnder"),
        ("//evil.example/", "/"),
        ("https://evil.example", "/"),
    ]:
        client.cookies.delete("id")
        response = await client.post(
            "/login",
            data={
                "username": "anna",
                "password": TEST_PASSWORD,
                "next": target,
                "_csrf_token": token,
            },
        )
        assert response.headers["location"] == expected


async def test_wrong_password_is_401_in_swedish_without_saying_which(client):
    await make_user("anna")
    wrong_password = await login(client, "anna", "fel")
    unknown_user = await login(client, "okand", "fel")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert "Fel användarnamn eller lösenord." in response.text
    assert await SessionsBase.count() == 0


async def test_inactive_user_cannot_log_in(client):
    user_id = await make_user("anna")
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == user_id)
    assert (await login(client, "anna")).status_code == 401


async def test_login_form_without_csrf_token_is_refused(client):
    await make_user("anna")
    await client.get("/login")
    response = await client.post("/login", data={"username": "anna", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "Formuläret har gått ut" in response.text


async def test_logout_ends_session(client):
    await make_user("anna")
    await login(client, "anna")
    assert (await client.get("/api/me")).status_code == 200
    response = await client.post("/logout", data={"_csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert await SessionsBase.count() == 0
    assert (await client.get("/api/me")).status_code == 401
    assert await AuditEvent.count().where(AuditEvent.action == "logout") == 1


async def test_logout_requires_csrf(client):
    await make_user("anna")
    await login(client, "anna")
    assert (await client.post("/logout")).status_code == 403
    assert (await client.get("/api/me")).status_code == 200


async def test_api_login_and_me(client):
    board = await make_board("BUN")
    await make_user("anna", global_roles=("auditor",), board_roles=(("BUN", "secretary"),))
    response = await client.post("/api/login", json={"username": "anna", "password": TEST_PASSWORD})
    assert response.status_code == 204
    me = (await client.get("/api/me")).json()
    assert me["username"] == "anna"
    assert me["global_roles"] == ["auditor"]
    assert me["board_roles"] == {str(board): ["secretary"]}


async def test_api_login_wrong_password_is_json_401(client):
    await make_user("anna")
    response = await client.post("/api/login", json={"username": "anna", "password": "nej"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Fel användarnamn eller lösenord."


async def test_expired_session_is_anonymous(client):
    await make_user("anna")
    await login(client, "anna")
    past = dt.datetime.now() - dt.timedelta(minutes=1)
    await SessionsBase.update({SessionsBase.expiry_date: past}, force=True)
    assert (await client.get("/api/me")).status_code == 401


async def test_deactivated_user_loses_access_immediately(client):
    user_id = await make_user("anna")
    await login(client, "anna")
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == user_id)
    assert (await client.get("/api/me")).status_code == 401


# --------------------------------------------------------------------------- throttling


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (4, 0), (5, 30), (6, 60), (7, 120), (9, 480), (10, 900), (30, 900)],
)
def test_lock_grows_and_is_capped(failures, seconds):
    assert services.lock_seconds(failures) == seconds


async def test_repeated_failures_lock_the_user_name(client):
    await make_user("anna")
    for _ in range(services.FREE_ATTEMPTS - 1):
        assert (await login(client, "anna", "fel")).status_code == 401
    # The fifth failure locks; even the right password is refused while locked.
    assert (await login(client, "anna", "fel")).status_code == 401
    locked = await login(client, "anna")
    assert locked.status_code == 429
    assert "För många misslyckade inloggningsförsök" in locked.text
    assert int(locked.headers["retry-after"]) > 0


async def test_lock_expires_and_success_resets(db):
    await make_user("anna")
    for _ in range(services.FREE_ATTEMPTS):
        with pytest.raises(LoginFailed):
            await services.login("anna", "fel", 8)
    with pytest.raises(TooManyAttempts):
        await services.login("anna", TEST_PASSWORD, 8)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await LoginThrottle.update({LoginThrottle.locked_until: past}).where(
        LoginThrottle.username == "anna"
    )
    await services.login("anna", TEST_PASSWORD, 8)
    assert await LoginThrottle.count() == 0


async def test_unknown_user_names_are_throttled_too(db):
    for _ in range(services.FREE_ATTEMPTS):
        with pytest.raises(LoginFailed):
            await services.login("ingen", "fel", 8)
    with pytest.raises(TooManyAttempts):
        await services.login("ingen", "fel", 8)


async def test_failed_logins_are_audited(db):
    await make_user("anna")
    with pytest.raises(LoginFailed):
        await services.login("anna", "fel", 8)
    event = await AuditEvent.select().where(AuditEvent.action == "login_failed").first()
    assert event["actor_username"] == "anna"


# --------------------------------------------------------------------------- passwords and users


async def test_password_hash_round_trip():
    stored = await hash_password("hemligt")
    assert stored.startswith("pbkdf2_sha256$")
    assert await verify_password("hemligt", stored)
    assert not await verify_password("fel", stored)
    assert not await verify_password("hemligt", None)
    assert not await verify_password("x" * 500, stored)


async def test_create_user_with_roles_and_audit(db):
    board = await make_board("BUN")
    user_id = await make_user(
        "anna", global_roles=("coordinator",), board_roles=(("BUN", "preparer"),)
    )
    principal = await services.load_principal(user_id)
    assert principal.global_roles == {"coordinator"}
    assert principal.roles_on(board) == {"preparer"}
    event = await AuditEvent.select().where(AuditEvent.entity == "user").first()
    assert event["entity_id"] == str(user_id)
    assert "password" not in (event["after"] or "")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "A B"}, "username"),
        ({"username": "anna", "password": "x"}, "password"),
        ({"username": "anna", "global_roles": ("kung",)}, "global_roles"),
        ({"username": "anna", "board_roles": (("BUN", "kung"),)}, "board_roles"),
        ({"username": "anna", "board_roles": (("NOPE", "viewer"),)}, "board_roles"),
    ],
)
async def test_create_user_rejects_bad_input_and_writes_nothing(db, kwargs, field):
    await make_board("BUN")
    data = {"password": TEST_PASSWORD, **kwargs}
    with pytest.raises(ValidationFailed) as err:
        await services.create_user(services.NewUser(**data))
    assert err.value.errors[0].field == field
    assert await BaseUser.count() == 0
    assert await Membership.count() == 0


async def test_duplicate_user_name_is_refused(db):
    await make_user("anna")
    with pytest.raises(ValidationFailed) as err:
        await make_user("anna")
    assert err.value.errors[0].field == "username"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_api_login_refuses_what_a_cross_site_form_can_send(client, content_type):
    await make_user("anna")
    body = json.dumps({"username": "anna", "password": TEST_PASSWORD})
    response = await client.post("/api/login", content=body, headers={"content-type": content_type})
    assert response.status_code == 415
    assert "id" not in response.cookies
    assert await SessionsBase.count() == 0


async def test_anonymous_admin_visit_returns_to_admin_after_login(client):
    response = await client.get("/admin/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fadmin%2F"
