from django.urls import path

from backend.accounts.api.views import login_view, logout_view, me, token

urlpatterns = [
    path("me/", me, name="me"),
    path("token/", token, name="token"),
    path("auth/login/", login_view, name="login"),
    path("auth/logout/", logout_view, name="logout"),
]
