"""A small live RTSP 1.0 server (RFC 2326) for simulated cameras: H.264 over RTP (RFC 6184).

One TCP port serves N cameras at `rtsp://host:port/<code>`. A camera with a clip serves it
pre-encoded: the clip is encoded once (workers.simulator.preencode: Annex-B H.264 at a fixed size
and frame rate, cached under `$HAECHI_VAR/simulator/`), read into memory as access units (frames)
and paced out in real time, looping, by one thread — no encoder runs while it is served, so a
camera costs a fraction of a percent of a core. A camera without a clip (or with
`preencoded=False`) runs an ffmpeg that encodes ffmpeg's `testsrc` (or the looped clip) live to
Annex-B H.264 on its stdout, which is split into NAL units and grouped into access units. Either
way the frames are fanned out to every client of that camera; the pacing thread (or ffmpeg)
starts with the first client and stops when the last one has been gone for a while.

RTP goes over the RTSP connection (`RTP/AVP/TCP;interleaved=0-1`); a UDP-only SETUP is answered
`461 Unsupported Transport`, on which FFmpeg (and OpenCV, which prefers TCP anyway) retries over
TCP. Methods: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER (keep-alive). Unknown
cameras get 404, malformed requests 400 (and the connection is closed), other methods 405. A
client starts at the next IDR frame, with SPS/PPS sent first; a client that falls behind is
skipped forward to the next IDR. No RTCP sender reports are sent (players do not need them).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import logging
import queue
import secrets
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import IO

from workers.simulator.preencode import PreencodeError, load_access_units, preencode
from workers.simulator.sources import clip_fps

log = logging.getLogger(__name__)

RTSP_VERSION = "RTSP/1.0"
SERVER_NAME = "Haechi-simulator"
METHODS = ("OPTIONS", "DESCRIBE", "SETUP", "PLAY", "TEARDOWN", "GET_PARAMETER")
REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    461: "Unsupported Transport",
    503: "Service Unavailable",
}

RTP_CLOCK_HZ = 90_000
RTP_VERSION_BYTE = 0x80  # V=2, no padding, no extension, no CSRC
RTP_MARKER = 0x80
PAYLOAD_TYPE = 96
MAX_RTP_PAYLOAD = 1400  # bytes; bigger NAL units are fragmented (FU-A)
NAL_FU_A = 28
NAL_IDR, NAL_SEI, NAL_SPS, NAL_PPS, NAL_AUD = 5, 6, 7, 8, 9
NAL_NON_IDR = 1
FU_START, FU_END = 0x80, 0x40
START_CODE = b"\x00\x00\x01"
START_CODE_LEN = len(START_CODE)
INTERLEAVED_MAGIC = 0x24  # '$' before each RTP/RTCP packet on the RTSP connection

SESSION_TIMEOUT_S = 60  # announced to clients; a silent connection is closed after this
MAX_HEADER_BYTES = 8192
MAX_HEADER_LINES = 64
MAX_BODY_BYTES = 65536
PARAMS_WAIT_S = 8.0  # how long DESCRIBE waits for a fresh ffmpeg to emit SPS/PPS
CLIENT_QUEUE_FRAMES = 50  # a client further behind than this skips to the next IDR
IDLE_STOP_S = 10.0  # ffmpeg stops after this long without clients
RESTART_DELAY_S = 0.5  # before restarting an ffmpeg that exited while clients are watching
MAX_RESTART_DELAY_S = 30.0  # doubling up to this while runs produce no frame (a broken clip)
MAX_PACING_LAG_S = 1.0  # a pre-encoded camera further behind its clock than this resets it
ACCEPT_POLL_S = 0.2
READ_CHUNK = 65536
MAX_CHANNEL = 254  # interleaved channels are one byte; RTCP takes channel + 1
DEFAULT_FPS = 25.0
TESTSRC_SIZE = "640x360"


@dataclass(frozen=True)
class AccessUnit:
    """The NAL units of one frame, numbered on the camera's frame clock."""

    index: int
    nals: tuple[bytes, ...]

    @property
    def is_idr(self) -> bool:
        """True when a client may start decoding here."""
        return any(nal_type(n) == NAL_IDR for n in self.nals)


def nal_type(nal: bytes) -> int:
    """The nal_unit_type of a NAL unit (without start code)."""
    return nal[0] & 0x1F if nal else 0


