"""Read-side questions about users: role and district scope."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from backend.accounts.roles import CITYWIDE_ROLES, Role

_PRIORITY = (Role.ADMIN, Role.SUPERVISOR, Role.PLANNER, Role.AGENT)


def user_roles(*, user: AbstractBaseUser | AnonymousUser) -> set[Role]:
    if not user.is_authenticated:
        return set()
    if getattr(user, "is_superuser", False):
        return {Role.ADMIN}
    cached = getattr(user, "_haechi_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        cached = {role for role in Role if role.value in names}
        user._haechi_roles = cached  # type: ignore[union-attr]
    return set(cached)


def user_primary_role(*, user: AbstractBaseUser | AnonymousUser) -> Role | None:
    roles = user_roles(user=user)
    return next((role for role in _PRIORITY if role in roles), None)


def user_has_role(*, user: AbstractBaseUser | AnonymousUser, roles: set[Role]) -> bool:
    return bool(user_roles(user=user) & roles)


def user_district_ids(*, user: AbstractBaseUser | AnonymousUser) -> set[int] | None:
    """District ids the user may see; None means every district (citywide roles).

    An agent without assigned districts sees nothing (empty set), never everything.
    """
    roles = user_roles(user=user)
    if roles & CITYWIDE_ROLES:
        return None
    if Role.AGENT not in roles:
        return set()
    from backend.accounts.models import Profile

    profile = Profile.objects.filter(user_id=user.pk).first()
    if profile is None:
        return set()
    return set(profile.districts.values_list("id", flat=True))
