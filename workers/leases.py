"""Camera registry and leases in Redis: every AI camera is analysed by exactly one worker.

Keys (prefix `haechi:video:`):
- `cameras` — hash camera code → JSON `CameraSpec` (written by the backend or the simulator);
- `lease:<code>` — the owning worker's name, with a TTL; set with NX, renewed and released only
  by its owner (compare-and-set in Lua), so a dead worker's camera frees itself after the TTL;
- `pending:<code>` — a window task is queued (short TTL), so the scheduler does not flood the queue.
"""

from __future__ import annotations

import json
from typing import Any

import redis
from pydantic import BaseModel, Field

PREFIX = "haechi:video:"
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class CameraSpec(BaseModel):
    """What a worker needs to analyse a camera."""

    code: str = Field(min_length=1, max_length=64)
    url: str = Field(min_length=1, max_length=2048)
    scene: dict[str, Any] = Field(default_factory=dict, description="SceneConfig data")
    detector: str | None = Field(default="person", description="detector plugin key or None")


class CameraRegistry:
    """The set of cameras to analyse."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def put(self, spec: CameraSpec) -> None:
        self.client.hset(PREFIX + "cameras", spec.code, spec.model_dump_json())

    def remove(self, code: str) -> None:
        self.client.hdel(PREFIX + "cameras", code)

    def get(self, code: str) -> CameraSpec | None:
        raw = self.client.hget(PREFIX + "cameras", code)
        return None if raw is None else CameraSpec.model_validate(json.loads(raw))

    def codes(self) -> list[str]:
        """Registered camera codes, sorted."""
        raw: list[Any] = self.client.hkeys(PREFIX + "cameras")  # type: ignore[assignment]
        return sorted(c.decode() if isinstance(c, bytes) else str(c) for c in raw)

    def all(self) -> list[CameraSpec]:
        raw: dict[Any, Any] = self.client.hgetall(PREFIX + "cameras")  # type: ignore[assignment]
        return [CameraSpec.model_validate(json.loads(v)) for _, v in sorted(raw.items())]


class Leases:
    """TTL leases: at most one owner per camera."""

    def __init__(self, client: redis.Redis, ttl_s: float) -> None:
        self.client = client
        self.ttl_ms = int(ttl_s * 1000)
        self._renew = client.register_script(_RENEW)
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

    def release(self, code: str, owner: str) -> bool:
        """Give the camera back (only if we hold it)."""
        return bool(self._release(keys=[self.key(code)], args=[owner]))

    def owner(self, code: str) -> str | None:
        raw = self.client.get(self.key(code))
        return None if raw is None else raw.decode() if isinstance(raw, bytes) else str(raw)

    def owners(self, codes: list[str], chunk: int = 1000) -> dict[str, str | None]:
        """Owner of each camera (None = free), fetched with MGET in chunks (85,000 cameras)."""
        found: dict[str, str | None] = {}
        for i in range(0, len(codes), chunk):
            part = codes[i : i + chunk]
            values: list[Any] = self.client.mget([self.key(c) for c in part])  # type: ignore[assignment]
            for code, raw in zip(part, values, strict=True):
                found[code] = (
                    None if raw is None else raw.decode() if isinstance(raw, bytes) else str(raw)
                )
        return found

    def mark_pending(self, code: str, ttl_s: float) -> bool:
        """True when no window task was queued for `code` yet (and marks one)."""
        return bool(self.client.set(f"{PREFIX}pending:{code}", "1", nx=True, px=int(ttl_s * 1000)))

    def clear_pending(self, code: str) -> None:
        self.client.delete(f"{PREFIX}pending:{code}")