class AnnexBSplitter:
    """Splits an Annex-B byte stream (start codes 00 00 01 / 00 00 00 01) into NAL units."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the NAL units that are now complete (followed by a start code)."""
        self._buf += data
        starts = _start_codes(self._buf)
        if len(starts) < 2:
            return []
        nals = [_trim(self._buf[a : b - START_CODE_LEN]) for a, b in itertools.pairwise(starts)]
        del self._buf[: starts[-1] - START_CODE_LEN]  # keep the last start code
        return [n for n in nals if n]

    def flush(self) -> list[bytes]:
        """The last NAL unit at end of stream."""
        starts = _start_codes(self._buf)
        tail = _trim(self._buf[starts[0] :]) if starts else b""
        self._buf.clear()
        return [tail] if tail else []


def _start_codes(buf: bytearray) -> list[int]:
    """Offsets just after each 00 00 01 start code."""
    found, i = [], buf.find(START_CODE)
    while i >= 0:
        found.append(i + START_CODE_LEN)
        i = buf.find(START_CODE, i + START_CODE_LEN)
    return found


def _trim(nal: bytearray) -> bytes:
    """Drop the zero bytes that precede the next start code (a NAL never ends in zero)."""
    return bytes(nal.rstrip(b"\x00"))


class AccessUnitAssembler:
    """Groups NAL units into access units (RFC 6184 needs the marker on each frame's end)."""

    def __init__(self) -> None:
        self._nals: list[bytes] = []
        self._has_vcl = False
        self.frames = 0

    def push(self, nal: bytes) -> AccessUnit | None:
        """Add a NAL unit; return the previous access unit when this one starts a new frame."""
        done = self._finish() if self._has_vcl and _starts_frame(nal) else None
        self._nals.append(nal)
        self._has_vcl = self._has_vcl or nal_type(nal) in (NAL_NON_IDR, NAL_IDR)
        return done

    def flush(self) -> AccessUnit | None:
        """The last access unit at end of stream."""
        return self._finish() if self._has_vcl else None

    def _finish(self) -> AccessUnit:
        unit = AccessUnit(self.frames, tuple(self._nals))
        self.frames += 1
        self._nals, self._has_vcl = [], False
        return unit


def _starts_frame(nal: bytes) -> bool:
    """AUD/SEI/SPS/PPS, or a slice with first_mb_in_slice == 0 (ue(v) 0 is a single 1 bit)."""
    kind = nal_type(nal)
    if kind in (NAL_AUD, NAL_SEI, NAL_SPS, NAL_PPS):
        return True
    return kind in (NAL_NON_IDR, NAL_IDR) and len(nal) > 1 and bool(nal[1] & 0x80)


def rtp_packets(unit: AccessUnit, *, seq: int, timestamp: int, ssrc: int) -> list[bytes]:
    """The RTP packets of an access unit, numbered from `seq`, marker bit on the last one."""
    payloads = [p for nal in unit.nals for p in _payloads(nal)]
    packets = []
    for i, payload in enumerate(payloads):
        marker = RTP_MARKER if i == len(payloads) - 1 else 0
        header = struct.pack(
            "!BBHII",
            RTP_VERSION_BYTE,
            marker | PAYLOAD_TYPE,
            (seq + i) & 0xFFFF,
            timestamp & 0xFFFFFFFF,
            ssrc,
        )
        packets.append(header + payload)
    return packets


def _payloads(nal: bytes) -> list[bytes]:
    """A single NAL unit packet, or FU-A fragments when the NAL is too big for one packet."""
    if len(nal) <= MAX_RTP_PAYLOAD:
        return [nal]
    indicator = (nal[0] & 0xE0) | NAL_FU_A
    kind = nal[0] & 0x1F
    body, step = nal[1:], MAX_RTP_PAYLOAD - 2
    chunks = [body[i : i + step] for i in range(0, len(body), step)]
    out = []
    for i, chunk in enumerate(chunks):
        flags = (FU_START if i == 0 else 0) | (FU_END if i == len(chunks) - 1 else 0)
        out.append(bytes((indicator, flags | kind)) + chunk)
    return out


