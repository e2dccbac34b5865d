"""Roles and district scope."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.roles import Role
from backend.accounts.selectors import user_district_ids
from tests.factories import district, make_user

pytestmark = pytest.mark.django_db


def test_scope_per_role():
    agent = make_user(Role.AGENT, "11140", "11680")
    assert user_district_ids(user=agent) == {district("11140").id, district("11680").id}
    for role in (Role.SUPERVISOR, Role.PLANNER, Role.ADMIN):
        assert user_district_ids(user=make_user(role)) is None


def test_me_and_token_endpoints():
    agent = make_user(Role.AGENT, "11140")
    client = APIClient()
    client.force_authenticate(agent)
    me = client.get("/api/v1/me/").json()
    assert me["role"] == "agent" and me["district_ids"] == [district("11140").id]
    token = client.post("/api/v1/token/").json()["token"]
    assert len(token) == 40
    by_token = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert by_token.get("/api/v1/me/").json()["username"] == agent.username


def test_token_for_username_and_password():
    agent = make_user(Role.AGENT, "11140")
    client = APIClient()
    bad = client.post("/api/v1/token/", {"username": agent.username, "password": "wrong"})
    assert bad.status_code == 400
    good = client.post(
        "/api/v1/token/", {"username": agent.username, "password": "correct-horse-battery"}
    )
    assert good.status_code == 200 and len(good.json()["token"]) == 40


def test_session_login_and_logout():
    agent = make_user(Role.AGENT, "11140")
    client = APIClient(enforce_csrf_checks=True)
    bad = client.post("/api/v1/auth/login/", {"username": agent.username, "password": "nope"})
    assert bad.status_code == 400
    ok = client.post(
        "/api/v1/auth/login/", {"username": agent.username, "password": "correct-horse-battery"}
    )
    assert ok.status_code == 200 and ok.json()["role"] == "agent"
    assert client.get("/api/v1/me/").json()["username"] == agent.username
    # Session writes need the CSRF token, like every session POST.
    assert client.post("/api/v1/auth/logout/").status_code == 403
    client.get("/")  # the dashboard page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post("/api/v1/auth/logout/", HTTP_X_CSRFTOKEN=token).status_code == 204
    assert client.get("/api/v1/me/").status_code == 403
