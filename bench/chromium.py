"""Debian's Chromium, launched headless by Playwright the same way in tests and benchmarks.

Never a browser that Playwright downloads: the path is Debian's (override with HAECHI_CHROMIUM).
The flags keep Chromium off the network it cannot reach and render WebGL in software.
"""

from __future__ import annotations

import os
from typing import Any

CHROMIUM = os.environ.get("HAECHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-gl=swiftshader", "--enable-unsafe-swiftshader",
]  # fmt: skip


def launch_chromium(playwright: Any) -> Any:
    """A headless Browser from a `sync_playwright()` handle."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
