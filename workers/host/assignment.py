"""Who watches which camera: capacity-weighted fair shares, offers and hand-overs.

One round (a few milliseconds for thousands of cameras) runs at most once per `assign_every_s`
across the whole fleet: every host and the beat's `video.assign` ask, a Redis lock lets one through:

1. read the camera set, the lease owners and the live hosts with their capacities;
2. `plan()` gives each host a target: its share of all cameras in proportion to its capacity,
   never above the capacity;
3. free cameras (no lease, or a lease of a host that died and will expire) are offered to the
   hosts below target — the host takes them with a lease; if every host is at target the rest
   go to any host with room, since watching comes before balance;
4. only when free cameras cannot fill a host's deficit (a host joined) are hosts above target
   asked to hand over the difference; the next rounds offer those cameras to the new host.

Leases, not this plan, guarantee one watcher per camera: an offer is only a hint.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import redis

from workers.leases import CameraRegistry, Hosts, Leases

log = logging.getLogger(__name__)


@dataclass
class Plan:
    """One round's requests and the targets they aim at."""

    targets: dict[str, int]
    offers: dict[str, list[str]] = field(default_factory=dict)
    releases: dict[str, list[str]] = field(default_factory=dict)
    unplaced: int = 0  # cameras no host has room for

    def summary(self) -> dict[str, Any]:
        return {
            "targets": self.targets,
            "offered": sum(len(v) for v in self.offers.values()),
            "released": sum(len(v) for v in self.releases.values()),
            "unplaced": self.unplaced,
        }


def fair_targets(total: int, capacities: dict[str, int]) -> dict[str, int]:
    """Each host's share of `total` cameras, proportional to capacity, capped by it."""
    names = sorted(capacities)
    room = sum(capacities.values())
    if total >= room:
        return dict(capacities)
    targets = {n: total * capacities[n] // room for n in names} if room else {}
    left = total - sum(targets.values())
    # largest remainder first, then the host with most room; never above capacity
    order = sorted(
        names,
        key=lambda n: (-(total * capacities[n] % room), -(capacities[n] - targets[n]), n),
    )
    while left > 0:
        progressed = False
        for name in order:
            if left and targets[name] < capacities[name]:
                targets[name] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return targets


def plan(codes: list[str], owners: dict[str, str | None], capacities: dict[str, int]) -> Plan:
    """The round's offers and hand-overs (pure; see the module docstring)."""
    targets = fair_targets(len(codes), capacities)
    result = Plan(targets=targets)
    held: dict[str, list[str]] = {name: [] for name in capacities}
    free: list[str] = []
    for code in codes:
        owner = owners.get(code)
        if owner in held:
            held[owner].append(code)  # type: ignore[index]
        else:
            free.append(code)
    load = {name: len(cams) for name, cams in held.items()}

    def give(name: str, count: int) -> None:
        taken, free[:] = free[:count], free[count:]
        if taken:
            result.offers.setdefault(name, []).extend(taken)
            load[name] += len(taken)

    for name in sorted(targets, key=lambda n: (load[n] - targets[n], n)):
        give(name, targets[name] - load[name])
    for name in sorted(capacities, key=lambda n: (load[n] - capacities[n], n)):
        give(name, capacities[name] - load[name])
    result.unplaced = len(free)

    deficit = sum(max(0, targets[n] - load[n]) for n in capacities)
    for name in sorted(capacities):
        surplus = max(load[name] - targets[name], load[name] - capacities[name], 0)
        over_capacity = max(0, load[name] - capacities[name])
        count = max(over_capacity, min(surplus, deficit))
        if count:
            result.releases[name] = sorted(held[name])[-count:]
            deficit -= min(surplus, deficit)
    return result


def assign_round(client: redis.Redis, *, ttl_s: float, every_s: float) -> dict[str, Any] | None:
    """Run one assignment round unless one ran less than `every_s` ago (then None): the lock is
    left to expire, so however many hosts ask, rounds happen at most once per `every_s`."""
    hosts = Hosts(client, ttl_s)
    if not hosts.try_lock(uuid.uuid4().hex, ttl_s=every_s):
        return None
    codes = CameraRegistry(client).codes()
    live = hosts.live()
    owners = Leases(client, ttl_s).owners(codes)
    result = plan(codes, owners, {name: info.capacity for name, info in live.items()})
    hosts.set_requests(result.offers, result.releases, sorted(live))
    summary = {"cameras": len(codes), "hosts": len(live), **result.summary()}
    if result.offers or result.releases:
        log.info("assignment %s", summary)
    return summary
