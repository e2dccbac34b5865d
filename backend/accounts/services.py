"""Write-side operations on users and roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, User
from django.db import transaction

from backend.accounts.models import Profile
from backend.accounts.roles import Role
from backend.audit.services import audit_record


def role_groups_ensure() -> list[Group]:
    """Create the role groups if missing (idempotent)."""
    return [Group.objects.get_or_create(name=role.value)[0] for role in Role]


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: Role,
    district_ids: Iterable[int] = (),
    email: str = "",
    actor: User | None = None,
) -> User:
    user = User(username=username, email=email, is_staff=role == Role.ADMIN)
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    profile = Profile.objects.create(user=user)
    profile.districts.set(list(district_ids))
    audit_record(
        actor=actor,
        action="user.created",
        target=user,
        data={"role": role.value, "district_ids": sorted(district_ids)},
    )
    return user


@transaction.atomic
def user_set_districts(
    *, user: User, district_ids: Iterable[int], actor: User | None = None
) -> None:
    profile, _ = Profile.objects.get_or_create(user=user)
    ids = sorted(set(district_ids))
    profile.districts.set(ids)
    audit_record(actor=actor, action="user.districts_set", target=user, data={"district_ids": ids})
