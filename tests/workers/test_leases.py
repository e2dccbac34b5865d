"""Redis leases: one owner per camera, renew/release only by the owner, expiry frees it."""

from __future__ import annotations

import time

import redis

from workers.contracts import CameraSpec
from workers.leases import CameraRegistry, HostInfo, Hosts, Leases


def test_only_one_owner_and_only_the_owner_renews_or_releases(redis_client: redis.Redis) -> None:
    leases = Leases(redis_client, ttl_s=5)
    assert leases.acquire("CAM-1", "w1")
    assert not leases.acquire("CAM-1", "w2")
    assert leases.acquire("CAM-1", "w1")  # re-entrant for the owner
    assert not leases.renew("CAM-1", "w2") and not leases.release("CAM-1", "w2")
    assert leases.owner("CAM-1") == "w1"
    assert leases.release("CAM-1", "w1") and leases.owner("CAM-1") is None
    assert leases.acquire("CAM-1", "w2")


def test_a_dead_owner_loses_the_camera_after_the_ttl(redis_client: redis.Redis) -> None:
    leases = Leases(redis_client, ttl_s=0.3)
    assert leases.acquire("CAM-2", "dead")
    assert not leases.acquire("CAM-2", "alive")
    time.sleep(0.4)
    assert leases.acquire("CAM-2", "alive")
    assert not leases.renew("CAM-2", "dead")


def test_registry_round_trip(redis_client: redis.Redis) -> None:
    registry = CameraRegistry(redis_client)
    registry.put(CameraSpec(code="B", url="rtsp://x/b"))
    registry.put(
        CameraSpec(code="A", url="/tmp/a.mp4", scene={"rules": {"crowd": {"max_people": 3}}})
    )
    assert registry.codes() == ["A", "B"]
    assert registry.get("A").scene["rules"]["crowd"]["max_people"] == 3
    registry.remove("B")
    assert registry.many(["A", "B"])["B"] is None and registry.many(["A"])["A"].code == "A"


def test_renew_many_reports_the_leases_we_no_longer_hold(redis_client: redis.Redis) -> None:
    leases = Leases(redis_client, ttl_s=5)
    assert leases.acquire("A", "h1") and leases.acquire("B", "h1") and leases.acquire("C", "h2")
    redis_client.delete(Leases.key("B"))  # expired (or Redis restarted)
    assert leases.renew_many(["A", "B", "C"], "h1") == ["B", "C"]
    assert redis_client.pttl(Leases.key("A")) > 4000


def test_hosts_are_live_while_they_heartbeat_and_forgotten_after(redis_client: redis.Redis) -> None:
    hosts = Hosts(redis_client, ttl_s=0.4)
    hosts.heartbeat(HostInfo(name="h1", capacity=4))
    hosts.heartbeat(HostInfo(name="h2", capacity=8))
    hosts.set_requests({"h1": ["A", "B"]}, {"h2": ["C"]}, ["h1", "h2"])
    assert hosts.requests("h1") == ({"A", "B"}, set()) and hosts.requests("h2") == (set(), {"C"})
    assert {n: i.capacity for n, i in hosts.live().items()} == {"h1": 4, "h2": 8}
    time.sleep(0.6)
    hosts.heartbeat(HostInfo(name="h2", capacity=8))
    assert list(hosts.live()) == ["h2"]
    assert hosts.requests("h1") == (set(), set())  # a dead host's requests are dropped
    hosts.leave("h2")
    assert hosts.live() == {}


def test_owners_of_many_cameras_in_bulk(redis_client: redis.Redis) -> None:
    leases = Leases(redis_client, ttl_s=5)
    registry = CameraRegistry(redis_client)
    for i in range(2500):
        registry.put(CameraSpec(code=f"C{i:05d}", url="x"))
    for i in range(0, 2500, 7):
        leases.acquire(f"C{i:05d}", f"w{i % 3}")
    owners = leases.owners(registry.codes(), chunk=1000)
    assert len(owners) == 2500
    assert owners["C00007"] == "w1" and owners["C00008"] is None
    assert sum(o is not None for o in owners.values()) == len(range(0, 2500, 7))
