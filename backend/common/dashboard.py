"""Serves the built dashboard (frontend/dist/index.html) with the runtime config injected."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie

DIST = Path(settings.BASE_DIR) / "frontend" / "dist"
PLACEHOLDER = "<!--haechi-config-->"


@lru_cache(maxsize=1)
def _index_html(mtime: float) -> str:
    return (DIST / "index.html").read_text(encoding="utf-8")


@ensure_csrf_cookie
def dashboard(request: HttpRequest) -> HttpResponse:
    index = DIST / "index.html"
    if not index.exists():
        return HttpResponse(
            "The dashboard is not built: run `make demo` (or `cd frontend && npm run build`).",
            status=503,
            content_type="text/plain",
        )
    config = {"basemapStyleUrl": settings.HAECHI_BASEMAP_STYLE_URL or None}
    script = f"<script>window.HAECHI_CONFIG = {json.dumps(config)};</script>"
    html = _index_html(index.stat().st_mtime).replace(PLACEHOLDER, script)
    return HttpResponse(html)
