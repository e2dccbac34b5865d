from django.core.management.base import BaseCommand

from backend.accounts.services import role_groups_ensure


class Command(BaseCommand):
    help = "Create the role groups (agent, supervisor, planner, admin) if they are missing."

    def handle(self, *args, **options) -> None:
        groups = role_groups_ensure()
        self.stdout.write(f"roles: {', '.join(g.name for g in groups)}")
