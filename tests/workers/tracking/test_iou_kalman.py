"""The IoU/Kalman tracker keeps ids through crossings and short misses, estimates velocity."""

from __future__ import annotations

from dataclasses import dataclass

from workers.tracking.registry import create_tracker


@dataclass(frozen=True)
class Det:
    label: str
    score: float
    box: tuple[float, float, float, float]


def _box(cx: float, cy: float, w: float = 40, h: float = 100) -> tuple[float, float, float, float]:
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def test_ids_survive_two_people_walking_past_each_other() -> None:
    tracker = create_tracker("iou_kalman", {"min_hits": 2})
    ids_a, ids_b = set(), set()
    for i in range(40):
        t = i * 0.2
        a = Det("person", 0.9, _box(50 + 10 * i, 200))
        b = Det("person", 0.9, _box(450 - 10 * i, 215))
        tracks = tracker.update([a, b], t)
        for tr in tracks:
            (ids_a if tr.velocity[0] > 0 else ids_b).add(tr.track_id)
    assert len(ids_a) == 1 and len(ids_b) == 1 and ids_a != ids_b


def test_velocity_is_pixels_per_second() -> None:
    tracker = create_tracker()
    tracks = []
    for i in range(15):
        tracks = tracker.update([Det("person", 0.9, _box(100 + 20 * i, 200))], i * 0.2)
    assert abs(tracks[0].velocity[0] - 100) < 15  # 20 px per 0.2 s
    assert abs(tracks[0].velocity[1]) < 10


def test_short_miss_keeps_the_id_long_miss_drops_it() -> None:
    tracker = create_tracker("iou_kalman", {"max_missed_s": 1.0})
    first = [
        tracker.update([Det("person", 0.9, _box(100 + 5 * i, 200))], i * 0.2) for i in range(5)
    ]
    tid = first[-1][0].track_id
    tracker.update([], 1.0)  # one missed frame
    again = tracker.update([Det("person", 0.9, _box(130, 200))], 1.2)
    assert again[0].track_id == tid
    for k in range(1, 8):
        tracker.update([], 1.2 + 0.2 * k)
        if tracker.lost:
            assert tracker.lost[0].track_id == tid
            break
    else:
        raise AssertionError("track was never dropped")


def test_low_score_detections_extend_tracks_but_do_not_start_them() -> None:
    tracker = create_tracker()
    assert tracker.update([Det("person", 0.2, _box(100, 100))], 0.0) == []
    assert tracker.update([Det("person", 0.2, _box(100, 100))], 0.2) == []
    for i in range(3):
        tracks = tracker.update([Det("person", 0.9, _box(200, 100))], 0.4 + 0.2 * i)
    tid = tracks[0].track_id
    tracks = tracker.update([Det("person", 0.25, _box(202, 100))], 1.2)  # blurred: low score
    assert [t.track_id for t in tracks] == [tid]
