from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.analytics.services import crimes_import
from backend.common.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Import five-major-crimes-by-gu CSV files (Seoul open data) into CrimeStat."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        for path in options["files"]:
            if not path.exists():
                raise CommandError(f"{path}: no such file")
            try:
                report = crimes_import(path=path)
            except ApplicationError as err:
                raise CommandError(err.message) from err
            self.stdout.write(f"{path.name}: {report}")
