"""Per-user data beyond Django's User: the districts an agent is responsible for."""

from django.conf import settings
from django.db import models


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    districts = models.ManyToManyField("cameras.District", blank=True, related_name="agents")

    def __str__(self) -> str:
        return f"profile of {self.user}"
