from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backend.cameras.models import Camera
from backend.cameras.services.video_sync import cameras_video_sync_on_commit

DEMO_DISTRICTS = ("11140", "11110", "11680", "11650")  # the demo agents' districts


class Command(BaseCommand):
    help = (
        "Point N online AI cameras in the demo agents' districts at the camera simulator and "
        "print their codes (comma-separated) for `python -m workers simulate --codes`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=4)
        parser.add_argument(
            "--url-template",
            default="http://127.0.0.1:8554/cam/{code}.mjpg",
            help="stream URL with {code}, e.g. rtsp://127.0.0.1:8654/{code}",
        )

    @transaction.atomic
    def handle(self, *args, count: int, url_template: str, **options) -> None:
        if "{code}" not in url_template:
            raise CommandError("--url-template must contain {code}")
        codes: list[str] = []
        for code in DEMO_DISTRICTS:
            per_district = max(1, count // len(DEMO_DISTRICTS))
            cameras = Camera.objects.filter(
                district__code=code, has_ai=True, status="online", rollout_stage="live"
            ).order_by("code")[:per_district]
            for camera in cameras:
                camera.stream_url = url_template.replace("{code}", camera.code)  # other braces stay
                camera.full_clean()
                camera.save(update_fields=["stream_url", "updated_at"])
                codes.append(camera.code)
        cameras_video_sync_on_commit(codes=codes)  # the video hosts pick them up after commit
        self.stdout.write(",".join(codes[:count]))