class Subscriber:
    """One client's queue of access units; starts at an IDR and re-syncs at one after overflow."""

    def __init__(self, source: H264Source, depth: int = CLIENT_QUEUE_FRAMES) -> None:
        self.source = source
        self._queue: queue.Queue[AccessUnit] = queue.Queue(maxsize=depth)
        self._waiting_for_idr = True

    def offer(self, unit: AccessUnit) -> None:
        """Called by the camera's reader thread for every frame."""
        if self._waiting_for_idr:
            if not unit.is_idr:
                return
            self._waiting_for_idr = False
            unit = self.source.with_parameter_sets(unit)
        try:
            self._queue.put_nowait(unit)
        except queue.Full:
            log.warning("camera %s: client fell behind, skipping to the next IDR", self.source.code)
            with contextlib.suppress(queue.Empty):
                while True:
                    self._queue.get_nowait()
            self._waiting_for_idr = True

    def get(self, timeout: float) -> AccessUnit | None:
        """The next frame, or None after `timeout` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


class H264Source:
    """One camera, shared by its clients: `clip` pre-encoded once and paced out in real time
    (the default), or an ffmpeg encoding testsrc (no clip) or the clip (`preencoded=False`) live.

    `size` (width, height) scales the picture to fit and pads it; None keeps the clip's size
    (testsrc: 640x360). `cache_dir` overrides `$HAECHI_VAR/simulator` for the pre-encoded files.
    """

    def __init__(
        self,
        code: str,
        clip: Path | None = None,
        fps: float | None = None,
        *,
        size: tuple[int, int] | None = None,
        preencoded: bool = True,
        cache_dir: Path | None = None,
    ) -> None:
        self.code, self.clip, self.size = code, clip, size
        self.preencoded = preencoded and clip is not None
        self.cache_dir = cache_dir
        rate = fps or (clip_fps(clip, DEFAULT_FPS) if clip is not None else DEFAULT_FPS)
        self.fps = Fraction(rate).limit_denominator(1001)
        self._units: tuple[AccessUnit, ...] | None = None
        self.sps: bytes | None = None
        self.pps: bytes | None = None
        self._params_ready = threading.Event()
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._frame_offset = 0  # frame clock keeps running across ffmpeg restarts
        self._stop = threading.Event()

    def prepare(self) -> H264Source:
        """Encode the clip now (once; cached) and load its frames, so the first client does not
        wait for the encoder; raises PreencodeError for a clip that cannot be encoded. Nothing
        to do for a live camera."""
        self._load_units()
        return self

    def command(self) -> list[str]:
        """The live ffmpeg command line: real-time Annex-B H.264 on stdout, IDR every second."""
        gop = str(max(1, round(self.fps)))
        scale: list[str] = []
        if self.clip is None:
            size = f"{self.size[0]}x{self.size[1]}" if self.size else TESTSRC_SIZE
            source = ["-re", "-f", "lavfi", "-i", f"testsrc=size={size}:rate={self.fps}"]
        else:
            source = ["-re", "-stream_loop", "-1", "-i", str(self.clip)]
            if self.size is not None:
                w, h = self.size
                scale = ["-vf", f"scale={w}:{h}:force_original_aspect_ratio=decrease:"
                         f"force_divisible_by=2,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1"]  # fmt: skip
        return [
            "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", *source, *scale,
            "-an", "-r", str(self.fps), "-pix_fmt", "yuv420p", "-c:v", "libx264",
            "-preset", "ultrafast", "-tune", "zerolatency", "-g", gop, "-bf", "0",
            "-f", "h264", "-",
        ]  # fmt: skip

    def subscribe(self) -> Subscriber:
        """A new client queue; starts serving if it is not running."""
        sub = Subscriber(self)
        with self._lock:
            self._subscribers.add(sub)
            self._ensure_running()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """Forget a client (serving stops after `IDLE_STOP_S` without clients)."""
        with self._lock:
            self._subscribers.discard(sub)

    def parameter_sets(self, timeout: float = PARAMS_WAIT_S) -> tuple[bytes, bytes] | None:
        """(SPS, PPS): from the pre-encoded clip (encoding it now if `prepare` was not called;
        None at once for a clip that cannot be encoded), or from a live ffmpeg started now."""
        if self.preencoded:
            try:
                self._load_units()
            except PreencodeError as err:
                log.error("camera %s: %s", self.code, err)
                return None
        with self._lock:
            if not self._params_ready.is_set():
                self._ensure_running()
        if not self._params_ready.wait(timeout) or self.sps is None or self.pps is None:
            return None
        return self.sps, self.pps

    def with_parameter_sets(self, unit: AccessUnit) -> AccessUnit:
        """The IDR access unit with SPS/PPS in front when the encoder did not repeat them."""
        kinds = {nal_type(n) for n in unit.nals}
        if {NAL_SPS, NAL_PPS} <= kinds or self.sps is None or self.pps is None:
            return unit
        return AccessUnit(unit.index, (self.sps, self.pps, *unit.nals))

    def timestamp(self, unit: AccessUnit) -> int:
        """The frame's time on the 90 kHz RTP clock (before a client's random offset)."""
        return round(unit.index * RTP_CLOCK_HZ / self.fps)

    def stop(self) -> None:
        """Stop ffmpeg and the reader thread."""
        self._stop.set()
        thread = self._thread
        self._kill()
        if thread is not None:
            thread.join(timeout=5)

    def _ensure_running(self) -> None:
        """Start the reader thread (caller holds the lock)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, daemon=True, name=f"rtsp-{self.code}")
            self._thread.start()

    def _run(self) -> None:
        """Serve while there are (or recently were) clients, restarting after a failure; the
        delay doubles while runs produce no frame, so a broken clip does not spin."""
        delay = RESTART_DELAY_S
        while True:
            frames_before = self._frame_offset
            ended = self._pump_preencoded() if self.preencoded else self._pump()
            with self._lock:  # decided under the lock so a new client restarts the thread
                if self._stop.is_set() or not self._subscribers:
                    self._thread = None
                    return
            produced = self._frame_offset > frames_before
            delay = RESTART_DELAY_S if produced else min(delay * 2, MAX_RESTART_DELAY_S)
            log.warning("camera %s: %s, restarting in %.1f s", self.code, ended, delay)
            self._stop.wait(delay)

    def _load_units(self) -> tuple[AccessUnit, ...]:
        """The pre-encoded clip's frames (encoding it on first use); SPS/PPS known from them."""
        if self._units is None:
            if self.clip is None or not self.preencoded:
                return ()
            path = preencode(self.clip, size=self.size, fps=self.fps, directory=self.cache_dir)
            units = load_access_units(path)
            for nal in units[0].nals:  # the first frame is an IDR with SPS/PPS in front
                self._publish(None, nal)
            self._units = units
        return self._units

    def _pump_preencoded(self) -> str:
        """Pace the pre-encoded frames out in real time, looping, until stopped or idle; the
        RTP clock follows the frame index, so looping never jumps back in time."""
        try:
            units = self._load_units()
        except PreencodeError as err:
            log.error("camera %s: %s", self.code, err)
            return "no pre-encoded clip"
        period = 1 / float(self.fps)
        start, sent = time.monotonic(), 0
        idle_since: float | None = None
        while not self._stop.is_set():
            lag = time.monotonic() - (start + sent * period)
            if lag < 0:
                self._stop.wait(-lag)
                continue
            if lag > MAX_PACING_LAG_S:  # the machine stalled: carry on from now, do not burst
                start, sent = time.monotonic(), 0
            unit = units[self._frame_offset % len(units)]
            self._publish(AccessUnit(self._frame_offset, unit.nals), b"")
            self._frame_offset += 1
            sent += 1
            idle_since = None if self._has_clients() else (idle_since or time.monotonic())
            if idle_since is not None and time.monotonic() - idle_since > IDLE_STOP_S:
                return "idle"
        return "stopped"

    def _pump(self) -> str:
        """Read one ffmpeg run's output and hand each frame to the clients."""
        if self._stop.is_set():
            return "stopped"
        proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        self._proc = proc
        assert proc.stdout is not None
        splitter, assembler = AnnexBSplitter(), AccessUnitAssembler()
        assembler.frames = self._frame_offset
        idle_since: float | None = None
        try:
            for chunk in _chunks(proc.stdout):
                for nal in splitter.feed(chunk):
                    self._publish(assembler.push(nal), nal)
                idle_since = None if self._has_clients() else (idle_since or time.monotonic())
                if self._stop.is_set() or (
                    idle_since is not None and time.monotonic() - idle_since > IDLE_STOP_S
                ):
                    break
            else:
                for nal in splitter.flush():
                    self._publish(assembler.push(nal), nal)
                self._publish(assembler.flush(), b"")
        finally:
            self._frame_offset = assembler.frames
            self._kill()
        code = self._proc.returncode if self._proc is not None else None
        return f"ffmpeg exited ({code})"

    def _publish(self, unit: AccessUnit | None, nal: bytes) -> None:
        """Remember parameter sets; give a finished frame to every client."""
        if nal_type(nal) == NAL_SPS:
            self.sps = nal
        elif nal_type(nal) == NAL_PPS:
            self.pps = nal
        if self.sps is not None and self.pps is not None:
            self._params_ready.set()
        if unit is None:
            return
        with self._lock:
            subscribers = list(self._subscribers)
        for sub in subscribers:
            sub.offer(unit)

    def _has_clients(self) -> bool:
        """True while at least one client is subscribed."""
        with self._lock:
            return bool(self._subscribers)

    def _kill(self) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """Bytes from a pipe as they arrive, until end of file."""
    read = getattr(stream, "read1", stream.read)
    while chunk := read(READ_CHUNK):
        yield chunk


