"""The alerts app's periodic tasks (assembled into the one beat schedule in
backend.config.integrations.celery).

`alerts.escalate` runs every ESCALATE_EVERY_S on the ingest queue: an alert of severity ≥ high
still `new` HAECHI_ESCALATE_AFTER_S after it arrived is escalated at most
ESCALATE_EVERY_S later. A run that could not start in time is dropped (`expires`): the next
one does the same work.
"""

from __future__ import annotations

ESCALATE_EVERY_S = 15.0

BEAT_SCHEDULE = {
    "alerts-escalate": {
        "task": "alerts.escalate",
        "schedule": ESCALATE_EVERY_S,
        "options": {"queue": "ingest", "expires": ESCALATE_EVERY_S - 1},
    },
}
