"""The simulator's RTSP server: read live by the workers' own stream code, robust to bad clients."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from tests.shared_data import SHARED_DATA
from workers.simulator import preencode as preencode_module
from workers.simulator.preencode import PreencodeError, parse_size, preencode
from workers.simulator.rtsp import (
    MAX_RTP_PAYLOAD,
    NAL_FU_A,
    AccessUnit,
    AccessUnitAssembler,
    AnnexBSplitter,
    H264Source,
    RtspServer,
    Subscriber,
    rtp_packets,
)
from workers.stream.decode import StreamConfig, StreamStatus, VideoStream

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None,
    reason="ffmpeg is not installed (the RTSP cameras encode with it)",
)
CLIP = SHARED_DATA / "footage" / "fight" / "fi013.mp4"
TESTSRC_SIZE = (640, 360)
READ = StreamConfig(detect_fps=60, open_timeout_s=15, read_timeout_s=5, max_reconnects=0)
FRAMES = 10


def _clip() -> Path | None:
    """The real clip when ../shared/data is present, else None (ffmpeg's testsrc)."""
    return CLIP if CLIP.exists() else None


def _expected_size(clip: Path | None) -> tuple[int, int]:
    if clip is None:
        return TESTSRC_SIZE
    cap = cv2.VideoCapture(str(clip))
    size = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    cap.release()
    return size


def _start(codes: tuple[str, ...] = ("CAM1", "CAM2")) -> RtspServer:
    return RtspServer([H264Source(code, _clip()) for code in codes], port=0).start()


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private pre-encoding cache for this module's servers."""
    return tmp_path_factory.mktemp("simulator-cache")


@pytest.fixture(scope="module")
def server(cache: Path) -> Iterator[RtspServer]:
    """CAM1 and CAM2 serve the clip pre-encoded (the default), LIVE encodes it with ffmpeg."""
    clip = _clip()
    sources = [H264Source(code, clip, cache_dir=cache) for code in ("CAM1", "CAM2")]
    sources.append(H264Source("LIVE", clip, preencoded=False))
    srv = RtspServer(sources, port=0).start()
    yield srv
    srv.stop()


def _read(url: str, count: int = FRAMES) -> list[tuple[int, int]]:
    """Sizes of the first `count` frames the workers' VideoStream reads from `url`."""
    sizes = []
    for frame in VideoStream(url, READ).frames():
        sizes.append(frame.size)
        if len(sizes) == count:
            break
    return sizes


def _exchange(port: int, request: bytes) -> bytes:
    """Send raw bytes, return everything the server answers before it goes quiet or closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


def test_annex_b_is_split_into_frames_and_packetized_per_rfc_6184() -> None:
    sps, pps, idr = b"\x67\x42\xc0\x1e", b"\x68\xce\x3c\x80", b"\x65\x88" + b"\x11" * 3000
    second = b"\x41\x9a" + b"\x22" * 10
    stream = b"\x00\x00\x00\x01" + sps + b"\x00\x00\x01" + pps + b"\x00\x00\x01" + idr
    stream += b"\x00\x00\x00\x01" + second + b"\x00\x00\x01" + b"\x41\x9a\x33"
    splitter, assembler = AnnexBSplitter(), AccessUnitAssembler()
    nals = [n for i in range(0, len(stream), 7) for n in splitter.feed(stream[i : i + 7])]
    nals += splitter.flush()
    assert nals == [sps, pps, idr, second, b"\x41\x9a\x33"]
    units = [u for n in nals if (u := assembler.push(n)) is not None]
    assert units[0] == AccessUnit(0, (sps, pps, idr)) and units[0].is_idr
    assert units[1] == AccessUnit(1, (second,)) and not units[1].is_idr

    packets = rtp_packets(units[0], seq=65534, timestamp=1234, ssrc=7)
    assert [p[1] & 0x80 for p in packets] == [0] * (len(packets) - 1) + [0x80]  # marker
    assert [int.from_bytes(p[2:4], "big") for p in packets[:3]] == [65534, 65535, 0]
    fragments = packets[2:]  # the IDR is too big for one packet: FU-A
    assert all(len(p) - 12 <= MAX_RTP_PAYLOAD for p in packets) and len(fragments) == 3
    assert all(p[12] & 0x1F == NAL_FU_A and p[13] & 0x1F == 5 for p in fragments)
    assert [p[13] & 0xC0 for p in fragments] == [0x80, 0, 0x40]  # start, middle, end
    assert b"".join(p[14:] for p in fragments) == idr[1:]


def test_a_client_starts_and_resyncs_at_an_idr_with_parameter_sets_first() -> None:
    source = H264Source("CAM1", None, fps=25)
    source.sps, source.pps = b"\x67\x42", b"\x68\xce"
    idr, p_frame = b"\x65\x88", b"\x41\x9a"
    sub = Subscriber(source, depth=2)
    sub.offer(AccessUnit(0, (p_frame,)))  # cannot be decoded without the IDR: not sent
    for index in (1, 2, 3):  # the queue holds two frames; the third overflows it
        sub.offer(AccessUnit(index, (idr,) if index == 1 else (p_frame,)))
    sub.offer(AccessUnit(4, (p_frame,)))
    sub.offer(AccessUnit(5, (idr,)))
    assert sub.get(timeout=0) == AccessUnit(5, (source.sps, source.pps, idr))
    assert sub.get(timeout=0) is None
    assert source.timestamp(AccessUnit(25, ())) == 90_000  # one second on the 90 kHz clock


@needs_ffmpeg
@pytest.mark.parametrize("code", ["CAM1", "LIVE"])
def test_video_stream_reads_live_frames_of_the_right_size(server: RtspServer, code: str) -> None:
    sizes = _read(server.url(code))
    assert sizes == [_expected_size(_clip())] * FRAMES


@needs_ffmpeg
def test_a_pre_encoded_camera_runs_no_encoder_and_keeps_real_time(server: RtspServer) -> None:
    source = server.sources["CAM1"]
    assert source.preencoded and source.clip is not None
    started = time.monotonic()
    frames = _read(server.url("CAM1"), count=round(2 * source.fps))  # two seconds of frames
    elapsed = time.monotonic() - started
    assert len(frames) == round(2 * source.fps)
    assert 1.0 <= elapsed <= 8.0  # paced at the camera's rate, not dumped as fast as it can
    assert source._proc is None  # no ffmpeg ever ran for it


@needs_ffmpeg
def test_a_clip_is_encoded_once_at_the_asked_size_and_the_cache_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = _clip() or pytest.skip("needs a real clip (../shared/data/footage)")
    first = H264Source("A", clip, size=(1280, 720), cache_dir=tmp_path).prepare()
    files = list(tmp_path.glob("*.h264"))
    assert len(files) == 1 and first._units is not None
    units = first._units
    assert units[0].is_idr and sum(u.is_idr for u in units) >= len(units) // round(first.fps)
    srv = RtspServer([first], port=0).start()
    try:
        assert set(_read(srv.url("A"), count=3)) == {(1280, 720)}  # padded, not stretched
    finally:
        srv.stop()

    def no_second_encode(*args: object) -> None:
        raise AssertionError("the clip was encoded again")

    monkeypatch.setattr(preencode_module, "_encode", no_second_encode)
    again = H264Source("B", clip, size=(1280, 720), cache_dir=tmp_path).prepare()
    assert again._units is not None and len(again._units) == len(units)
    assert list(tmp_path.glob("*.h264")) == files
    with pytest.raises(AssertionError, match="encoded again"):  # another size is another file
        H264Source("C", clip, size=(640, 360), cache_dir=tmp_path).prepare()


@needs_ffmpeg
def test_a_broken_clip_gives_a_clear_error_and_does_not_spin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video" * 100)
    with pytest.raises(PreencodeError, match=r"cannot encode clip .*broken\.mp4: ffmpeg exited"):
        preencode(broken, size=None, fps=H264Source("X", broken).fps, directory=tmp_path)
    calls = []
    real = preencode_module._encode
    monkeypatch.setattr(preencode_module, "_encode", lambda *a: calls.append(a) or real(*a))
    srv = RtspServer([H264Source("BAD", broken, cache_dir=tmp_path)], port=0).start()
    try:
        started = time.monotonic()
        answer = _exchange(
            srv.port, f"DESCRIBE {srv.url('BAD')} RTSP/1.0\r\nCSeq: 2\r\n\r\n".encode()
        )
        assert answer.startswith(b"RTSP/1.0 503") and time.monotonic() - started < 3
        for _ in range(5):
            _exchange(srv.port, f"DESCRIBE {srv.url('BAD')} RTSP/1.0\r\nCSeq: 3\r\n\r\n".encode())
        assert calls == []  # the failure is remembered: ffmpeg is not run again and again
    finally:
        srv.stop()
    assert not list(tmp_path.glob("*.h264")) and not list(tmp_path.glob(".*.tmp"))


def test_sizes_are_parsed_strictly() -> None:
    assert parse_size("1280x720") == (1280, 720) and parse_size("source") is None
    for bad in ("1280", "1281x720", "axb", "8x8"):
        with pytest.raises(ValueError):
            parse_size(bad)


@needs_ffmpeg
def test_two_clients_of_one_camera_both_get_frames(server: RtspServer) -> None:
    results: dict[int, list[tuple[int, int]]] = {}
    threads = [
        threading.Thread(target=lambda i=i: results.__setitem__(i, _read(server.url("CAM2"))))
        for i in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [len(results.get(i, [])) for i in (0, 1)] == [FRAMES, FRAMES]


@needs_ffmpeg
def test_bad_requests_are_answered_and_the_server_keeps_serving(server: RtspServer) -> None:
    port = server.port
    unknown = _exchange(port, f"DESCRIBE {server.url('NOPE')} RTSP/1.0\r\nCSeq: 2\r\n\r\n".encode())
    assert unknown.startswith(b"RTSP/1.0 404") and b"CSeq: 2" in unknown
    assert _exchange(port, b"\xff\xfegarbage\r\n\r\n").startswith(b"RTSP/1.0 400")
    assert _exchange(port, b"HELLO\r\n\r\n").startswith(b"RTSP/1.0 400")
    method = _exchange(port, f"RECORD {server.url('CAM1')} RTSP/1.0\r\nCSeq: 3\r\n\r\n".encode())
    assert method.startswith(b"RTSP/1.0 405")
    udp = f"SETUP {server.url('CAM1')}/track1 RTSP/1.0\r\nCSeq: 4\r\n"
    udp += "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n"
    assert _exchange(port, udp.encode()).startswith(b"RTSP/1.0 461")
    wide = f"SETUP {server.url('CAM1')}/track1 RTSP/1.0\r\nCSeq: 6\r\n"
    wide += "Transport: RTP/AVP/TCP;unicast;interleaved=300-301\r\n\r\n"  # not one byte
    assert _exchange(port, wide.encode()).startswith(b"RTSP/1.0 461")
    broken_uri = b"DESCRIBE rtsp://[::1/CAM1 RTSP/1.0\r\nCSeq: 7\r\n\r\n"
    assert _exchange(port, broken_uri).startswith(b"RTSP/1.0 400")
    described = _exchange(
        port, f"DESCRIBE {server.url('CAM1')} RTSP/1.0\r\nCSeq: 5\r\n\r\n".encode()
    )
    assert described.startswith(b"RTSP/1.0 200")
    assert len(_read(server.url("CAM1"), count=3)) == 3


@needs_ffmpeg
def test_stopping_the_server_makes_the_reader_reconnect_and_give_up() -> None:
    srv = _start(("CAM1",))
    config = StreamConfig(
        detect_fps=60,
        open_timeout_s=15,
        read_timeout_s=3,
        max_reconnects=2,
        reconnect_initial_s=0.2,
    )
    stream = VideoStream(srv.url("CAM1"), config)
    stopped_at = None
    try:
        for count, _frame in enumerate(stream.frames(), start=1):
            if count == 5:
                srv.stop()
                stopped_at = time.monotonic()
    finally:
        srv.stop()
    assert stopped_at is not None
    assert time.monotonic() - stopped_at < 12  # no hang: read timeout + two refused reconnects
    kinds = [s for s, _, _ in stream.statuses]
    assert StreamStatus.RECONNECTING in kinds and kinds[-1] == StreamStatus.FAILED
