"""A provider stand-in on 127.0.0.1: real HTTP, scripted answers, every request recorded.

Tests point the provider's own SDK at it (LLM_BASE_URL), so retries, timeouts and
streams are exercised the way they happen in production, without a network.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    #: Server-Sent Event payloads, sent one by one; None for a plain JSON body.
    events: list[bytes] | None = None
    delay_s: float = 0.0


class LocalProvider:
    """Answers POSTs with `replies` in order (the last one repeats); records arrival times."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = replies
        self.requests: list[tuple[float, str]] = []
        self.bodies: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _next(self) -> Reply:
        index = min(len(self.requests) - 1, len(self.replies) - 1)
        return self.replies[index]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                provider.bodies.append(json.loads(body or b"{}"))
                provider.requests.append((time.monotonic(), self.path))
                reply = provider._next()
                time.sleep(reply.delay_s)
                self.send_response(reply.status)
                streaming = reply.events is not None
                content_type = "text/event-stream" if streaming else "application/json"
                self.send_header("content-type", content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if not streaming:
                    self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                for payload in reply.events if streaming else [reply.body]:
                    self.wfile.write(payload)
                    self.wfile.flush()

            def handle(self) -> None:
                # The client may hang up (a timeout test, a cancelled stream): expected, and
                # socketserver would print a traceback into a later test's stderr.
                with contextlib.suppress(ConnectionError):
                    super().handle()

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        return Handler

    def __enter__(self) -> LocalProvider:
        # A short poll interval: shutdown() waits for the loop's next poll.
        serve = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        serve.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