class BadRequest(ValueError):
    """A request that cannot be parsed; answered 400 and the connection is closed."""


@dataclass
class Request:
    """One parsed RTSP request."""

    method: str
    uri: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def cseq(self) -> str:
        """The sequence number the response must echo."""
        return self.headers.get("cseq", "0")


@dataclass
class Response:
    """One RTSP response."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def encode(self, cseq: str) -> bytes:
        """The response on the wire, echoing the request's CSeq."""
        lines = [f"{RTSP_VERSION} {self.status} {REASONS.get(self.status, 'Error')}"]
        headers = {"CSeq": cseq, "Server": SERVER_NAME, **self.headers}
        if self.body:
            headers["Content-Length"] = str(len(self.body))
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def read_request(rfile: IO[bytes]) -> Request | None:
    """The next request from the connection, skipping interleaved RTCP; None at end of file."""
    while True:
        first = rfile.read(1)
        if not first:
            return None
        if first[0] == INTERLEAVED_MAGIC:  # the client's RTCP receiver reports: ignore
            head = rfile.read(3)
            if len(head) < 3:
                return None
            rfile.read(struct.unpack("!xH", head)[0])
            continue
        line = first + _read_line(rfile)
        if line.strip():
            return _parse(line, rfile)


def _read_line(rfile: IO[bytes]) -> bytes:
    """One CRLF-terminated line (raises BadRequest when it is too long or cut off)."""
    line = rfile.readline(MAX_HEADER_BYTES)
    if not line.endswith(b"\n"):
        raise BadRequest("line too long or connection closed mid-request")
    return line


