"""DRF permission classes built on roles."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from backend.accounts.roles import Role
from backend.accounts.selectors import user_has_role


class RegistryPermission(BasePermission):
    """Everyone signed in may read (scoped by selectors); only admins may write."""

    message = "Only registry admins may change cameras."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        return user_has_role(user=request.user, roles={Role.ADMIN})


class IsAdminRole(BasePermission):
    message = "Admin role required."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return bool(request.user and user_has_role(user=request.user, roles={Role.ADMIN}))
