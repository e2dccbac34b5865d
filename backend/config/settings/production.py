"""Production: secrets and hosts must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from backend.config import env
from backend.config.settings.base import *  # noqa: F403

if not env.SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
STATIC_ROOT = env.VAR_DIR / "static"  # collectstatic target (the Docker image runs it)
