"""Live cameras and video hosts for the live-path benchmarks (bench_live.py).

Simulated cameras are the simulator's RTSP server replaying real footage pre-encoded to H.264
(encoded once, then only paced out: the simulator costs ~0.5 % of a core per camera, measured
separately). Hosts are real `python -m workers host` processes on a private Redis database.
A camera counts as watched at a moment when its newest analysed frame is at most `FRESH_S` (3 s)
old, its analysis lag (frame decoded → analysed) is at most `MAX_LAG_S` (2 s) and it has no
error — read from the same `CameraAnalysis` the backend shows, once a second. 3 s because an
idle camera is analysed on keyframes only (one a second here) and a host reports every second.
"""

from __future__ import annotations

import base64
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import redis

from workers.contracts import (
    INGEST_QUEUE,
    CameraAnalysis,
    CameraSpec,
    analysis_key,
    ingested_key,
)
from workers.leases import CameraRegistry, Hosts

ROOT = Path(__file__).resolve().parents[1]
BENCH_REDIS_DB = 7
FRESH_S = 3.0
# Hosts run at a lower priority than the simulator, which stands in for cameras on their own
# hardware: on one 2-core machine a starved simulator would send late frames and count against
# the host. The host still gets all the CPU the simulator does not use (~0.6 % per camera).
HOST_NICENESS = 5
MAX_LAG_S = 2.0


def bench_redis_url() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")
    return base.rsplit("/", 1)[0] + f"/{BENCH_REDIS_DB}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Fleet:
    """Host processes on the bench Redis; `stop()` ends them and clears the database."""

    ttl_s: float = 15.0
    client: redis.Redis = field(default_factory=lambda: redis.Redis.from_url(bench_redis_url()))
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    log_dir: Path = ROOT / ".var" / "bench" / "live"

    def __post_init__(self) -> None:
        self.client.flushdb()
        shutil.rmtree(self.log_dir / "outbox", ignore_errors=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._receipts = threading.Thread(target=self._acknowledge, daemon=True)
        self._stopped = threading.Event()
        self.events: collections.Counter[str] = collections.Counter()
        self._receipts.start()

    def _acknowledge(self) -> None:
        """Stand in for the backend's ingest: take each event off the queue, count its type and
        write its receipt, so hosts do not re-send events nobody stores (not measured here)."""
        while not self._stopped.is_set():
            try:
                item = self.client.brpop([INGEST_QUEUE], timeout=1)
            except redis.RedisError:
                continue
            if item is None:
                continue
            body = json.loads(base64.b64decode(json.loads(item[1])["body"]))
            event = body[0][0]
            self.events[event["type"]] += 1
            self.client.set(ingested_key(event["event_id"]), "1", ex=3600)

    def start_host(self, name: str, capacity: int) -> str:
        env = os.environ | {
            "REDIS_URL": bench_redis_url(),
            "HAECHI_BROKER_URL": bench_redis_url(),
            "HAECHI_LEASE_TTL_S": str(self.ttl_s),
            "HAECHI_WORKER_OUTBOX_DIR": str(self.log_dir / "outbox"),
            "HAECHI_WORKER_MEDIA_DIR": str(self.log_dir / "media"),
        }
        log = (self.log_dir / f"{name}.log").open("w")
        self.procs[name] = subprocess.Popen(
            ["nice", "-n", str(HOST_NICENESS), sys.executable, "-m", "workers", "host",
             "--capacity", str(capacity),
             "--name", f"{name}@bench", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return f"{name}@bench"

    def wait_ready(self, names: list[str], timeout: float = 900) -> None:
        hosts = Hosts(self.client, self.ttl_s)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if set(names) <= set(hosts.live()):
                return
            time.sleep(0.5)
        raise RuntimeError(f"hosts {names} not ready after {timeout:.0f} s")

    def put_cameras(self, urls: dict[str, str]) -> None:
        registry = CameraRegistry(self.client)
        for code, url in urls.items():
            registry.put(CameraSpec(code=code, url=url))

    def analyses(self, codes: list[str]) -> dict[str, CameraAnalysis | None]:
        raw = self.client.mget([analysis_key(c) for c in codes])
        return {
            c: None if r is None else CameraAnalysis.model_validate_json(r)
            for c, r in zip(codes, raw, strict=True)
        }

    def watched_now(
        self, codes: list[str], states: dict[str, CameraAnalysis | None] | None = None
    ) -> dict[str, str | None]:
        """Host watching each camera right now (None: not watched by the definition above);
        `states`: the cameras' analyses when the caller already read them."""
        now = datetime.now(UTC)
        found: dict[str, str | None] = {}
        for code, state in (states or self.analyses(codes)).items():
            ok = (
                state is not None
                and state.error is None
                and state.last_frame_at is not None
                and (now - state.last_frame_at).total_seconds() <= FRESH_S
                and state.lag_s <= MAX_LAG_S
            )
            found[code] = state.host if ok and state is not None else None
        return found

    def wait_watched(self, codes: list[str], timeout: float) -> float:
        """Seconds until every camera is watched (raises after `timeout`)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if None not in self.watched_now(codes).values():
                return time.monotonic() - started
            time.sleep(0.25)
        raise RuntimeError(f"cameras not all watched after {timeout:.0f} s")

    def kill(self, name: str) -> None:
        os.kill(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    def stop(self) -> None:
        self._stopped.set()
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.client.flushdb()


@dataclass
class Observation:
    """Per camera: seconds sampled and seconds watched; per host: CPU and memory."""

    samples: dict[str, int]
    watched: dict[str, int]
    max_lag_s: float
    p99_lag_s: float
    cpu_s: dict[str, float]
    rss_mb: dict[str, float]
    seconds: float

    def fractions(self) -> dict[str, float]:
        return {c: self.watched[c] / max(1, self.samples[c]) for c in self.samples}

    def min_fraction(self) -> float:
        return min(self.fractions().values()) if self.samples else 0.0


def observe(fleet: Fleet, codes: list[str], seconds: float) -> Observation:
    """Sample every camera once a second for `seconds`; CPU and RSS of every host."""
    pids = {n: p.pid for n, p in fleet.procs.items() if p.poll() is None}
    cpu0 = {n: cpu_seconds(pid) for n, pid in pids.items()}
    samples = dict.fromkeys(codes, 0)
    watched = dict.fromkeys(codes, 0)
    lags: list[float] = []
    started = time.monotonic()
    tick = started
    while time.monotonic() - started < seconds:
        states = fleet.analyses(codes)
        for code, host in fleet.watched_now(codes, states).items():
            samples[code] += 1
            watched[code] += host is not None
        lags.extend(s.lag_s for s in states.values() if s is not None)
        tick += 1.0
        time.sleep(max(0.0, tick - time.monotonic()))
    elapsed = time.monotonic() - started
    return Observation(
        samples=samples,
        watched=watched,
        max_lag_s=max(lags, default=0.0),
        p99_lag_s=sorted(lags)[int(0.99 * (len(lags) - 1))] if lags else 0.0,
        cpu_s={n: cpu_seconds(pid) - cpu0[n] for n, pid in pids.items()},
        rss_mb={n: rss_mb(pid) for n, pid in pids.items()},
        seconds=elapsed,
    )
