"""Redis leases: one owner per camera, renew/release only by the owner, expiry frees it."""

from __future__ import annotations

import time

import redis

from workers.leases import CameraRegistry, CameraSpec, Leases


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


def test_registry_round_trip_and_pending_markers(redis_client: redis.Redis) -> None:
    registry = CameraRegistry(redis_client)
    registry.put(CameraSpec(code="B", url="rtsp://x/b"))
    registry.put(
        CameraSpec(code="A", url="/tmp/a.mp4", scene={"rules": {"crowd": {"max_people": 3}}})
    )
    assert [c.code for c in registry.all()] == ["A", "B"]
    assert registry.get("A").scene["rules"]["crowd"]["max_people"] == 3
    leases = Leases(redis_client, ttl_s=5)
    assert leases.mark_pending("A", 5) and not leases.mark_pending("A", 5)
    leases.clear_pending("A")
    assert leases.mark_pending("A", 5)


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
