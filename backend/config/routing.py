"""WebSocket URL patterns (filled by the alerts app)."""

websocket_urlpatterns: list = []
