from __future__ import annotations

from typing import Any

from django.contrib.auth import login, logout
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.selectors import user_district_ids, user_primary_role, user_roles


def _whoami(user: Any) -> dict[str, Any]:
    allowed = user_district_ids(user=user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "role": user_primary_role(user=user),
        "roles": sorted(user_roles(user=user)),
        "district_ids": None if allowed is None else sorted(allowed),
    }


@api_view(["GET"])
def me(request: Request) -> Response:
    """Who am I: role(s) and the districts I may see (null = all)."""
    return Response(_whoami(request.user))


@extend_schema(request=AuthTokenSerializer, responses=dict)
@api_view(["POST"])
@permission_classes([AllowAny])
def token(request: Request) -> Response:
    """An API/WebSocket token: for the signed-in user, or for `username` + `password`."""
    user = request.user
    if not user.is_authenticated:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
    key, _ = Token.objects.get_or_create(user=user)
    return Response({"token": key.key})


@extend_schema(request=AuthTokenSerializer, responses=dict)
@api_view(["POST"])
@permission_classes([AllowAny])
def login_view(request: Request) -> Response:
    """Session login for the dashboard (CSRF-protected like every session POST)."""
    serializer = AuthTokenSerializer(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    user = serializer.validated_data["user"]
    login(request._request, user)
    return Response(_whoami(user))


@api_view(["POST"])
def logout_view(request: Request) -> Response:
    logout(request._request)
    return Response(status=204)
