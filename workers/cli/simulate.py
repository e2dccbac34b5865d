"""`python -m workers simulate [--cameras N | --codes A,B] [--clips CLIP...] [--size WxH]
[--ts] [--rtsp | --rtsp-only] [--register KIND | --no-register]`.

Serves N simulated cameras, cycling through the given clips (by default the ../shared/data/footage
clips, mixed by kind; generated scenes when there are none), as HTTP/MJPEG (`/cam/<code>.mjpg`);
with --ts also as H.264 MPEG-TS over HTTP via ffmpeg, and with --rtsp also as live RTSP
(`rtsp://host:rtsp-port/<code>`, H.264 over RTP/TCP from our own small server in
workers.simulator.rtsp; ffmpeg's testsrc when there are no clips). --rtsp-only serves RTSP alone
(no MJPEG, whose cameras decode and JPEG-encode every frame in Python). RTSP clips are encoded
once (at --size, cached under `$HAECHI_VAR/simulator/`) and then served without encoding, so a
camera costs a fraction of a percent of a core; --live-encode runs one ffmpeg encoder per camera
instead. Use --codes with camera codes from the backend registry so alerts attach to real
cameras. --register (the URLs of one kind into the workers' Redis camera list) is on its way out:
the backend keeps the video hosts' camera list; pass --no-register.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workers.simulator.ffmpeg_ts import TsCamera
    from workers.simulator.rtsp import H264Source, RtspServer

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
        "--rtsp-only", action="store_true", help="serve live RTSP only (no MJPEG server)"
    )
    parser.add_argument(
        "--clips",
        nargs="+",
        default=[],
        metavar="CLIP",
        help="clips to serve, cycled over the cameras (a path, or one relative to the footage "
        "folder, e.g. fight/fi013.mp4); default: the footage clips mixed by kind",
    )
    parser.add_argument(
        "--size",
        default="source",
        help="RTSP picture size, e.g. 1280x720 (scaled to fit, padded); 'source' keeps each clip's",
    )
    parser.add_argument(
        "--fps", type=float, default=0, help="RTSP frame rate (0: each clip's own frame rate)"
    )
    parser.add_argument(
        "--live-encode",
        action="store_true",
        help="RTSP: encode each camera live with ffmpeg instead of serving pre-encoded clips",
    )
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
    from workers.simulator.preencode import parse_size
    from workers.simulator.rtsp import RtspServer
    from workers.simulator.sources import (
        DEFAULT_FOOTAGE,
        clip_frames,
        footage_clips,
        generated_frames,
    )

    try:
        size = parse_size(args.size)
        clips = _clips(args.clips, DEFAULT_FOOTAGE) if args.clips else footage_clips()
    except ValueError as err:
        print(str(err), file=sys.stderr)
        return 2
    if args.register == "ts" and not clips:
        print(
            f"--register ts needs real clips to encode and {DEFAULT_FOOTAGE} has none "
            "(set HAECHI_SHARED_DATA, or register mjpeg or rtsp, which also serve generated scenes)",
            file=sys.stderr,
        )
        return 2
    codes = [c.strip() for c in args.codes.split(",") if c.strip()]
    codes = codes or [f"{args.prefix}-{i + 1:03d}" for i in range(args.cameras)]
    if args.rtsp_only:
        return _serve_rtsp_only(args, codes, clips, size)
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
        sources = _rtsp_sources(args, [c.code for c in cameras], clips, size)
        if sources is None:
            server.stop()
            return 2
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
    _wait(args.seconds)
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


def _clips(given: list[str], footage: Path) -> list[Path]:
    """The --clips paths, each as given or relative to the footage folder (ValueError if absent)."""
    found = []
    for text in given:
        path = Path(text)
        if not path.exists() and (footage / text).exists():
            path = footage / text
        if not path.is_file():
            raise ValueError(f"--clips: no such clip {text!r} (nor under {footage})")
        found.append(path)
    return found


def _rtsp_sources(
    args: argparse.Namespace, codes: list[str], clips: list[Path], size: tuple[int, int] | None
) -> list[H264Source] | None:
    """One RTSP source per code, cycling through the clips; pre-encodes every clip first (once,
    cached) so no client waits for an encoder. None when no clip at all could be encoded."""
    from workers.simulator.preencode import PreencodeError
    from workers.simulator.rtsp import H264Source

    sources = [
        H264Source(
            code,
            clips[i % len(clips)] if clips else None,
            args.fps or None,
            size=size,
            preencoded=not args.live_encode,
        )
        for i, code in enumerate(codes)
    ]
    failed = 0
    for source in sources:
        if not source.preencoded:
            continue
        started = time.monotonic()
        try:
            source.prepare()
        except PreencodeError as err:
            failed += 1
            print(f"{source.code}: {err} (the camera answers 503)", file=sys.stderr, flush=True)
            continue
        took = time.monotonic() - started
        if took > 1:
            print(f"{source.code}: pre-encoded {source.clip} in {took:.1f} s", flush=True)
    if sources and failed == len(sources):
        print("no clip could be encoded; nothing to serve", file=sys.stderr)
        return None
    return sources


def _serve_rtsp_only(
    args: argparse.Namespace, codes: list[str], clips: list[Path], size: tuple[int, int] | None
) -> int:
    """--rtsp-only: the RTSP server alone (no MJPEG decoding, nothing registered)."""
    from workers.simulator.rtsp import RtspServer

    sources = _rtsp_sources(args, codes, clips, size)
    if sources is None:
        return 2
    try:
        rtsp = RtspServer(sources, args.host, args.rtsp_port).start()
    except OSError as err:
        print(f"cannot serve RTSP on {args.host}:{args.rtsp_port} ({err}); "
              "pick another --rtsp-port", file=sys.stderr)  # fmt: skip
        return 2
    for source in sources:
        print(f"{source.code}  {rtsp.url(source.code)}  ({source.clip or 'testsrc'})", flush=True)
    if not args.no_register and args.register == "rtsp":
        _register({code: rtsp.url(code) for code in codes})
    _wait(args.seconds)
    rtsp.stop()
    return 0


def _wait(seconds: float) -> None:
    """Until SIGTERM, Ctrl-C, or `seconds` (0: forever)."""
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait(seconds or None)
