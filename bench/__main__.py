"""Run the benchmarks and write bench/results/latest.json.

Each bench/bench_<area>.py defines `run() -> list[dict]`, one dict per measurement with keys
name, value, unit, baseline, baseline_value, ratio, notes. Ratios compare against a baseline
measured in the same run (the machine is shared and noisy; absolute numbers drift).
Usage: python -m bench [area ...]
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path

import bench

RESULTS_DIR = Path(__file__).resolve().parent / "results"
KEYS = ("name", "value", "unit", "baseline", "baseline_value", "ratio", "notes")


def result(
    name: str,
    value: float,
    unit: str,
    *,
    baseline: str | None = None,
    baseline_value: float | None = None,
    notes: str = "",
    higher_is_better: bool = True,
) -> dict:
    """One measurement in the shared schema; ratio > 1 always means "better than baseline"."""
    ratio = None
    if baseline_value:
        ratio = value / baseline_value if higher_is_better else baseline_value / value
    return {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": None if baseline_value is None else round(baseline_value, 4),
        "ratio": None if ratio is None else round(ratio, 3),
        "notes": notes,
    }


def main(argv: list[str]) -> int:
    wanted = set(argv)
    results: list[dict] = []
    failures = 0
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if not info.name.startswith("bench_"):
            continue
        area = info.name.removeprefix("bench_")
        if wanted and area not in wanted:
            continue
        started = time.perf_counter()
        print(f"[bench] {area} …", flush=True)
        try:
            module = importlib.import_module(f"bench.{info.name}")
            rows = module.run()
        except Exception:
            failures += 1
            traceback.print_exc()
            rows = [result(f"{area}.failed", 1, "error", notes=traceback.format_exc(limit=3))]
        for row in rows:
            missing = [k for k in KEYS if k not in row]
            if missing:
                raise ValueError(f"bench {area}: result {row.get('name')} lacks {missing}")
            print(
                f"  {row['name']}: {row['value']} {row['unit']}  ratio={row['ratio']}", flush=True
            )
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / f"{area}.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
        print(f"[bench] {area} done in {time.perf_counter() - started:.1f} s", flush=True)
    # latest.json gathers the most recent run of every area (a partial run keeps the others).
    for path in sorted(RESULTS_DIR.glob("*.json")):
        if path.name != "latest.json":
            results.extend(json.loads(path.read_text()))
    out = RESULTS_DIR / "latest.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"[bench] wrote {len(results)} results to {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
