from __future__ import annotations

from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.selectors import user_district_ids, user_primary_role, user_roles


@api_view(["GET"])
def me(request: Request) -> Response:
    """Who am I: role(s) and the districts I may see (null = all)."""
    allowed = user_district_ids(user=request.user)
    return Response(
        {
            "username": request.user.get_username(),
            "role": user_primary_role(user=request.user),
            "roles": sorted(user_roles(user=request.user)),
            "district_ids": None if allowed is None else sorted(allowed),
        }
    )


@api_view(["POST"])
def token(request: Request) -> Response:
    """An API/WebSocket token for the signed-in user (created once, then reused)."""
    key, _ = Token.objects.get_or_create(user=request.user)
    return Response({"token": key.key})
