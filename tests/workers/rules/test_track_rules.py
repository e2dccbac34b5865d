"""Track-based rules on synthetic tracks: intrusion, loitering, crowd, running."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from tests.workers.synthetic import track
from workers.rules.base import FrameContext
from workers.rules.geometry import Zone
from workers.rules.plugins.crowd import CrowdConfig, CrowdRule
from workers.rules.plugins.intrusion import IntrusionConfig, IntrusionRule
from workers.rules.plugins.loitering import LoiteringConfig, LoiteringRule
from workers.rules.plugins.running import RunningConfig, RunningRule

FRAME = np.zeros((480, 640, 3), np.uint8)
LAWN = Zone(name="lawn", polygon=[(0.5, 0.5), (1.0, 0.5), (1.0, 1.0), (0.5, 1.0)])


def ctx(t: float, tracks: list, wall: datetime | None = None) -> FrameContext:
    return FrameContext("cam", t, FRAME, tracks, zones={"lawn": LAWN}, wall=wall)


def person_at(tid: int, foot_x: float, foot_y: float, t: float, h: float = 100) -> object:
    box = (foot_x - h / 5, foot_y - h, foot_x + h / 5, foot_y)
    return track(tid, [(t - 1, box), (t, box)])


def test_intrusion_only_inside_the_zone_and_inside_active_hours() -> None:
    rule = IntrusionRule(IntrusionConfig(zones=["lawn"], active_from_hour=22, active_to_hour=6))
    night, day = datetime(2026, 5, 1, 23, 30), datetime(2026, 5, 1, 14, 0)
    outside = person_at(1, 100, 300, 5.0)
    inside = person_at(2, 500, 400, 5.0)
    hits = rule.process(ctx(5.0, [outside, inside], wall=night))
    assert [h.track_ids for h in hits] == [(2,)] and hits[0].type == "intrusion"
    assert rule.process(ctx(5.0, [inside], wall=day)) == []
    early = datetime(2026, 5, 2, 3, 0)  # the window wraps past midnight
    assert rule.process(ctx(5.0, [inside], wall=early))


def test_intrusion_without_zones_stays_off() -> None:
    assert not IntrusionRule.needs_zones_ok(IntrusionConfig())
    assert IntrusionRule.needs_zones_ok(IntrusionConfig(zones=["lawn"]))


def test_loitering_needs_the_dwell_time_and_tolerates_short_exits() -> None:
    rule = LoiteringRule(LoiteringConfig(zones=["lawn"], dwell_s=10, grace_s=2))
    hits_at = []
    for i in range(80):  # 16 s at 5 fps; out of the zone for 1 s around t = 6 s
        t = i * 0.2
        x = 100 if 6.0 <= t < 7.0 else 500
        if rule.process(ctx(t, [person_at(7, x, 400, t)])):
            hits_at.append(t)
    assert hits_at and abs(hits_at[0] - 10.0) < 0.3  # the short exit did not reset the clock
    rule2 = LoiteringRule(LoiteringConfig(zones=["lawn"], dwell_s=10, grace_s=2))
    for i in range(80):  # out for 4 s: the clock restarts at t = 10 s
        t = i * 0.2
        x = 100 if 6.0 <= t < 10.0 else 500
        assert not rule2.process(ctx(t, [person_at(7, x, 400, t)])) or t >= 19.9


def test_crowd_counts_people_in_the_zone() -> None:
    rule = CrowdRule(CrowdConfig(zones=["lawn"], max_people=3))
    in_zone = [person_at(i, 400 + 20 * i, 400, 1.0) for i in range(4)]
    out_zone = [person_at(10 + i, 50 + 20 * i, 300, 1.0) for i in range(5)]
    hits = rule.process(ctx(1.0, in_zone + out_zone))
    assert len(hits) == 1 and len(hits[0].track_ids) == 4 and hits[0].key == "lawn"
    assert rule.process(ctx(1.0, in_zone[:3] + out_zone)) == []


def _mover(
    tid: int, x0: float, y0: float, vx: float, vy: float, t: float, h: float = 100
) -> object:
    boxes = []
    for k in range(6):
        tk = t - 1.0 + 0.2 * k
        cx, cy = x0 + vx * (tk - t), y0 + vy * (tk - t)
        boxes.append((tk, (cx - h / 5, cy - h / 2, cx + h / 5, cy + h / 2)))
    return track(tid, boxes)


def test_running_is_relative_to_body_height() -> None:
    rule = RunningRule(RunningConfig())
    walker = _mover(1, 300, 240, 80, 0, 5.0)  # 0.8 heights/s
    runner = _mover(2, 300, 240, 250, 0, 5.0)  # 2.5 heights/s
    far_runner = _mover(3, 300, 100, 75, 0, 5.0, h=30)  # small (far away) but 2.5 heights/s
    hits = rule.process(ctx(5.0, [walker, runner, far_runner]))
    assert sorted(h.track_ids[0] for h in hits) == [2, 3]


def test_dispersal_when_many_run_outward_but_not_when_they_run_together() -> None:
    rule = RunningRule(RunningConfig(dispersal_min_people=4))
    centre = np.array([320.0, 240.0])
    out = []
    for k, angle in enumerate(np.linspace(0, 2 * np.pi, 5)[:-1]):
        d = np.array([np.cos(angle), np.sin(angle)])
        x, y = centre + 60 * d
        out.append(_mover(k + 1, x, y, 250 * d[0], 250 * d[1], 5.0))
    hits = rule.process(ctx(5.0, out))
    assert any(h.key == "dispersal" and len(h.track_ids) == 4 for h in hits)
    together = [_mover(k + 1, 200 + 60 * k, 240, 250, 0, 5.0) for k in range(4)]
    hits = RunningRule(RunningConfig()).process(ctx(5.0, together))
    assert len(hits) == 4 and not any(h.key == "dispersal" for h in hits)
