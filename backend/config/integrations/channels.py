"""Channels layer on the project's Redis."""

from backend.config import env

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [env.CHANNELS_REDIS_URL], "capacity": 2000, "expiry": 30},
    }
}
