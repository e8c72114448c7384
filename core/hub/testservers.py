"""Servers for tests that need real sockets: the app over HTTP (``served``,
``HTTPClient``) and an SMTP server (``SMTPSink``). Re-exported by ``hub.testing``."""
from __future__ import annotations

import contextlib
import threading
import uuid


@contextlib.contextmanager
def served(app, threads: int = 4):
    """``with served(app) as url:`` the app served by waitress on a free loopback port, in a
    thread (for browsers and real HTTP clients)."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    closing = threading.Event()

    def run():
        try:
            server.run()
        except OSError:
            if not closing.is_set():  # closing the sockets ends the loop's select()
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        closing.set()
        server.close()
        thread.join(5)


class HTTPResponse:
    def __init__(self, status: int, headers, text: str):
        self.status, self.headers, self.text = status, headers, text


class HTTPClient:
    """A browser-like client for a served app (``served``) over real HTTP: keeps cookies,
    sends the CSRF token with forms, follows no redirects."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> HTTPResponse:
        import http.client
        from http.cookies import SimpleCookie
        from urllib.parse import urlsplit

        url = urlsplit(self.base_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        sent = {"Origin": self.base_url, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return HTTPResponse(response.status, response.headers, text)

    def get(self, path: str) -> HTTPResponse:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict) -> HTTPResponse:
        from urllib.parse import urlencode

        if "hub_csrf" not in self.cookies:
            self.get("/")
        body = urlencode({**fields, "csrf_token": self.cookies["hub_csrf"]}).encode()
        return self.request("POST", path, body, {
            "Content-Type": "application/x-www-form-urlencoded"})

    def sign_in(self, email: str, password: str) -> HTTPResponse:
        """The sign-in form; 303 when it worked."""
        return self.post_form("/login", {"email": email, "password": password})

    def with_session(self, app, user_id: int) -> HTTPClient:
        """Signed in as ``user_id`` through a session row, as ``HubTestApp.login`` does."""
        from hub.accounts.models import UserSession
        from hub.db import utcnow
        from hub.sessions import COOKIE_NAME, hash_token

        token = uuid.uuid4().hex + uuid.uuid4().hex
        with app.registry["hub.dbsession_factory"]() as db:
            db.add(UserSession(id=hash_token(token), user_id=user_id, data={},
                               created_at=utcnow(), last_seen_at=utcnow()))
            db.commit()
        self.cookies[COOKIE_NAME] = token
        return self


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPSink:
    """A real SMTP server on 127.0.0.1 that keeps every message it receives.

    ``pipelining``: offer RFC 2920 command pipelining in the EHLO reply (clients may then
    send MAIL, RCPT and DATA in one write). ``refuse``: address → reply (e.g.
    ``"550 5.1.1 no such user"``) given to RCPT for that address; changeable while running.
    """

    def __init__(self, pipelining: bool = False, refuse: dict | None = None):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.refuse = dict(refuse or {})
        self._lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                reply = sink.refuse.get(address)
                if reply:
                    return reply
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                import email

                message = email.message_from_bytes(envelope.content)
                with sink._lock:
                    sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
                return "250 OK"

            if pipelining:
                async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
                    session.host_name = hostname
                    return [*responses[:-1], "250-PIPELINING", responses[-1]]

        self.host, self.port = "127.0.0.1", _free_port()
        self.controller = Controller(Handler(), hostname=self.host, port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def to(self, address: str) -> list:
        with self._lock:
            return [m for _f, rcpts, m in self.messages if address in rcpts]

    def recipients(self) -> list:
        """Every recipient of every message received, in order."""
        with self._lock:
            return [r for _f, rcpts, _m in self.messages for r in rcpts]

    def clear(self):
        with self._lock:
            self.messages.clear()
