"""Drive the playground in a real headless Chromium, against the app served on 127.0.0.1.

For the tests marked `browser` (deselected by default; `make test-browser` runs them).
The browser is the system's Chromium (Debian: `apt-get install chromium`), found by
`CHROMIUM_PATH` or on PATH; Playwright drives it, so nothing is downloaded. Each state
the tests check is saved as a screenshot in `SCREENSHOT_DIR` (default: a folder under
pytest's temporary directory, printed at the end of the run).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, sync_playwright

#: No sandbox (CI containers run as root), no GPU, and no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not found:
        raise RuntimeError(
            "no Chromium: install it (apt-get install chromium) or set CHROMIUM_PATH"
        )
    return found


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run `app` with uvicorn in a thread on a free port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound here, so no other process can take the port first
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def open_playground(browser: Browser, base_url: str, path: str = "/") -> Page:
    """A new page on the app, once its script has asked the server what is on."""
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.goto(base_url + path)
    page.wait_for_selector("body[data-ready=true]")
    return page


class Screenshots:
    """Saves each checked state as `<test>-<state>.png`: a test artefact to look at."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Page, state: str) -> Path:
        path = self.folder / f"{self.prefix}-{state}.png"
        page.screenshot(path=path, full_page=True)
        return path