def _parse(line: bytes, rfile: IO[bytes]) -> Request:
    """Parse the request line, headers and body (raises BadRequest)."""
    try:
        method, uri, version = line.decode("ascii").split()
    except (UnicodeDecodeError, ValueError) as err:
        raise BadRequest("bad request line") from err
    if not version.startswith("RTSP/1.") or not method.replace("_", "").isalpha():
        raise BadRequest("not an RTSP/1.x request")
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        raw = _read_line(rfile)
        if not raw.strip():
            break
        name, sep, value = raw.decode("latin-1").partition(":")
        if not sep:
            raise BadRequest("bad header line")
        headers[name.strip().lower()] = value.strip()
    else:
        raise BadRequest("too many headers")
    if "cseq" not in headers:
        raise BadRequest("no CSeq")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError as err:
        raise BadRequest("bad Content-Length") from err
    if not 0 <= length <= MAX_BODY_BYTES:
        raise BadRequest("bad Content-Length")
    return Request(method.upper(), uri, headers, rfile.read(length))


def camera_path(uri: str) -> tuple[str, str]:
    """(camera code, track control) of `rtsp://host:port/<code>[/track]`."""
    try:
        path = urllib.parse.urlsplit(uri).path if "://" in uri else uri
    except ValueError as err:  # e.g. an unclosed IPv6 bracket
        raise BadRequest(f"bad URI {uri!r}: {err}") from err
    parts = [urllib.parse.unquote(p) for p in path.split("/") if p]
    return (parts[0], "/".join(parts[1:])) if parts else ("", "")


@dataclass
class Session:
    """A client's RTP session on its RTSP connection."""

    id: str
    source: H264Source
    channel: int
    ssrc: int = field(default_factory=lambda: secrets.randbits(32))
    seq: int = field(default_factory=lambda: secrets.randbits(16))
    ts_base: int = field(default_factory=lambda: secrets.randbits(32))
    subscriber: Subscriber | None = None
    sender: threading.Thread | None = None


