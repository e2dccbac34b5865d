"""Settings shared by every environment. Values come from backend.config.env only."""

from __future__ import annotations

from backend.config import env
from backend.config.integrations.celery import *  # noqa: F403
from backend.config.integrations.channels import *  # noqa: F403
from backend.config.integrations.drf import *  # noqa: F403

BASE_DIR = env.ROOT_DIR
SECRET_KEY = env.SECRET_KEY or "insecure-dev-key-change-me"
DEBUG = env.DEBUG
ALLOWED_HOSTS = env.ALLOWED_HOSTS

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "backend.common",
    "backend.accounts",
    "backend.audit",
    "backend.cameras",
    "backend.zones",
    "backend.realtime",
    "backend.alerts",
    "backend.analytics",
    "backend.tiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.config.urls"
ASGI_APPLICATION = "backend.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_db = env.DatabaseUrl.parse(env.DATABASE_URL)
DATABASES = {
    "default": {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": _db.name,
        "USER": _db.user,
        "PASSWORD": _db.password,
        "HOST": _db.host,
        "PORT": _db.port,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "Korean")]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [env.ROOT_DIR / "frontend" / "dist"]  # the built dashboard (Vite base /static/)
WHITENOISE_USE_FINDERS = True  # serve app/static files without a collectstatic step
MEDIA_URL = "media/"
MEDIA_ROOT = env.MEDIA_DIR

# Uploads: imports are streamed to a temporary file; anything above the limit is refused early.
HAECHI_IMPORT_MAX_BYTES = env.IMPORT_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
HAECHI_SHARED_DATA_DIR = env.SHARED_DATA_DIR
HAECHI_BASEMAP_STYLE_URL = env.BASEMAP_STYLE_URL
HAECHI_ESCALATE_AFTER_S = env.ESCALATE_AFTER_S
HAECHI_WS_HEARTBEAT_S = env.WS_HEARTBEAT_S
HAECHI_VIDEO_REDIS_URL = env.VIDEO_REDIS_URL
HAECHI_ALLOW_PRIVATE_STREAMS = env.ALLOW_PRIVATE_STREAMS

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
SILENCED_SYSTEM_CHECKS = [
    "gis.W001"
]  # Debian bookworm ships GDAL 3.6; we never open untrusted rasters
