from django.apps import AppConfig


class TilesConfig(AppConfig):
    name = "backend.tiles"
    label = "tiles"
    default_auto_field = "django.db.models.BigAutoField"
