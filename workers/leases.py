"""Redis state of the live path: the camera set, camera leases, hosts, offers and hand-overs.

Keys (prefix `haechi:video:`, see workers.contracts):
- `cameras` — hash camera code → `CameraSpec` JSON, written by the backend (registry sync);
- `lease:<code>` — the watching host's name, with a TTL; set with NX, renewed and released only
  by its owner (compare-and-set in Lua), so a dead host's camera frees itself after the TTL;
- `hosts` — hash host name → `HostInfo` JSON; `host:<name>` — that host's liveness key (TTL);
- `offers:<host>` — set of free cameras the assigner wants that host to take now;
- `release:<host>` — set of cameras the assigner wants that host to hand over (rebalancing);
- `assign-lock` — one assignment round at a time.
"""

from __future__ import annotations

import json
from typing import Any

import redis
from pydantic import BaseModel, Field

from workers.contracts import VIDEO_CAMERAS_KEY, VIDEO_KEY_PREFIX, CameraSpec

PREFIX = VIDEO_KEY_PREFIX
HOSTS_KEY = PREFIX + "hosts"
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RENEW_MANY = """
local lost = {}
for i, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then
    redis.call('pexpire', key, ARGV[2])
  else
    table.insert(lost, i)
  end
end
return lost
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


class CameraRegistry:
    """The set of cameras to watch (the backend writes it; hosts and the assigner read it)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def put(self, spec: CameraSpec) -> None:
        self.client.hset(VIDEO_CAMERAS_KEY, spec.code, spec.model_dump_json())

    def remove(self, code: str) -> None:
        self.client.hdel(VIDEO_CAMERAS_KEY, code)

    def get(self, code: str) -> CameraSpec | None:
        raw = self.client.hget(VIDEO_CAMERAS_KEY, code)
        return None if raw is None else CameraSpec.model_validate(json.loads(raw))

    def many(self, codes: list[str]) -> dict[str, CameraSpec | None]:
        """Specs of `codes` (None where a camera left the set)."""
        if not codes:
            return {}
        raw: list[Any] = self.client.hmget(VIDEO_CAMERAS_KEY, codes)  # type: ignore[assignment]
        return {
            c: None if r is None else CameraSpec.model_validate(json.loads(r))
            for c, r in zip(codes, raw, strict=True)
        }

    def codes(self) -> list[str]:
        """Camera codes in the set, sorted."""
        raw: list[Any] = self.client.hkeys(VIDEO_CAMERAS_KEY)  # type: ignore[assignment]
        return sorted(_text(c) for c in raw)


class Leases:
    """TTL leases: at most one host watches a camera."""

    def __init__(self, client: redis.Redis, ttl_s: float) -> None:
        self.client = client
        self.ttl_ms = int(ttl_s * 1000)
        self._renew = client.register_script(_RENEW)
        self._renew_many = client.register_script(_RENEW_MANY)
        self._release = client.register_script(_RELEASE)

    @staticmethod
    def key(code: str) -> str:
        return f"{PREFIX}lease:{code}"

    def acquire(self, code: str, owner: str) -> bool:
        """Take the camera if nobody holds it (or we already do)."""
        if self.client.set(self.key(code), owner, nx=True, px=self.ttl_ms):
            return True
        return self.renew(code, owner)

    def renew(self, code: str, owner: str) -> bool:
        """Extend our lease; False when it expired or someone else holds it."""
        return bool(self._renew(keys=[self.key(code)], args=[owner, self.ttl_ms]))

    def renew_many(self, codes: list[str], owner: str) -> list[str]:
        """Extend our leases on `codes` in one round trip; returns the codes we no longer hold."""
        if not codes:
            return []
        lost: list[int] = self._renew_many(  # type: ignore[assignment]
            keys=[self.key(c) for c in codes], args=[owner, self.ttl_ms]
        )
        return [codes[i - 1] for i in lost]

    def release(self, code: str, owner: str) -> bool:
        """Give the camera back (only if we hold it)."""
        return bool(self._release(keys=[self.key(code)], args=[owner]))

    def owner(self, code: str) -> str | None:
        raw = self.client.get(self.key(code))
        return None if raw is None else _text(raw)

    def owners(self, codes: list[str], chunk: int = 1000) -> dict[str, str | None]:
        """Owner of each camera (None = free), fetched with MGET in chunks (85,000 cameras)."""
        found: dict[str, str | None] = {}
        for i in range(0, len(codes), chunk):
            part = codes[i : i + chunk]
            values: list[Any] = self.client.mget([self.key(c) for c in part])  # type: ignore[assignment]
            for code, raw in zip(part, values, strict=True):
                found[code] = None if raw is None else _text(raw)
        return found


