"""`python -m workers simulate [--cameras N | --codes A,B] [--ts] [--rtsp] [--register KIND]`.

Serves N simulated cameras from ../shared/data/footage clips (generated scenes when absent) as
HTTP/MJPEG (`/cam/<code>.mjpg`); with --ts also as H.264 MPEG-TS over HTTP via ffmpeg, and with
--rtsp also as live RTSP (`rtsp://host:rtsp-port/<code>`, H.264 over RTP/TCP from our own small
server in workers.simulator.rtsp; ffmpeg's testsrc when there are no clips). The URLs of one
kind (--register: mjpeg by default, ts or rtsp) go into the Redis camera registry
(workers.leases) so Celery video workers start analysing them; use --codes with camera codes
from the backend registry so their alerts attach to real cameras.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workers.simulator.ffmpeg_ts import TsCamera
    from workers.simulator.rtsp import RtspServer

NAME = "simulate"
HELP = "serve real clips (or generated scenes) as live camera streams"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cameras", type=int, default=4, help="how many cameras")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8554, help="MJPEG HTTP port")
    parser.add_argument("--max-fps", type=float, default=10.0, help="frames per second served")
    parser.add_argument("--ts", action="store_true", help="also serve H.264 MPEG-TS via ffmpeg")
    parser.add_argument("--ts-port", type=int, default=8600, help="first ffmpeg port")
    parser.add_argument("--rtsp", action="store_true", help="also serve live RTSP (H.264)")
    parser.add_argument("--rtsp-port", type=int, default=8654, help="RTSP port")
    parser.add_argument(
        "--register",
        choices=("mjpeg", "ts", "rtsp"),
        default="mjpeg",
        help="which URL the video workers analyse (ts/rtsp switch that server on)",
    )
    parser.add_argument("--prefix", default="SIM", help="camera code prefix")
    parser.add_argument("--codes", default="", help="comma-separated camera codes to simulate")
    parser.add_argument(
        "--no-register", action="store_true", help="do not put the cameras in the Redis registry"
    )
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: never)")


def run(args: argparse.Namespace) -> int:
    from workers.simulator.ffmpeg_ts import TsCamera
    from workers.simulator.mjpeg import MjpegServer, SimCamera
    from workers.simulator.rtsp import H264Source, RtspServer
    from workers.simulator.sources import (
        DEFAULT_FOOTAGE,
        clip_frames,
        footage_clips,
        generated_frames,
    )

    clips = footage_clips()
    if args.register == "ts" and not clips:
        print(
            f"--register ts needs real clips to encode and {DEFAULT_FOOTAGE} has none "
            "(set HAECHI_SHARED_DATA, or register mjpeg or rtsp, which also serve generated scenes)",
            file=sys.stderr,
        )
        return 2
    codes = [c.strip() for c in args.codes.split(",") if c.strip()]
    codes = codes or [f"{args.prefix}-{i + 1:03d}" for i in range(args.cameras)]
    cameras = []
    for i, code in enumerate(codes):
        if clips:
            clip = clips[i % len(clips)]
            fps, frames = clip_frames(clip)
            cameras.append(SimCamera(code, fps, frames, source=str(clip)))
        else:
            fps, frames = generated_frames(i)
            cameras.append(SimCamera(code, fps, frames, source="generated"))
    try:
        server = MjpegServer(cameras, args.host, args.port, max_fps=args.max_fps).start()
    except OSError as err:
        print(f"cannot serve MJPEG on {args.host}:{args.port} ({err}); pick another --port",
              file=sys.stderr)  # fmt: skip
        return 2
    urls = {c.code: server.url(c.code) for c in cameras}
    ts_cams = []
    if (args.ts or args.register == "ts") and clips:
        for i, cam in enumerate(cameras):
            ts = TsCamera(cam.code, clips[i % len(clips)], args.ts_port + i, args.host).start()
            ts_cams.append(ts)
    rtsp = None
    if args.rtsp or args.register == "rtsp":
        sources = [
            H264Source(c.code, clips[i % len(clips)] if clips else None)
            for i, c in enumerate(cameras)
        ]
        try:
            rtsp = RtspServer(sources, args.host, args.rtsp_port).start()
        except OSError as err:
            server.stop()
            print(f"cannot serve RTSP on {args.host}:{args.rtsp_port} ({err}); "
                  "pick another --rtsp-port", file=sys.stderr)  # fmt: skip
            return 2
    for i, cam in enumerate(cameras):
        extra = f"  {ts_cams[i].url}" if ts_cams else ""
        extra += f"  {rtsp.url(cam.code)}" if rtsp is not None else ""
        print(f"{cam.code}  {urls[cam.code]}{extra}  ({cam.source})", flush=True)
    if not args.no_register:
        _register(_registered_urls(args.register, urls, ts_cams, rtsp))
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait(args.seconds or None)
    server.stop()
    if rtsp is not None:
        rtsp.stop()
    for ts in ts_cams:
        ts.stop()
    return 0


def _registered_urls(
    kind: str, mjpeg: dict[str, str], ts_cams: list[TsCamera], rtsp: RtspServer | None
) -> dict[str, str]:
    """The stream URL per camera code that the video workers should open."""
    if kind == "rtsp" and rtsp is not None:  # run() starts the server for --register rtsp
        return {code: rtsp.url(code) for code in mjpeg}
    if kind == "ts":  # run() refuses --register ts without clips, so every camera has one
        return {ts.code: ts.url for ts in ts_cams}
    return mjpeg


def _register(urls: dict[str, str]) -> None:
    """Put the cameras in the Redis registry; a missing Redis only costs the registration."""
    import redis

    from workers.leases import CameraRegistry, CameraSpec
    from workers.settings import get_settings

    url = get_settings().lease_redis_url
    try:
        registry = CameraRegistry(redis.Redis.from_url(url, socket_connect_timeout=2))
        for code, stream_url in urls.items():
            registry.put(CameraSpec(code=code, url=stream_url))
    except redis.RedisError as err:
        print(f"not registered (Redis at {url}: {err})", flush=True)
        return
    print(f"registered {len(urls)} cameras for the video workers", flush=True)