class Connection:
    """One client connection: requests in, responses and interleaved RTP out."""

    def __init__(self, server: RtspServer, sock: socket.socket, peer: str) -> None:
        self.server, self.sock, self.peer = server, sock, peer
        self.session: Session | None = None
        self._send_lock = threading.Lock()
        self._closed = threading.Event()

    def serve(self) -> None:
        """Answer requests until the client leaves, sends garbage or the server stops."""
        self.sock.settimeout(SESSION_TIMEOUT_S)
        rfile = self.sock.makefile("rb")
        try:
            while not self._closed.is_set():
                try:
                    request = read_request(rfile)
                    if request is None:
                        return
                    response = self._answer(request)
                except BadRequest as err:
                    log.info("rtsp %s: %s", self.peer, err)
                    self._send(Response(400, {"Connection": "close"}).encode("0"))
                    return
                self._send(response.encode(request.cseq))
        except OSError as err:  # reset, timeout, or closed by stop()
            log.debug("rtsp %s: connection ended (%s)", self.peer, err)
        finally:
            rfile.close()
            self.close()

    def close(self) -> None:
        """Stop streaming and close the socket (safe to call twice, from any thread)."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._end_session()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.server.forget(self)

    def _answer(self, req: Request) -> Response:
        """Dispatch a request: 405 for other methods, 404 for unknown cameras."""
        handler = {
            "OPTIONS": self._options,
            "DESCRIBE": self._describe,
            "SETUP": self._setup,
            "PLAY": self._play,
            "TEARDOWN": self._teardown,
            "GET_PARAMETER": self._get_parameter,
        }.get(req.method)
        if handler is None:
            return Response(405, {"Allow": ", ".join(METHODS)})
        if req.method not in ("OPTIONS", "GET_PARAMETER"):
            code, _track = camera_path(req.uri)
            if code not in self.server.sources:
                return Response(404)
        return handler(req)

    def _options(self, req: Request) -> Response:
        return Response(200, {"Public": ", ".join(METHODS)})

    def _describe(self, req: Request) -> Response:
        code, _ = camera_path(req.uri)
        source = self.server.sources[code]
        params = source.parameter_sets()
        if params is None:
            return Response(503)
        base = req.uri.rstrip("/") + "/"
        return Response(
            200,
            {"Content-Base": base, "Content-Type": "application/sdp"},
            sdp(source, params, self.server.host).encode(),
        )

    def _setup(self, req: Request) -> Response:
        if self.session is not None:
            return Response(455)  # one session per connection, one track per session
        transport = req.headers.get("transport", "")
        channel = _interleaved_channel(transport)
        if channel is None:
            return Response(461)
        code, _ = camera_path(req.uri)
        self.session = Session(secrets.token_hex(8), self.server.sources[code], channel)
        return Response(
            200,
            {
                "Transport": f"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1};"
                f"ssrc={self.session.ssrc:08X}",
                "Session": f"{self.session.id};timeout={SESSION_TIMEOUT_S}",
            },
        )

    def _play(self, req: Request) -> Response:
        session = self._own_session(req)
        if session is None:
            return Response(454)
        if session.sender is None:
            session.subscriber = session.source.subscribe()
            session.sender = threading.Thread(
                target=self._stream, args=(session,), daemon=True, name=f"rtp-{self.peer}"
            )
            session.sender.start()
        return Response(200, {"Session": session.id, "Range": "npt=0.000-"})

    def _teardown(self, req: Request) -> Response:
        if self._own_session(req) is None:
            return Response(454)
        self._end_session()
        return Response(200)

    def _get_parameter(self, req: Request) -> Response:
        if "session" in req.headers and self._own_session(req) is None:
            return Response(454)
        return Response(200)

    def _own_session(self, req: Request) -> Session | None:
        given = req.headers.get("session", "").split(";")[0].strip()
        return self.session if self.session is not None and given == self.session.id else None

    def _end_session(self) -> None:
        session, self.session = self.session, None
        if session is not None and session.subscriber is not None:
            session.source.unsubscribe(session.subscriber)
            session.subscriber = None

    def _stream(self, session: Session) -> None:
        """Send the session's frames as interleaved RTP until it ends."""
        first_ts: int | None = None
        try:
            while self.session is session and (sub := session.subscriber) is not None:
                unit = sub.get(timeout=ACCEPT_POLL_S)
                if unit is None:
                    continue
                ts = session.source.timestamp(unit)
                first_ts = ts if first_ts is None else first_ts
                stamp = session.ts_base + ts - first_ts
                packets = rtp_packets(unit, seq=session.seq, timestamp=stamp, ssrc=session.ssrc)
                session.seq = (session.seq + len(packets)) & 0xFFFF
                self._send(b"".join(_interleaved(session.channel, p) for p in packets))
        except OSError as err:
            log.debug("rtsp %s: stopped sending (%s)", self.peer, err)
            self.close()

    def _send(self, data: bytes) -> None:
        with self._send_lock:
            self.sock.sendall(data)


