"""Test run: the same real PostGIS/Redis as local, faster password hashing."""

from backend.config import env
from backend.config.settings.base import *  # noqa: F403
from backend.config.settings.base import DATABASES

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = False
if env.TEST_DATABASE_NAME:
    DATABASES["default"]["TEST"] = {"NAME": env.TEST_DATABASE_NAME}
