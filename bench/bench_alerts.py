"""Alert ingest throughput (bulk vs one event per call), publish → WebSocket latency and fan-out
to 100 sockets."""

from __future__ import annotations

from bench.__main__ import result
from bench.django_run import run_django_bench


def run() -> list[dict]:
    data = run_django_bench("bench.alerts_run", suffix="_bench_alerts")
    single_rate = data["single_count"] / data["single_seconds"]
    bulk_rate = data["bulk_count"] / data["bulk_seconds"]
    checks = (
        f"lost={data['lost']}, duplicates={data['duplicates']}, "
        f"redelivered burst created {data['redelivery_created']}"
    )
    rows = [
        result("alerts.ingest_bulk_rate", bulk_rate, "events/s",
               baseline="alert_ingest, one event per call/transaction",
               baseline_value=single_rate,
               notes=f"{data['bulk_count']} events in batches of 1000 vs {data['single_count']} "
                     f"single; target >= 1000 events/s; {checks}"),
        result("alerts.ingest_single_rate", single_rate, "events/s",
               notes="the alerts.ingest task's path: validate, dedupe, incident, alert, history, "
                     "outbox frame; one transaction per event"),
        result("alerts.ingest_lost_or_duplicated", data["lost"] + data["duplicates"], "events",
               notes=checks, higher_is_better=False),
    ]  # fmt: skip
    if "latency_p50_ms" in data:
        note = (
            f"{data['latency_count']} alerts at {data['latency_rate_hz']:g}/s "
            f"(all received {data['latency_drain_s']:.1f} s after the first send): send_task('alerts.ingest') → Redis broker "
            "→ Celery solo worker → PostGIS commit → channel layer → Daphne → websockets client; "
            f"max {data['latency_max_ms']:.1f} ms"
        )
        rows += [
            result("alerts.push_latency_p50_ms", data["latency_p50_ms"], "ms", notes=note,
                   higher_is_better=False),
            result("alerts.push_latency_p95_ms", data["latency_p95_ms"], "ms",
                   notes="goal p95 <= 250 ms; " + note, higher_is_better=False),
        ]  # fmt: skip
    if "fanout_frames_per_s" in data:
        rows.append(
            result("alerts.fanout_frames_per_s", data["fanout_frames_per_s"], "frames/s",
                   baseline="target 1,000 frames/s", baseline_value=1000.0,
                   notes=f"{data['fanout_clients']} supervisor sockets (websockets client) on one "
                         f"Daphne process; {data['fanout_alerts']} alerts via alerts_ingest_bulk "
                         f"(commit → outbox → Redis channel layer) as fast as possible: "
                         f"{data['fanout_frames']} frames in {data['fanout_seconds']:.2f} s "
                         f"(publishing took {data['fanout_publish_seconds']:.2f} s); "
                         f"lost={data['fanout_lost']}, duplicates={data['fanout_duplicates']}")
        )  # fmt: skip
    return rows
