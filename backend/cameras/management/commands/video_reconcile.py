from django.core.management.base import BaseCommand, CommandError
from redis import RedisError

from backend.cameras.services.video_sync import cameras_video_reconcile


class Command(BaseCommand):
    help = "Make the video hosts' camera set (Redis) exactly the registry's analysable cameras."

    def handle(self, *args, **options) -> None:
        try:
            result = cameras_video_reconcile()
        except RedisError as err:
            raise CommandError(f"video Redis unavailable: {err}") from err
        self.stdout.write(
            f"{result.desired} analysable cameras: {result.written} written, "
            f"{result.removed} removed"
        )
