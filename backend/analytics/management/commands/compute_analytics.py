from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from backend.analytics.services import CELL_M, DEFAULT_K, analytics_compute
from backend.common.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Coverage per district, blind spots, hotspots and K recommended sites (all persisted)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--k", type=int, default=DEFAULT_K, help="sites to recommend")
        parser.add_argument("--cell", type=float, default=CELL_M, help="raster cell in metres")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if options["k"] < 0 or not 1.0 <= options["cell"] <= 100.0:
            raise CommandError("--k must be ≥ 0 and --cell between 1 and 100 m")
        try:
            summary = analytics_compute(k=options["k"], cell_m=options["cell"])
        except ApplicationError as err:
            raise CommandError(err.message) from err
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
