"""Roles are Django groups. Agents are scoped to districts; everyone else sees the whole city."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"  # monitoring agent: live alerts of their districts
    SUPERVISOR = "supervisor"  # control-room supervisor: all districts, receives escalations
    PLANNER = "planner"  # coverage, hotspots, siting: read-only on the registry
    ADMIN = "admin"  # registry, users, rollout

    @property
    def label(self) -> str:
        return self.value.capitalize()


CITYWIDE_ROLES = frozenset({Role.SUPERVISOR, Role.PLANNER, Role.ADMIN})
