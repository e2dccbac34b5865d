"""Stream analytics throughput (2-core shared CPU): 1080p real-time factor, concurrent 720p
streams with motion gating, decode vs inference CPU share, and workers for 85,000 cameras.

Clips are built once under .var/bench/ with ffmpeg from real 720p CCTV clips in
../shared/data/footage (generated scenes when absent):
- b1080.mp4: 30 s, 1920x1080, 25 fps, H.264 — eight real clips, people moving all the time
  (the motion gate cannot skip anything: a worst case);
- b720.mp4: 60 s, 1280x720, 25 fps — 10 s of real activity, then 50 s of the last frame with
  sensor noise (a typical mostly idle camera).
Every measurement runs the full pipeline (person detector INT8 + tracker + all rules).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.__main__ import result

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".var" / "bench"
FOOTAGE = Path(os.environ.get("HAECHI_SHARED_DATA", ROOT.parent / "shared" / "data")) / "footage"
CLIPS_720 = ["nofi053", "nofi054", "nofi137", "nofi139", "nofi141", "nofi143", "nofi145", "nofi146"]
CAMERAS = 85_000
TARGET_REALTIME = 8.0
TARGET_STREAMS = 12.0


def _ffmpeg(args: list[str]) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def bench_clips() -> tuple[Path, Path, str]:
    """Build (or reuse) the two benchmark clips; returns their paths and a source note."""
    CACHE.mkdir(parents=True, exist_ok=True)
    b1080, b720 = CACHE / "b1080.mp4", CACHE / "b720.mp4"
    sources = [FOOTAGE / "nonfight" / f"{c}.mp4" for c in CLIPS_720]
    real = all(p.exists() for p in sources)
    encode = ["-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "50"]
    if real:
        listing = CACHE / "list.txt"
        listing.write_text("".join(f"file '{p}'\n" for p in sources))
        inp = ["-f", "concat", "-safe", "0", "-i", str(listing)]
        note = "real CCTV clips (footage/nonfight, 720p)"
    else:
        inp = ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25"]
        note = "generated test pattern (footage absent)"
    if not b1080.exists():
        _ffmpeg(
            [
                "-stream_loop",
                "1",
                *inp,
                "-vf",
                "scale=1920:1080,fps=25",
                *encode,
                "-t",
                "30",
                str(b1080),
            ]
        )
    if not b720.exists():
        idle = "fps=25,scale=1280:720,trim=duration=10,tpad=stop_mode=clone:stop_duration=50,noise=alls=4:allf=t"
        _ffmpeg([*inp, "-vf", idle, *encode, "-t", "60", str(b720)])
    return b1080, b720, note


def _analyse(path: str, gate: bool, prefetch: bool, queue: Any = None) -> dict[str, Any]:
    """Run the full pipeline once; stream seconds, wall and CPU seconds (model load excluded)."""
    import logging

    logging.disable(logging.WARNING)
    from workers.pipeline import Pipeline, PipelineConfig, load_detector

    config = PipelineConfig(prefetch=prefetch)
    config.gate.enabled = gate
    detector = load_detector(config)
    pipeline = Pipeline(config, detector=detector)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in pipeline.run(path):
        pass
    out = {
        "stream_s": pipeline.stats.stream_s,
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
        "frames": pipeline.stats.frames,
        "detect_s": pipeline.stats.seconds["detect"],
        "rules_s": pipeline.stats.seconds["rules"] + pipeline.stats.seconds["gate"],
        "skipped": pipeline.gate.stats.skipped_fraction,
    }
    if queue is not None:
        queue.put(out)
    return out


def _decode_cpu(path: Path, fps: float = 5.0) -> float:
    """CPU seconds to decode the file and convert the sampled frames (no analysis)."""
    from workers.stream.decode import StreamConfig, VideoStream

    cpu = time.process_time()
    for _ in VideoStream(path, StreamConfig(detect_fps=fps)).frames():
        pass
    return time.process_time() - cpu


def _concurrent(path: Path, processes: int, gate: bool) -> dict[str, float]:
    """`processes` pipelines at once (one per core): aggregate stream seconds per wall second."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_analyse, args=(str(path), gate, False, queue)) for _ in range(processes)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    streams = sum(r["stream_s"] / r["wall_s"] for r in results)
    return {"streams": streams, "skipped": sum(r["skipped"] for r in results) / len(results)}


