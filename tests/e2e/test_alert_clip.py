"""An alert's evidence clip plays in the agent's browser: the clip a video worker writes
(`write_clip_frames`, blurred, H.264) is ingested with its alert, the agent opens the alert, and
Chromium's `<video>` decodes it, plays it and seeks through it over the clip endpoint."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import pytest

from backend.accounts.roles import Role
from backend.alerts.models import Alert
from backend.config import env
from tests.e2e.conftest import broker_app, screenshot, wait_for_worker
from tests.factories import CITY_HALL, make_camera, make_user
from tests.workers.synthetic import textured_background
from workers.contracts import BehaviourEvent
from workers.media import FrameRing, MediaConfig, write_clip_frames
from workers.publish import Publisher

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.slow]

FPS = 10
SECONDS = 6


def moving_scene_clip(path: Path) -> int:
    """A 6 s, 10 fps scene (640x360) with a "person" walking across it, through the worker's
    own frame ring and clip writer (heads blurred as in production)."""
    config = MediaConfig(pre_s=3, post_s=3, blur_faces=False)
    ring = FrameRing(config)
    background = textured_background(11, (640, 360))
    for i in range(FPS * SECONDS):
        img = background.copy()
        x = 40 + 8 * i
        box = (x, 80, x + 60, 300)
        cv2.rectangle(img, (x, 80), (x + 60, 300), (40, 40, 200), -1)
        cv2.circle(img, (x + 30, 110), 22, (200, 220, 255), -1)
        ring.add(i / FPS, img, [box])
    return write_clip_frames(path, ring.clip_frames(3.0, 3.0), config)


def video_stream(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,pix_fmt,profile", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)["streams"][0]


@pytest.fixture
def clip_path():  # type: ignore[no-untyped-def]
    """A clip file where the server (daphne, same environment) looks for worker media."""
    path = env.WORKER_MEDIA_DIR / "e2e-clips" / f"{uuid.uuid4()}.mp4"
    yield path
    path.unlink(missing_ok=True)


def test_agent_plays_the_alert_clip_in_the_browser(login, ingest_worker, tmp_path, clip_path):
    assert moving_scene_clip(clip_path) >= 50
    stream = video_stream(clip_path)
    assert (stream["codec_name"], stream["pix_fmt"]) == ("h264", "yuv420p"), stream

    make_camera(*CITY_HALL, code="CAM-CLIP")
    make_user(Role.AGENT, "11140", username="agent-clip")
    page = login("agent-clip")
    page.wait_for_selector(".conn-open", timeout=20_000)
    wait_for_worker(broker_app(ingest_worker))
    now = datetime.now(UTC)
    event = BehaviourEvent(
        event_id=uuid.uuid4(), camera="CAM-CLIP", type="fight", severity="high", score=0.9,
        started_at=now - timedelta(seconds=3), ended_at=now, track_ids=[1],
        clip=str(clip_path),
    )  # fmt: skip
    assert Publisher(broker_app(ingest_worker), tmp_path / "outbox").publish(event)
    page.wait_for_selector(".feed li.alert", timeout=20_000)
    alert = Alert.objects.get(event_uuid=event.event_id)
    page.click(f".feed li[data-alert-id='{alert.pk}'] button")
    page.wait_for_selector(".alert-detail video.clip")

    can_play = page.evaluate(
        """() => document.querySelector('.alert-detail video.clip')
                   .canPlayType('video/mp4; codecs="avc1.64001E"')"""
    )
    assert can_play in ("probably", "maybe"), "this Chromium cannot play H.264 MP4"
    # HAVE_CURRENT_DATA: the browser fetched (byte ranges) and decoded the first frame.
    page.wait_for_function(
        """() => { const v = document.querySelector('.alert-detail video.clip');
                   return v.error !== null || v.readyState >= 2; }""",
        timeout=15_000,
    )
    state = page.evaluate(
        """() => { const v = document.querySelector('.alert-detail video.clip');
                   return {error: v.error && v.error.code, ready: v.readyState,
                           duration: v.duration, w: v.videoWidth, h: v.videoHeight}; }"""
    )
    assert state["error"] is None, f"MediaError code {state['error']}"
    assert state["ready"] >= 2 and (state["w"], state["h"]) == (640, 360)
    assert state["duration"] == pytest.approx(SECONDS, abs=0.3)

    page.evaluate(
        """() => { const v = document.querySelector('.alert-detail video.clip');
                   v.muted = true; return v.play(); }"""
    )
    page.wait_for_function(
        "() => document.querySelector('.alert-detail video.clip').currentTime > 0.5",
        timeout=15_000,
    )
    # Seeking near the end works too (it needs a byte range of the file).
    page.evaluate(
        """() => { const v = document.querySelector('.alert-detail video.clip');
                   v.pause(); v.currentTime = 5.0; }"""
    )
    page.wait_for_function(
        """() => { const v = document.querySelector('.alert-detail video.clip');
                   return !v.seeking && v.currentTime >= 4.9 && v.readyState >= 2; }""",
        timeout=15_000,
    )
    assert page.evaluate("document.querySelector('.alert-detail video.clip').error") is None
    # what the browser decoded is the scene (grey-ish textured background), not a blank frame
    mean = page.evaluate(
        """() => { const v = document.querySelector('.alert-detail video.clip');
                   const c = document.createElement('canvas'); c.width = 64; c.height = 36;
                   const g = c.getContext('2d'); g.drawImage(v, 0, 0, 64, 36);
                   const d = g.getImageData(0, 0, 64, 36).data; let s = 0;
                   for (let i = 0; i < d.length; i += 4) s += d[i + 1];
                   return s / (d.length / 4); }"""
    )
    assert 40 < mean < 220, mean
    screenshot(page, "agent-alert-clip-playing")
