from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
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
