"""Assignment: fair capacity-weighted shares, free cameras offered, hand-overs only to fill a
host that joined, never above capacity, and one round at a time fleet-wide."""

from __future__ import annotations

import redis

from workers.contracts import CameraSpec
from workers.host.assignment import assign_round, fair_targets, plan
from workers.leases import CameraRegistry, HostInfo, Hosts, Leases

CODES = [f"C{i:02d}" for i in range(16)]


def test_targets_are_proportional_to_capacity_and_never_above_it() -> None:
    assert fair_targets(16, {"a": 20, "b": 20}) == {"a": 8, "b": 8}
    assert fair_targets(15, {"a": 10, "b": 20}) == {"a": 5, "b": 10}
    assert fair_targets(7, {"a": 4, "b": 4}) in ({"a": 4, "b": 3}, {"a": 3, "b": 4})
    assert fair_targets(100, {"a": 10, "b": 20}) == {"a": 10, "b": 20}  # more than all can hold
    assert fair_targets(5, {"a": 1, "b": 100}) == {"a": 0, "b": 5}
    assert fair_targets(0, {"a": 3}) == {"a": 0}
    assert fair_targets(3, {}) == {}


def test_free_cameras_are_offered_once_each_up_to_capacity() -> None:
    result = plan(CODES, dict.fromkeys(CODES), {"a": 6, "b": 6})
    offered = result.offers["a"] + result.offers["b"]
    assert len(offered) == len(set(offered)) == 12
    assert len(result.offers["a"]) == len(result.offers["b"]) == 6
    assert result.unplaced == 4 and not result.releases


def test_a_dead_hosts_cameras_are_offered_to_the_living() -> None:
    owners = {c: ("dead" if i < 8 else "b") for i, c in enumerate(CODES)}
    result = plan(CODES, owners, {"b": 20})
    assert sorted(result.offers["b"]) == CODES[:8] and not result.releases


def test_a_balanced_fleet_is_left_alone() -> None:
    owners = {c: ("a" if i % 2 else "b") for i, c in enumerate(CODES)}
    result = plan(CODES, owners, {"a": 10, "b": 10})
    assert not result.offers and not result.releases


def test_a_joining_host_gets_its_share_through_hand_overs() -> None:
    owners = dict.fromkeys(CODES, "a")
    first = plan(CODES, owners, {"a": 20, "b": 20})
    assert len(first.releases["a"]) == 8 and not first.offers
    for code in first.releases["a"]:  # host a hands them over
        owners[code] = None
    second = plan(CODES, owners, {"a": 20, "b": 20})
    assert sorted(second.offers["b"]) == sorted(first.releases["a"]) and not second.releases


def test_a_host_above_its_capacity_hands_over_the_excess() -> None:
    owners = dict.fromkeys(CODES[:10], "a")
    result = plan(CODES[:10], owners, {"a": 6})
    assert len(result.releases["a"]) == 4


def test_round_writes_offers_and_is_rate_limited(redis_client: redis.Redis) -> None:
    registry = CameraRegistry(redis_client)
    for code in CODES[:6]:
        registry.put(CameraSpec(code=code, url=f"rtsp://127.0.0.1:9/{code}"))
    hosts = Hosts(redis_client, ttl_s=5)
    hosts.heartbeat(HostInfo(name="h1", capacity=4))
    hosts.heartbeat(HostInfo(name="h2", capacity=4))
    Leases(redis_client, 5).acquire(CODES[0], "h1")
    summary = assign_round(redis_client, ttl_s=5, every_s=30)
    assert summary is not None and summary["cameras"] == 6 and summary["hosts"] == 2
    offers = hosts.requests("h1")[0] | hosts.requests("h2")[0]
    assert offers == set(CODES[1:6])
    assert len(hosts.requests("h1")[0]) == 2 and len(hosts.requests("h2")[0]) == 3
    assert assign_round(redis_client, ttl_s=5, every_s=30) is None  # the lock holds for 30 s
