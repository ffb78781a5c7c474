"""Loopback servers for the notifier tests and bench: an aiosmtpd SMTP server, an SMS gateway, an Aliyun endpoint.

Each records what it received and answers as told.  Run as a script
(``python tests/notifier/servers.py smtp|gateway``) it serves on a free port, prints the port,
and stops when its stdin closes; the benchmark uses it so that the server does not share
the client's interpreter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --- SMTP ----------------------------------------------------------------------------------


@dataclass
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.content)  # type: ignore[return-value]


class SmtpRecorder:
    """An aiosmtpd handler: keeps every accepted envelope; refuses as told.

    ``rcpt_replies`` maps a recipient to the reply for its RCPT TO (e.g. "550 5.1.1 no such
    user"); ``data_replies`` is a queue of replies for the next DATA commands.
    """

    def __init__(self, count_only: bool = False) -> None:
        self.envelopes: list[Envelope] = []
        self.accepted = 0
        self.count_only = count_only
        self.rcpt_replies: dict[str, str] = {}
        self.data_replies: deque[str] = deque()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_replies:
            return self.data_replies.popleft()
        self.accepted += 1
        if not self.count_only:
            self.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return f"250 2.0.0 Ok: queued as Q{self.accepted}"

    def messages(self) -> list[EmailMessage]:
        return [envelope.message() for envelope in self.envelopes]


class SmtpServer:
    """aiosmtpd on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, handler: SmtpRecorder | None = None, port: int | None = None) -> None:
        self.handler = handler or SmtpRecorder()
        self.host = HOST
        self.port = port or free_port()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        # A stopped Controller has closed its event loop: each start needs a new one.
        self._controller = Controller(self.handler, hostname=self.host, port=self.port, ready_timeout=5.0)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("ascii"), keep_blank_values=True))


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow provider)


class _Server(ThreadingMixIn, HTTPServer):
    daemon_threads = False  # server_close() joins the handler threads: nothing outlives a test
    block_on_close = True
    allow_reuse_address = True


class HttpServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 whose answers come from ``app(request) -> Reply``."""

    def __init__(self, app: Callable[[Request], Reply], port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.release = threading.Event()  # ends every pending delay at once
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> HttpServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the body waits for the
            # client's delayed ACK (40 ms).  Real servers (nginx) send without that wait.
            disable_nagle_algorithm = True
            timeout = 5  # an idle keep-alive connection ends, so server_close() never waits long

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(self.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                                  {k: v for k, v in self.headers.items()}, self.rfile.read(length))
                reply = owner.app(request)
                if reply.delay:
                    owner.release.wait(reply.delay)
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting

            do_GET = do_POST = _serve  # noqa: N815 (http.server's names)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server((HOST, self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name=f"http-{self.port}")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class GatewayApp:
    """The JSON SMS gateway of GatewaySmsChannel's docstring, scriptable.

    ``script`` holds replies for the next requests; then the gateway behaves: numbers in
    ``invalid`` get 400 invalid_number, a repeated idempotency key gets the first
    message_id with ``duplicate: true`` and is not sent again.
    """

    def __init__(self, token: str | None = None, count_only: bool = False) -> None:
        self.token = token
        self.count_only = count_only
        self.script: deque[Reply] = deque()
        self.requests: list[Request] = []
        self.sent: dict[str, str] = {}  # idempotency key -> message_id: what reached a phone
        self.invalid: set[str] = {"12345"}
        self.slow: deque[float] = deque()  # delays for the next requests, processed all the same
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self._lock:
            if not self.count_only:
                self.requests.append(request)
            if self.script:
                return self.script.popleft()
            reply = self._answer(request)
            if self.slow:
                reply.delay = self.slow.popleft()
            return reply

    def _answer(self, request: Request) -> Reply:
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": "unauthorized", "message": "bad token"})
        body = request.json()
        if body["to"] in self.invalid:
            return Reply(400, {"error": "invalid_number", "message": f"{body['to']} is not a mobile number"})
        key = body.get("idempotency_key") or f"unkeyed-{len(self.sent)}"
        if key in self.sent:
            return Reply(200, {"message_id": self.sent[key], "duplicate": True})
        self.sent[key] = f"gw-{len(self.sent) + 1}"
        return Reply(200, {"message_id": self.sent[key]})


def aliyun_signature(params: dict[str, str], secret: str, method: str) -> str:
    """Aliyun's signature, written the way its documentation's Java sample does it (URL-encode, then fix up)."""

    def url_encoder(value: str) -> str:  # java.net.URLEncoder: keeps * - _ . and encodes space as +, ~ as %7E
        return quote_plus(value, safe="*").replace("~", "%7E")

    def special(value: str) -> str:
        return url_encoder(value).replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    canonical = "&".join(f"{special(k)}={special(params[k])}" for k in sorted(params) if k != "Signature")
    to_sign = f"{method}&{special('/')}&{special(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class AliyunApp:
    """Aliyun's SendSms endpoint: checks the common parameters and the signature, refuses a reused nonce.

    ``codes`` maps a phone number to the Code to answer; ``script`` replies come first.
    """

    REQUIRED = ("AccessKeyId", "Action", "Format", "PhoneNumbers", "RegionId", "SignName", "SignatureMethod",
                "SignatureNonce", "SignatureVersion", "TemplateCode", "TemplateParam", "Timestamp", "Version",
                "Signature")

    def __init__(self, access_key_id: str, secret: str) -> None:
        self.access_key_id = access_key_id
        self.secret = secret
        self.script: deque[Reply] = deque()
        self.requests: list[dict[str, str]] = []
        self.nonces: set[str] = set()
        self.codes: dict[str, str] = {"10000000000": "isv.MOBILE_NUMBER_ILLEGAL"}
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        params = request.query if request.method == "GET" else request.form()
        with self._lock:
            self.requests.append(params)
            if self.script:
                return self.script.popleft()
            missing = [name for name in self.REQUIRED if name not in params]
            if missing:
                return Reply(400, self._error("MissingParameter", f"missing {', '.join(missing)}"))
            if params["AccessKeyId"] != self.access_key_id:
                return Reply(404, self._error("InvalidAccessKeyId.NotFound", "Specified access key is not found."))
            if params["Signature"] != aliyun_signature(params, self.secret, request.method):
                return Reply(400, self._error("SignatureDoesNotMatch", "Specified signature is not matched."))
            if params["SignatureNonce"] in self.nonces:
                return Reply(400, self._error("SignatureNonceUsed", "Specified signature nonce was used already."))
            self.nonces.add(params["SignatureNonce"])
            code = self.codes.get(params["PhoneNumbers"], "OK")
            if code != "OK":
                return Reply(200, self._error(code, "refused"))
            return Reply(200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.nonces)}^0",
                               "RequestId": f"req-{len(self.nonces)}"})

    def _error(self, code: str, message: str) -> dict[str, str]:
        return {"Code": code, "Message": message, "RequestId": f"req-{len(self.requests)}"}


# --- as a script, for the benchmark --------------------------------------------------------


def main(kind: str) -> None:
    if kind == "smtp":
        server: SmtpServer | HttpServer = SmtpServer(SmtpRecorder(count_only=True))
    elif kind == "gateway":
        server = HttpServer(GatewayApp(count_only=True))
    else:
        raise SystemExit(f"usage: {sys.argv[0]} smtp|gateway")
    server.start()
    print(server.port, flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
