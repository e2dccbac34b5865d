import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.cameras.services.importing import cameras_import


class Command(BaseCommand):
    help = (
        "Import cameras from CSV (our columns, Seoul 안심이 or 전국CCTV표준데이터 layouts; UTF-8 or "
        "CP949) or GeoJSON. Upsert by code, all-or-nothing unless --skip-invalid."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="write the valid rows, report the rest"
        )
        parser.add_argument("--dry-run", action="store_true", help="validate only")
        parser.add_argument("--json", action="store_true", help="print the full report as JSON")

    def handle(
        self, *args, file: str, skip_invalid: bool, dry_run: bool, json: bool, **options
    ) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        self.stderr.write(f"reading {path} ({path.stat().st_size / 1e6:.1f} MB)…")
        report = cameras_import(
            data=path.read_bytes(),
            filename=path.name,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            source=path.stem[:32],
        )
        if json:
            self.stdout.write(_json(report.as_dict()))
        else:
            for error in report.errors[:50]:
                self.stderr.write(f"{path.name}: row {error.row}: {error.field}: {error.reason}")
            if len(report.errors) > 50:
                self.stderr.write(
                    f"… and {len(report.errors) - 50} more rejected rows (use --json)"
                )
            self.stdout.write(report.summary())
        if report.error:
            raise CommandError(f"{path.name}: {report.error}")
        if report.rejected and not report.committed and not dry_run:
            raise CommandError(
                f"{path.name}: {report.rejected} rows rejected; nothing was imported "
                "(fix them or use --skip-invalid)"
            )


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, default=str)
