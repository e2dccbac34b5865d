"""A video host: one long-running process that watches many cameras at once.

The host's control thread, every `tick_s`:
- says it is alive (`Hosts.heartbeat`) and renews all its leases in one round trip; a lease it
  no longer holds stops that camera at once (another host has it);
- asks for an assignment round (`assignment.assign_round`, rate-limited fleet-wide);
- takes offered cameras (lease with NX, up to its capacity) and hands over those it is asked to;
- re-reads its cameras' specs: a changed spec reaches the camera between two frames, a camera
  that left the set is stopped and released;
- writes each camera's `CameraAnalysis` for the backend.

Redis away: cameras keep being watched (events wait in the publisher's outbox); when the host
cannot renew for longer than the lease TTL it stops them, since another host may now own them,
and takes them back through the normal offers once Redis answers again.
Models are compiled before the host says it is alive, so no camera is offered to a host that
is still building models.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis

from workers.contracts import ANALYSIS_TTL_FACTOR, CameraSpec, analysis_key
from workers.host.assignment import assign_round
from workers.host.batching import BatchedDetector
from workers.host.camera import CameraWatch
from workers.leases import CameraRegistry, HostInfo, Hosts, Leases
from workers.media import MediaConfig
from workers.publish import Publisher

log = logging.getLogger(__name__)


class CameraHost:
    """Holds camera leases and a `CameraWatch` per held camera (see the module docstring)."""

    def __init__(
        self,
        *,
        name: str,
        capacity: int,
        client: redis.Redis,
        publisher: Publisher,
        media_dir: Path,
        ttl_s: float = 15.0,
        tick_s: float = 1.0,
        assign_every_s: float = 2.0,
        detect_fps: float = 5.0,
        detector_settings: dict[str, dict[str, Any]] | None = None,
        media: MediaConfig | None = None,
        warm: bool = True,
    ) -> None:
        self.name, self.capacity, self.warm = name, capacity, warm
        self.client, self.publisher, self.media_dir = client, publisher, media_dir
        self.ttl_s, self.tick_s, self.assign_every_s = ttl_s, tick_s, assign_every_s
        self.detect_fps = detect_fps
        self.detector_settings = detector_settings or {}
        self.media = media or MediaConfig()
        self.registry = CameraRegistry(client)
        self.leases = Leases(client, ttl_s)
        self.hosts = Hosts(client, ttl_s)
        self.watches: dict[str, CameraWatch] = {}
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"media-{name}")
        self._detectors: dict[str, BatchedDetector] = {}
        self._last_renewed = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"host-{name}")

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> CameraHost:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every camera (publishing what they hold), release leases, leave the fleet."""
        self._stop.set()
        self._thread.join(timeout)

    def warm_up(self) -> None:
        """Compile the models the cameras will need (minutes on a cold machine)."""
        self.detector_for("person")
        try:
            from workers.detectors.action import shared_embedder

            shared_embedder()
        except Exception as err:  # a missing clip model turns off only the fight rule
            log.warning("host %s: fight clip model unavailable: %s", self.name, err)

    def detector_for(self, key: str | None) -> BatchedDetector | None:
        """One shared, batched detector per plugin key for all cameras of this host."""
        if not key:
            return None
        if key not in self._detectors:
            from workers.detectors.registry import shared_detector

            settings = {"performance_hint": "THROUGHPUT", **self.detector_settings.get(key, {})}
            self._detectors[key] = BatchedDetector(shared_detector(key, settings))
        return self._detectors[key]

    # -- the control thread -------------------------------------------------------------------
    def _run(self) -> None:
        try:
            if self.warm:
                self.warm_up()
        except Exception:
            log.exception("host %s: models could not be built; watching without them", self.name)
        log.info("host %s: ready for %d cameras", self.name, self.capacity)
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.tick()
            except redis.RedisError as err:
                self._redis_away(err)
            except Exception:
                log.exception("host %s: control tick failed", self.name)
            self._stop.wait(max(0.05, self.tick_s - (time.monotonic() - started)))
        self._shutdown()

    def tick(self) -> None:
        """One control step (see the module docstring)."""
        self._reap()
        self.hosts.heartbeat(self._info())
        lost = self.leases.renew_many(sorted(self.watches), self.name)
        self._last_renewed = time.monotonic()
        for code in lost:
            log.warning("host %s: lease of %s lost; another host watches it", self.name, code)
        self._drop(lost, release=False)
        assign_round(self.client, ttl_s=self.ttl_s, every_s=self.assign_every_s)
        offers, releases = self.hosts.requests(self.name)
        handed = sorted(releases & set(self.watches))
        for code in handed:
            log.info("host %s: handing %s over", self.name, code)
        self._drop(handed, release=True)
        self._take(sorted(offers - set(self.watches) - releases))
        self._refresh_specs()
        self._report()

    def _take(self, offered: list[str]) -> None:
        room = self.capacity - len(self.watches)
        if room <= 0 or not offered:
            return
        specs = self.registry.many(offered[:room])
        for code, spec in specs.items():
            if spec is not None and self.leases.acquire(code, self.name):
                self._watch(spec)

    def _watch(self, spec: CameraSpec) -> None:
        try:
            watch = CameraWatch(
                spec,
                host=self.name,
                detector=self.detector_for(spec.detector),
                publisher=self.publisher,
                executor=self.executor,
                media_dir=self.media_dir,
                detect_fps=self.detect_fps,
                media=self.media,
            )
        except Exception as err:  # a spec the workers cannot use: give the camera back
            log.error("host %s: cannot watch %s: %s", self.name, spec.code, err)
            self.leases.release(spec.code, self.name)
            return
        self.watches[spec.code] = watch.start()
        log.info(
            "host %s: watching %s (%d/%d)", self.name, spec.code, len(self.watches), self.capacity
        )

    def _drop(self, codes: list[str], *, release: bool) -> None:
        """Stop these cameras together (each closes and publishes its incidents), then release
        their leases and clear their analysis."""
        watches = [w for w in (self.watches.pop(c, None) for c in codes) if w is not None]
        for watch in watches:
            watch.signal_stop()
        for watch in watches:
            watch.stop()
        for code in codes:
            if release:
                self.leases.release(code, self.name)
            self.client.delete(analysis_key(code))

    def _reap(self) -> None:
        """A watch whose thread died (a bug) is restarted from its spec."""
        for code, watch in list(self.watches.items()):
            if not watch.alive:
                log.error("host %s: watch of %s ended; restarting it", self.name, code)
                del self.watches[code]
                self._watch(watch.spec)

    def _refresh_specs(self) -> None:
        gone = []
        for code, spec in self.registry.many(sorted(self.watches)).items():
            if spec is None:
                log.info("host %s: %s left the camera set", self.name, code)
                gone.append(code)
            else:
                self.watches[code].update(spec)
        self._drop(gone, release=True)

    def _report(self) -> None:
        if not self.watches:
            return
        ttl_ms = int(self.ttl_s * ANALYSIS_TTL_FACTOR * 1000)
        pipe = self.client.pipeline(transaction=False)
        for code, watch in self.watches.items():
            pipe.set(analysis_key(code), watch.analysis().model_dump_json(), px=ttl_ms)
        pipe.execute()

    def _redis_away(self, err: Exception) -> None:
        away = time.monotonic() - self._last_renewed
        log.warning("host %s: Redis unavailable for %.0f s: %s", self.name, away, err)
        if away > self.ttl_s and self.watches:
            log.warning(
                "host %s: leases expired; stopping %d cameras", self.name, len(self.watches)
            )
            watches = list(self.watches.values())
            self.watches.clear()
            for watch in watches:
                watch.signal_stop()
            for watch in watches:
                watch.stop()

    def _shutdown(self) -> None:
        with contextlib.suppress(redis.RedisError):
            self._drop(list(self.watches), release=True)
        with contextlib.suppress(redis.RedisError):
            self.hosts.leave(self.name)
        self.executor.shutdown(wait=True)
        for detector in self._detectors.values():
            detector.close()
        log.info("host %s: stopped", self.name)

    def _info(self) -> HostInfo:
        return HostInfo(
            name=self.name, capacity=self.capacity, pid=os.getpid(), machine=socket.gethostname()
        )
