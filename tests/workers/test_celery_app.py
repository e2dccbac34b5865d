"""The workers' broker keys can carry a prefix (HAECHI_BROKER_KEYPREFIX), so events reach a
backend whose Celery uses `global_keyprefix` (parallel test sessions do)."""

from __future__ import annotations

import pytest

from workers.celery_app import create_app, create_producer
from workers.settings import get_settings


@pytest.fixture
def fresh_settings():  # type: ignore[no-untyped-def]
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_no_prefix_by_default(monkeypatch, fresh_settings):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("HAECHI_BROKER_KEYPREFIX", raising=False)
    for app in (create_app(), create_producer()):
        assert "global_keyprefix" not in app.conf.broker_transport_options


def test_prefix_reaches_the_app_and_the_event_producer(monkeypatch, fresh_settings):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HAECHI_BROKER_KEYPREFIX", "session-a:")
    app, producer = create_app(), create_producer()
    assert app.conf.broker_transport_options["global_keyprefix"] == "session-a:"
    assert app.conf.broker_transport_options["visibility_timeout"] == 300
    assert producer.conf.broker_transport_options["global_keyprefix"] == "session-a:"
    assert producer.conf.broker_transport_options["max_retries"] == 0
