"""`python -m workers simulate [--cameras N] [--port P] [--ts] [--register] [--seconds S]`.

Serves N simulated cameras from ../shared/data/footage clips (generated scenes when absent) as
HTTP/MJPEG (`/cam/<code>.mjpg`) and, with --ts, as H.264 MPEG-TS over HTTP via ffmpeg. Live RTSP
is not offered: ffmpeg cannot serve RTSP clients without an RTSP server package. --register puts
the cameras in the Redis camera registry so Celery video workers start analysing them.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

NAME = "simulate"
HELP = "serve real clips (or generated scenes) as live camera streams"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cameras", type=int, default=4, help="how many cameras")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8554, help="MJPEG HTTP port")
    parser.add_argument("--max-fps", type=float, default=10.0, help="frames per second served")
    parser.add_argument("--ts", action="store_true", help="also serve H.264 MPEG-TS via ffmpeg")
    parser.add_argument("--ts-port", type=int, default=8600, help="first ffmpeg port")
    parser.add_argument("--prefix", default="SIM", help="camera code prefix")
    parser.add_argument("--register", action="store_true", help="register in the Redis registry")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: never)")


def run(args: argparse.Namespace) -> int:
    from workers.simulator.ffmpeg_ts import TsCamera
    from workers.simulator.mjpeg import MjpegServer, SimCamera
    from workers.simulator.sources import clip_frames, footage_clips, generated_frames

    clips = footage_clips()
    cameras = []
    for i in range(args.cameras):
        code = f"{args.prefix}-{i + 1:03d}"
        if clips:
            clip = clips[i % len(clips)]
            fps, frames = clip_frames(clip)
            cameras.append(SimCamera(code, fps, frames, source=str(clip)))
        else:
            fps, frames = generated_frames(i)
            cameras.append(SimCamera(code, fps, frames, source="generated"))
    server = MjpegServer(cameras, args.host, args.port, max_fps=args.max_fps).start()
    urls = {c.code: server.url(c.code) for c in cameras}
    ts_cams = []
    if args.ts and clips:
        for i, cam in enumerate(cameras):
            ts = TsCamera(cam.code, clips[i % len(clips)], args.ts_port + i, args.host).start()
            ts_cams.append(ts)
    for cam in cameras:
        extra = f"  {ts_cams[cameras.index(cam)].url}" if ts_cams else ""
        print(f"{cam.code}  {urls[cam.code]}{extra}  ({cam.source})", flush=True)
    if args.register:
        import redis

        from workers.leases import CameraRegistry, CameraSpec
        from workers.settings import get_settings

        registry = CameraRegistry(redis.Redis.from_url(get_settings().lease_redis_url))
        for code, url in urls.items():
            registry.put(CameraSpec(code=code, url=url))
        print(f"registered {len(urls)} cameras for the video workers", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait(args.seconds or None)
    server.stop()
    for ts in ts_cams:
        ts.stop()
    return 0
