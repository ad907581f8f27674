"""Stand-ins for where problems are told: an SMTP server (aiosmtpd) and a Slack-style webhook, on loopback.

    with SmtpStandIn() as smtp, WebhookStandIn() as hook:
        ...                    # point EMAIL_HOST/EMAIL_PORT and CALACCESS_NOTIFY_WEBHOOK at them
        smtp.subjects()        # ["[calaccess-archive] stale: ..."]
        hook.texts()           # ["calaccess-archive problem (stale): ..."]
        smtp.refuse = True     # every mail is answered 554 until set back
        hook.fail_status = 500 # every POST is answered 500 until set back to None
"""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nothing listens on now (and, unless something takes it meanwhile, a closed one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, owner: SmtpStandIn):
        self.owner = owner

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.owner.refuse:
            return "554 5.0.0 Transaction failed (the stand-in refuses mail)"
        with self.owner.lock:
            self.owner.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self.owner.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


class SmtpStandIn:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse = False
        self.port = free_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpStandIn:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()

    def subjects(self) -> list[str]:
        with self.lock:
            return [str(message["Subject"]) for message in self.messages]


class WebhookStandIn:
    """An HTTP server on 127.0.0.1 taking webhook POSTs: it keeps each JSON body, or answers `fail_status`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bodies: list[dict] = []
        self.fail_status: int | None = None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = owner.fail_status
                if status is None:
                    with owner.lock:
                        owner.bodies.append(json.loads(body))
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def texts(self) -> list[str]:
        with self.lock:
            return [body["text"] for body in self.bodies]
