import time

from django.core.management.base import BaseCommand, CommandError

from backend.cameras.services.seeding import cameras_seed


class Command(BaseCommand):
    help = "Create a deterministic synthetic registry (default: Seoul's 160,000 cameras)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=160_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, count: int, seed: int, **options) -> None:
        started = time.perf_counter()
        try:
            result = cameras_seed(
                count=count, seed=seed, progress=lambda m: self.stderr.write(f"seed: {m}")
            )
        except ValueError as err:
            raise CommandError(str(err)) from err
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"seeded {count:,} cameras (seed {seed}): {result.created:,} created, "
            f"{result.updated:,} updated, {result.removed:,} removed in {elapsed:.1f} s "
            f"({count / max(elapsed, 1e-9):,.0f} cameras/s)"
        )
