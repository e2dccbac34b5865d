"""Event aggregation (one incident = one event), geometry, scene configs and the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from workers.rules.base import EventAggregator, Hit, RuleConfig
from workers.rules.geometry import Zone, box_distance, iou, point_in_polygon, union_box
from workers.rules.registry import SceneConfig, build_rules, rule_classes


def test_hits_of_one_incident_become_one_event_with_the_best_score() -> None:
    agg = EventAggregator({"fight": RuleConfig(merge_gap_s=2.0, min_duration_s=0.4)})
    closed = []
    for i in range(10):  # hits every 0.2 s for 2 s
        t = i * 0.2
        closed += agg.add([Hit("fight", t, 0.5 + i / 100, (1,), (0, 0, 10, 10), key="fight")], t)
    closed += agg.add([], 3.0)  # gap shorter than merge_gap: still open
    assert closed == []
    closed += agg.add([], 5.0)
    assert len(closed) == 1
    event = closed[0]
    assert (event.start_s, event.end_s) == (0.0, pytest.approx(1.8))
    assert event.score == pytest.approx(0.59)
    assert event.as_json() == {
        "type": "fight", "start_s": 0.0, "end_s": 1.8, "score": 0.59, "track_ids": [1],
        "box": [0.0, 0.0, 10.0, 10.0],
    }  # fmt: skip


def test_short_blips_below_min_duration_are_dropped_and_keys_separate_incidents() -> None:
    agg = EventAggregator({"intrusion": RuleConfig(merge_gap_s=1.0, min_duration_s=1.0)})
    agg.add([Hit("intrusion", 0.0, 0.9, (1,), key="a")], 0.0)  # one frame only
    for i in range(8):
        t = 5 + i * 0.2
        agg.add(
            [Hit("intrusion", t, 0.9, (2,), key="b"), Hit("intrusion", t, 0.9, (3,), key="c")], t
        )
    events = agg.flush()
    assert sorted(e.key for e in events) == ["b", "c"]


def test_geometry_helpers() -> None:
    square = Zone(name="z", polygon=[(0, 0), (1, 0), (1, 1), (0, 1)])
    assert square.contains((50, 50), (100, 100)) and not square.contains((150, 50), (100, 100))
    tri = Zone(name="t", polygon=[(0, 0), (100, 0), (0, 100)], normalized=False)
    assert tri.contains((10, 10), (640, 480)) and not tri.contains((60, 60), (640, 480))
    assert point_in_polygon((0, 50), tri.pixels((1, 1)))  # on an edge
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(1 / 3)
    assert union_box([(0, 0, 1, 1), (5, 5, 6, 7)]) == (0, 0, 6, 7)
    assert box_distance((0, 0, 1, 1), (4, 5, 6, 6)) == pytest.approx(5.0)


def test_scene_config_loads_json_and_rejects_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "scene.json"
    path.write_text(json.dumps({
        "zones": [{"name": "lawn", "polygon": [[0, 0], [1, 0], [1, 1]]}],
        "rules": {"intrusion": {"zones": ["lawn"]}, "crowd": {"max_people": 3}},
    }))  # fmt: skip
    scene = SceneConfig.load(path)
    keys = {r.key for r in build_rules(scene)}
    assert {"intrusion", "crowd", "fight", "fall", "fire", "tamper"} <= keys
    assert "loitering" not in keys  # no zones configured for it
    with pytest.raises(ValidationError):
        build_rules(SceneConfig(rules={"crowd": {"max_people": -1}}))
    with pytest.raises(ValidationError):
        build_rules(SceneConfig(rules={"crowd": {"max_peeple": 3}}))  # typo: extra=forbid
    with pytest.raises(ValueError, match="unknown rules"):
        build_rules(SceneConfig(rules={"smoking": {}}))


def test_every_rule_config_is_bounded_and_documented() -> None:
    for key, cls in rule_classes().items():
        for name, field in cls.config_model.model_fields.items():
            if field.annotation in (float, int) and name not in RuleConfig.model_fields:
                bounded = any(type(m).__name__ in ("Ge", "Gt") for m in field.metadata) and any(
                    type(m).__name__ in ("Le", "Lt") for m in field.metadata
                )
                assert bounded, f"{key}.{name} has no bounds"
