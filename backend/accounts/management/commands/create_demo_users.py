import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from backend.accounts.roles import Role
from backend.accounts.services import role_groups_ensure, user_create
from backend.cameras.models import District

# username, role, districts (SIG_CD) — agents watch their own gu.
DEMO_USERS = (
    ("admin", Role.ADMIN, ()),
    ("supervisor", Role.SUPERVISOR, ()),
    ("planner", Role.PLANNER, ()),
    ("agent-jung", Role.AGENT, ("11140", "11110")),
    ("agent-gangnam", Role.AGENT, ("11680", "11650")),
)


class Command(BaseCommand):
    help = "Create the demo users with random passwords, printed once and kept in .var/demo-credentials.txt."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="give existing demo users new passwords"
        )

    def handle(self, *args, reset: bool, **options) -> None:
        role_groups_ensure()
        path = Path(settings.BASE_DIR) / ".var" / "demo-credentials.txt"
        lines = []
        for username, role, codes in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user and not reset:
                continue
            password = secrets.token_urlsafe(9)
            if user:
                user.set_password(password)
                user.save(update_fields=["password"])
            else:
                ids = list(District.objects.filter(code__in=codes).values_list("id", flat=True))
                user = user_create(
                    username=username, password=password, role=role, district_ids=ids
                )
                if role == Role.ADMIN:
                    user.is_superuser = True
                    user.save(update_fields=["is_superuser"])
            lines.append(f"{username:<14} {password:<14} {role.value} {' '.join(codes)}")
        if lines:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines) + "\n")
            path.chmod(0o600)
            self.stdout.write("demo logins (username password role districts):")
            for line in lines:
                self.stdout.write(f"  {line}")
        else:
            self.stdout.write(
                f"demo users exist; their passwords are in {path} (new ones: --reset)"
            )
