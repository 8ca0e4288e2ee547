"""Attach the signed-in principal (or None) to every request from the session cookie."""

from __future__ import annotations

from litestar.datastructures import Cookie
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from internkontroll.auth.services import principal_for_session
from internkontroll.reminders.notifications import unread_count

# piccolo-admin reads the same cookie, so one login serves both.
SESSION_COOKIE = "id"
# The calendar feed is public and secret-token based: calendar programs send no session.
SKIP_PREFIXES = ("/static/", "/healthz", "/kalender/")
# Requests that never render a page with the header, so need no unread count.
NO_HEADER_PREFIXES = ("/api/", "/admin", "/schema")
# Where the header's unread reminder count waits for the page template (base.html).
UNREAD_KEY = "unread_notifications"


def session_cookie(token: str, *, secure: bool, max_age: int | None) -> Cookie:
    """The session cookie as the app sets it."""
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=max_age,
    )


def _cookie_value(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            k, _, v = part.strip().partition("=")
            if k == name:
                return v
    return None


class SessionAuthMiddleware(ASGIMiddleware):
    """Resolve the session token to a Principal in scope['user']."""

    scopes = ("http", "websocket")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None
        scope["auth"] = None
        path = scope.get("path", "")
        if not path.startswith(SKIP_PREFIXES):
            token = _cookie_value(scope, SESSION_COOKIE)
            if token:
                scope["user"] = await principal_for_session(token)
                scope["auth"] = token if scope["user"] else None
            user = scope["user"]
            if user is not None and not path.startswith(NO_HEADER_PREFIXES):
                scope[UNREAD_KEY] = await unread_count(user.id)  # type: ignore[literal-required]
        await next_app(scope, receive, send)