def _interleaved(channel: int, packet: bytes) -> bytes:
    """An RTP packet framed for the RTSP connection (RFC 2326 §10.12)."""
    return struct.pack("!BBH", INTERLEAVED_MAGIC, channel, len(packet)) + packet


def _interleaved_channel(transport: str) -> int | None:
    """The RTP channel of the first TCP-interleaved transport the client offers, else None
    (also for a channel that does not fit the one-byte field next to its RTCP channel)."""
    for spec in transport.split(","):
        parts = [p.strip() for p in spec.split(";")]
        if not parts[0].upper().startswith("RTP/AVP/TCP"):
            continue
        for part in parts[1:]:
            if part.lower().startswith("interleaved="):
                try:
                    channel = int(part.split("=", 1)[1].split("-")[0])
                except ValueError:
                    return None
                return channel if 0 <= channel <= MAX_CHANNEL else None
        return 0
    return None


def sdp(source: H264Source, params: tuple[bytes, bytes], host: str) -> str:
    """Session description: one H.264 video track (RFC 6184 packetization mode 1)."""
    sps, pps = params
    sprop = ",".join(base64.b64encode(p).decode() for p in (sps, pps))
    profile = sps[1:4].hex().upper()
    lines = [
        "v=0",
        f"o=- {secrets.randbits(32)} 1 IN IP4 {host}",
        f"s=Haechi simulated camera {source.code}",
        "c=IN IP4 0.0.0.0",
        "t=0 0",
        "a=control:*",
        "a=range:npt=now-",
        f"m=video 0 RTP/AVP {PAYLOAD_TYPE}",
        f"a=rtpmap:{PAYLOAD_TYPE} H264/{RTP_CLOCK_HZ}",
        f"a=fmtp:{PAYLOAD_TYPE} packetization-mode=1;profile-level-id={profile};"
        f"sprop-parameter-sets={sprop}",
        f"a=framerate:{float(source.fps):.3f}",
        "a=control:track1",
    ]
    return "\r\n".join(lines) + "\r\n"


class RtspServer:
    """`rtsp://host:port/<code>` for each camera, on one TCP port (port 0: any free port)."""

    def __init__(self, sources: list[H264Source], host: str = "127.0.0.1", port: int = 0) -> None:
        if shutil.which("ffmpeg") is None:
            raise RuntimeError("ffmpeg is not installed")
        self.sources = {s.code: s for s in sources}
        self.host = host
        self._listener = socket.create_server((host, port))
        self.port = int(self._listener.getsockname()[1])
        self._listener.settimeout(ACCEPT_POLL_S)
        self._connections: set[Connection] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="rtsp-accept")

    def url(self, code: str) -> str:
        """The camera's RTSP URL."""
        return f"rtsp://{self.host}:{self.port}/{urllib.parse.quote(code)}"

    def start(self) -> RtspServer:
        """Accept clients in a background thread."""
        self._thread.start()
        log.info("RTSP server on %s:%d for %d cameras", self.host, self.port, len(self.sources))
        return self

    def stop(self) -> None:
        """Close the port and every connection, and stop the ffmpeg encoders."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            conn.close()
        for source in self.sources.values():
            source.stop()

    def forget(self, conn: Connection) -> None:
        """Called by a connection once it is closed."""
        with self._lock:
            self._connections.discard(conn)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError as err:
                log.warning("RTSP accept failed: %s", err)
                continue
            conn = Connection(self, sock, f"{addr[0]}:{addr[1]}")
            with self._lock:
                self._connections.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True, name="rtsp").start()

    @staticmethod
    def _serve(conn: Connection) -> None:
        try:
            conn.serve()
        except Exception:  # the boundary of a client thread: one bad client never stops the rest
            log.exception("rtsp %s: unexpected error", conn.peer)
            conn.close()