def run() -> list[dict]:
    if shutil.which("ffmpeg") is None:
        return [result("stream.skipped", 0, "n/a", notes="ffmpeg not installed")]
    b1080, b720, source = bench_clips()
    rows = []
    serial = _analyse(str(b1080), gate=True, prefetch=False)
    overlapped = _analyse(str(b1080), gate=True, prefetch=True)
    factor = overlapped["stream_s"] / overlapped["wall_s"]
    decode = _decode_cpu(b1080)
    # Decode thread and analysis thread each need one core; with two free cores the slower
    # of the two sets the pace (load-independent, unlike wall time on a shared machine).
    bound = overlapped["stream_s"] / max(decode, overlapped["cpu_s"] - decode)
    rows.append(
        result(
            "stream.1080p25_at_5fps_realtime_factor", factor, "x real time",
            baseline="issue target (8x)", baseline_value=TARGET_REALTIME,
            notes=f"one pipeline, decode thread overlapping analysis; serial decode+analysis "
            f"{serial['stream_s'] / serial['wall_s']:.1f}x; {overlapped['cpu_s'] / overlapped['wall_s']:.2f} cores busy "
            f"(shared machine); CPU cost {overlapped['cpu_s']:.1f} s per {overlapped['stream_s']:.0f} s "
            f"(decode {decode:.1f} s in its thread, analysis {overlapped['cpu_s'] - decode:.1f} s), so two free "
            f"cores would allow about {bound:.1f}x (estimate); "
            f"gate skipped {overlapped['skipped']:.0%} (people move throughout); {source}",
        )
    )  # fmt: skip
    total = serial["cpu_s"]
    rows.append(
        result(
            "stream.1080p_decode_cpu_share", decode / total, "fraction of CPU",
            notes=f"decode-only pass {decode:.1f} CPU s of {total:.1f} CPU s for the full serial "
            f"pipeline on {serial['stream_s']:.0f} s of video; stage wall times in that run: detector "
            f"{serial['detect_s']:.1f} s, rules+gate {serial['rules_s']:.1f} s",
        )
    )  # fmt: skip
    gated = _concurrent(b720, processes=2, gate=True)
    ungated = _concurrent(b720, processes=2, gate=False)
    rows.append(
        result(
            "stream.720p_streams_at_5fps_on_2_cores", gated["streams"], "streams",
            baseline="same without motion gate", baseline_value=ungated["streams"],
            notes=f"2 processes analysing as fast as they can; a live stream needs 1x real time each; "
            f"gate skipped {gated['skipped']:.0%} of frames; target {TARGET_STREAMS:.0f}; {source}",
        )
    )  # fmt: skip
    decode720 = _decode_cpu(b720)
    rows.append(
        result(
            "stream.720p_decode_cpu_per_stream", decode720 / 60.0, "cores per stream",
            notes="H.264 decoding of every frame is needed even at 5 fps; the floor under gating",
        )
    )  # fmt: skip
    workers = CAMERAS / max(gated["streams"], 1e-6)
    rows.append(
        result(
            "stream.workers_for_85000_cameras", workers, "2-core workers",
            baseline="without motion gate", baseline_value=CAMERAS / max(ungated["streams"], 1e-6),
            higher_is_better=False,
            notes=f"85,000 cameras / {gated['streams']:.1f} gated 720p streams per 2-core worker "
            f"(= {2 * workers:,.0f} cores); mostly idle scenes assumed as in b720.mp4",
        )
    )  # fmt: skip
    return rows
