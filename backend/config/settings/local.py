"""Developer machine and `make demo`: private services under .var/."""

from backend.config.settings.base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["*"]
# The demo's simulated cameras stream from 127.0.0.1.
HAECHI_ALLOW_PRIVATE_STREAMS = True
