"""WebSocket authentication: the session (AuthMiddlewareStack) or a DRF token in the query."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from rest_framework.authtoken.models import Token


def user_for_scope(*, scope: dict[str, Any]) -> Any | None:
    """The signed-in user of a WebSocket scope, or None. Session first, then `?token=KEY`."""
    user = scope.get("user")
    if user is not None and user.is_authenticated and user.is_active:
        return user
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    keys = query.get("token") or []
    if len(keys) != 1 or not keys[0] or len(keys[0]) > 64:
        return None
    token = Token.objects.select_related("user").filter(key=keys[0]).first()
    if token is None or not token.user.is_active:
        return None
    return token.user
