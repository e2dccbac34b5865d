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
# Tests stream from simulator URLs on 127.0.0.1 (one test turns this off to check refusal).
HAECHI_ALLOW_PRIVATE_STREAMS = True
# The video hosts' camera set lives in a Redis database of its own (5) during tests, so a
# running demo's hosts (database 0) never see test cameras.
HAECHI_VIDEO_REDIS_URL = env.REDIS_URL.rsplit("/", 1)[0] + "/5"
if env.TEST_DATABASE_NAME:
    DATABASES["default"]["TEST"] = {"NAME": env.TEST_DATABASE_NAME}
    # Parallel test sessions share the private Redis: keep their channel-layer groups and their
    # Celery queues apart too (a test worker must never take another session's events).
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"asgi-{env.TEST_DATABASE_NAME}"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "global_keyprefix": f"{env.TEST_DATABASE_NAME}:",
    }
