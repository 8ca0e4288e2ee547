"""Route guards: signed in, and the permission module's answer."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from internkontroll.auth.permissions import Action, require
from internkontroll.auth.principal import Principal


def login_required(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Refuse anonymous requests with 401 (pages redirect to the login page)."""
    if connection.scope.get("user") is None:
        raise NotAuthorizedException(detail="Du behöver logga in.")


def allowed(action: Action):
    """A guard requiring a global (not board-scoped) permission."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        login_required(connection, _)
        require(connection.scope["user"], action)

    guard.__name__ = f"allowed_{action.value}"
    return guard


def principal_of(connection: ASGIConnection) -> Principal:
    """The signed-in principal of a guarded request."""
    user = connection.scope.get("user")
    if user is None:
        raise NotAuthorizedException(detail="Du behöver logga in.")
    return user