class HostInfo(BaseModel):
    """A video host as the assigner sees it."""

    name: str = Field(min_length=1, max_length=200)
    capacity: int = Field(ge=0, le=10_000, description="most cameras it watches at once")
    pid: int = 0
    machine: str = ""


class Hosts:
    """Host registration, liveness, and the assigner's offers and hand-over requests."""

    def __init__(self, client: redis.Redis, ttl_s: float) -> None:
        self.client = client
        self.ttl_ms = int(ttl_s * 1000)

    @staticmethod
    def alive_key(name: str) -> str:
        return f"{PREFIX}host:{name}"

    @staticmethod
    def offers_key(name: str) -> str:
        return f"{PREFIX}offers:{name}"

    @staticmethod
    def release_key(name: str) -> str:
        return f"{PREFIX}release:{name}"

    def heartbeat(self, info: HostInfo) -> None:
        """Say this host is alive and what it can take (call every TTL/3)."""
        pipe = self.client.pipeline()
        pipe.hset(HOSTS_KEY, info.name, info.model_dump_json())
        pipe.set(self.alive_key(info.name), "1", px=self.ttl_ms)
        pipe.execute()

    def leave(self, name: str) -> None:
        """A host stopping cleanly: gone at once, not after its TTL."""
        self.client.delete(self.alive_key(name), self.offers_key(name), self.release_key(name))
        self.client.hdel(HOSTS_KEY, name)

    def live(self) -> dict[str, HostInfo]:
        """Hosts whose liveness key exists; the others are forgotten."""
        raw: dict[Any, Any] = self.client.hgetall(HOSTS_KEY)  # type: ignore[assignment]
        infos = {_text(k): HostInfo.model_validate_json(v) for k, v in raw.items()}
        if not infos:
            return {}
        names = sorted(infos)
        alive: list[Any] = self.client.mget([self.alive_key(n) for n in names])  # type: ignore[assignment]
        dead = [n for n, a in zip(names, alive, strict=True) if a is None]
        if dead:
            self.client.hdel(HOSTS_KEY, *dead)
            self.client.delete(*[self.offers_key(n) for n in dead])
            self.client.delete(*[self.release_key(n) for n in dead])
        return {n: infos[n] for n in names if n not in dead}

    def set_requests(
        self, offers: dict[str, list[str]], releases: dict[str, list[str]], hosts: list[str]
    ) -> None:
        """Replace every live host's offers and hand-over requests in one transaction."""
        pipe = self.client.pipeline(transaction=True)
        for name in hosts:
            pipe.delete(self.offers_key(name), self.release_key(name))
            if offers.get(name):
                pipe.sadd(self.offers_key(name), *offers[name])
                pipe.pexpire(self.offers_key(name), self.ttl_ms)
            if releases.get(name):
                pipe.sadd(self.release_key(name), *releases[name])
                pipe.pexpire(self.release_key(name), self.ttl_ms)
        pipe.execute()

    def requests(self, name: str) -> tuple[set[str], set[str]]:
        """(cameras offered to `name`, cameras it is asked to hand over)."""
        pipe = self.client.pipeline()
        pipe.smembers(self.offers_key(name))
        pipe.smembers(self.release_key(name))
        offers, releases = pipe.execute()
        return {_text(c) for c in offers}, {_text(c) for c in releases}

    def try_lock(self, token: str, ttl_s: float) -> bool:
        """One assignment round at a time, across hosts and the beat."""
        return bool(self.client.set(PREFIX + "assign-lock", token, nx=True, px=int(ttl_s * 1000)))
