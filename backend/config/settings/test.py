"""Test run: the same real PostGIS/Redis as local, faster password hashing."""

from backend.config import env
from backend.config.settings.base import *  # noqa: F403
from backend.config.settings.base import (
    CELERY_BROKER_TRANSPORT_OPTIONS,
    CHANNEL_LAYERS,
    DATABASES,
)

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = False
if env.TEST_DATABASE_NAME:
    DATABASES["default"]["TEST"] = {"NAME": env.TEST_DATABASE_NAME}
    # Parallel test sessions share the private Redis: keep their channel-layer groups and their
    # Celery queues apart too (a test worker must never take another session's events).
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"asgi-{env.TEST_DATABASE_NAME}"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "global_keyprefix": f"{env.TEST_DATABASE_NAME}:",
    }
