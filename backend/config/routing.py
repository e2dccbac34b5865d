"""WebSocket URL patterns of every app."""

from backend.alerts.routing import websocket_urlpatterns as alerts_ws

websocket_urlpatterns: list = [*alerts_ws]
