from django.urls import path

from backend.accounts.api.views import me, token

urlpatterns = [path("me/", me, name="me"), path("token/", token, name="token")]
