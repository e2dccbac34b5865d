"""Rule plugins by key, the scene config (zones + per-rule settings) and calibrated defaults.

Defaults come from each plugin's config model, overridden by the calibrated thresholds in
`workers/rules/calibration.json` (written by `python -m workers eval-behaviours --write`), then by
the camera's scene config (a `--zones FILE` or the backend's zone/rule data).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from workers.rules.base import Rule, RuleConfig
from workers.rules.geometry import Zone

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
_RULES: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: make a rule plugin available under its `key`."""
    _RULES[cls.key] = cls
    return cls


def rule_classes() -> dict[str, type[Rule]]:
    """All rule plugins, importing workers/rules/plugins/*.py once."""
    import workers.rules.plugins as plugins

    for info in pkgutil.iter_modules(plugins.__path__):
        importlib.import_module(f"workers.rules.plugins.{info.name}")  # cached after the first
    return dict(_RULES)


def calibrated_overrides(path: Path = CALIBRATION_FILE) -> dict[str, dict[str, Any]]:
    """Per-rule settings chosen by eval-behaviours ({} when the file is absent)."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {k: v.get("config", {}) for k, v in data.get("rules", {}).items()}


class SceneConfig(BaseModel):
    """A camera's zones and rule settings (`--zones FILE`, JSON or YAML)."""

    model_config = ConfigDict(extra="forbid")

    zones: list[Zone] = Field(default_factory=list, max_length=64)
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> SceneConfig:
        """Read a scene file (.json, .yaml or .yml)."""
        text = path.read_text()
        data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
        return cls.model_validate(data or {})


def build_rules(scene: SceneConfig | None = None, *, calibrated: bool = True) -> list[Rule]:
    """Instantiate every enabled rule with defaults < calibration < scene settings."""
    scene = scene or SceneConfig()
    overrides = calibrated_overrides() if calibrated else {}
    unknown = set(scene.rules) - set(rule_classes())
    if unknown:
        raise ValueError(f"unknown rules in scene config: {sorted(unknown)}")
    rules: list[Rule] = []
    for key, cls in sorted(rule_classes().items()):
        values = {**overrides.get(key, {}), **scene.rules.get(key, {})}
        config = cls.config_model.model_validate(values)
        if config.enabled and cls.needs_zones_ok(config):
            rules.append(cls(config))
    return rules


def rule_configs(rules: list[Rule]) -> dict[str, RuleConfig]:
    """Event type → config, for the aggregator."""
    return {r.event_type: r.config for r in rules}
