"""Developer machine and `make demo`: private services under .var/."""

from backend.config.settings.base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["*"]
