"""Login, logout and 'who am I'."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_204_NO_CONTENT

from internkontroll.api_schemas import errors
from internkontroll.auth import services
from internkontroll.auth.principal import Principal
from internkontroll.errors import (
    LoginFailed,
    TooManyAttempts,
    UnsupportedMediaType,
    ValidationFailed,
)
from internkontroll.web.guards import login_required, principal_of
from internkontroll.web.middleware import SESSION_COOKIE, session_cookie
from internkontroll.web.templating import GLOBAL_ROLE_LABELS, page


class LoginForm(msgspec.Struct):
    """The login form; missing fields count as empty."""

    username: str = ""
    password: str = ""
    next: str = ""


class LoginRequest(msgspec.Struct):
    """Credentials for the JSON login."""

    username: str
    password: str


class MeResponse(msgspec.Struct):
    """The signed-in user and their roles."""

    id: int
    username: str
    name: str
    admin: bool
    global_roles: list[str]
    board_roles: dict[str, list[str]]


def safe_next(target: str | None) -> str:
    """Only follow local paths after login, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _cookie_for(state: State, success: services.LoginSuccess):
    settings = state.settings
    return session_cookie(
        success.token, secure=settings.production, max_age=settings.session_hours * 3600
    )


def role_summary(principal: Principal) -> list[str]:
    """Human labels of the principal's global roles."""
    labels = [GLOBAL_ROLE_LABELS["admin"]] if principal.is_admin else []
    labels += [
        GLOBAL_ROLE_LABELS[r] for r in sorted(principal.global_roles) if r in GLOBAL_ROLE_LABELS
    ]
    return labels


class AuthController(Controller):
    """Sign in and out."""

    tags = ["Inloggning"]

    @get("/login", include_in_schema=False)
    async def login_page(self, request: Request, next: FromQuery[str] = "/") -> Template | Redirect:
        """The Swedish login page."""
        if request.scope.get("user") is not None:
            return Redirect(safe_next(next), status_code=303)
        return page("login.html", next=safe_next(next), error=None, username="")

    @post("/login", include_in_schema=False)
    async def login_submit(
        self, request: Request, state: State, data: URLEncodedBody[LoginForm]
    ) -> Response:
        """Check the credentials; on success set the session cookie and go on."""
        target = safe_next(data.next)
        try:
            success = await services.login(
                data.username, data.password, state.settings.session_hours
            )
        except (LoginFailed, TooManyAttempts) as exc:
            headers = (
                {"Retry-After": str(exc.retry_after_seconds)}
                if isinstance(exc, TooManyAttempts)
                else None
            )
            response = page(
                "login.html",
                status_code=exc.status_code,
                next=target,
                error=exc.message,
                username=data.username,
            )
            if headers:
                response.headers.update(headers)
            return response
        response = Redirect(target, status_code=303)
        response.set_cookie(_cookie_for(state, success))
        return response

    @post("/logout", include_in_schema=False)
    async def logout(self, request: Request) -> Redirect:
        """End the session and return to the login page."""
        token = request.scope.get("auth")
        if token:
            await services.logout(token, request.scope.get("user"))
        response = Redirect("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


class AuthApiController(Controller):
    """Session login for API clients."""

    path = "/api"
    tags = ["Inloggning"]

    @post(
        "/login",
        status_code=HTTP_204_NO_CONTENT,
        summary="Logga in och få sessionskaka",
        responses=errors(400, 401, 415, 422, 429),
    )
    async def api_login(
        self, request: Request, state: State, data: JSONBody[LoginRequest]
    ) -> Response[None]:
        """Open a session; the cookie `id` authenticates later calls. Takes JSON only."""
        # Exempt from CSRF, so refuse what a cross-site HTML form can send (login CSRF).
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise UnsupportedMediaType(
                "Skicka inloggningen som JSON (Content-Type: application/json)."
            )
        if "\x00" in data.username:
            # No user name holds a NUL, and PostgreSQL refuses one in a query.
            raise ValidationFailed.one("username", "innehåller ett otillåtet tecken")
        success = await services.login(data.username, data.password, state.settings.session_hours)
        response: Response[None] = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.set_cookie(_cookie_for(state, success))
        return response

    @get(
        "/me",
        guards=[login_required],
        summary="Inloggad användare och roller",
        responses=errors(401),
    )
    async def me(self, request: Request) -> MeResponse:
        """The signed-in user with global and per-board roles (keyed by board id)."""
        principal = principal_of(request)
        return MeResponse(
            id=principal.id,
            username=principal.username,
            name=principal.display_name,
            admin=principal.is_admin,
            global_roles=sorted(principal.global_roles),
            board_roles={str(b): sorted(r) for b, r in principal.memberships.items()},
        )
