"""Email over SMTP: one connection per batch, UTF-8 multipart messages, precise failure classes."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import secrets
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.policy import Compat32
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from types import TracebackType
from typing import Literal, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from notifier.channels.base import OutgoingMessage, PermanentError, SendResult, TransientError

__all__ = [
    "KEY_HEADER",
    "WIRE",
    "SmtpBatch",
    "SmtpConnection",
    "SmtpConnector",
    "SmtpEmailChannel",
    "ascii_address",
    "message_id",
    "render_email",
    "sender_header",
    "wire_bytes",
]

KEY_HEADER = "X-Policyhub-Key"


class _Wire(Compat32):
    """compat32 writing each header as it is: render_email() has folded those that need it.

    Rendering is most of the cost of a send, and compat32 otherwise re-parses every header
    through email.header.Header (the policy-based EmailMessage is slower still).
    """

    def fold(self, name: str, value: str) -> str:  # type: ignore[override]
        return f"{name}: {value}{self.linesep}"

    def fold_binary(self, name: str, value: str) -> bytes:  # type: ignore[override]
        return self.fold(name, value).encode("ascii")


# How a rendered message is serialized for SMTP: CRLF line ends, headers as render_email() made them.
WIRE = _Wire(linesep="\r\n")
_SHANGHAI = ZoneInfo("Asia/Shanghai")
_WORD_BYTES = 45
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HEADER_NAME = re.compile(r"[!-9;-~]+")  # RFC 5322 ftext
_RESERVED = frozenset({"subject", "from", "to", "cc", "bcc", "date", "message-id", "mime-version", "content-type",
                       "content-transfer-encoding", KEY_HEADER.lower(), "list-unsubscribe", "list-unsubscribe-post"})
# Every character a URI may hold stays; anything else (Chinese in a path) is percent-encoded.
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


class SmtpConnection(Protocol):
    """The part of ``smtplib.SMTP`` the channel uses; a connection factory returns one, connected."""

    does_esmtp: bool

    def ehlo_or_helo_if_needed(self) -> None: ...
    def has_extn(self, opt: str) -> bool: ...
    def mail(self, sender: str, options: list[str] = ...) -> tuple[int, bytes]: ...
    def rcpt(self, recip: str, options: list[str] = ...) -> tuple[int, bytes]: ...
    def data(self, msg: bytes) -> tuple[int, bytes]: ...
    def rset(self) -> tuple[int, bytes]: ...
    def quit(self) -> tuple[int, bytes]: ...
    def close(self) -> None: ...


class SmtpConnector:
    """Opens an ``smtplib`` connection with a timeout, optional STARTTLS or implicit TLS, and login.

    Calling it returns a connected, authenticated ``smtplib.SMTP``; if any step fails the
    socket is closed before the exception leaves, so a failed connect leaks nothing.
    """

    def __init__(self, host: str, port: int = 25, *, timeout: float = 10.0,
                 security: Literal["none", "starttls", "ssl"] = "none",
                 username: str | None = None, password: str | None = None,
                 ssl_context: ssl.SSLContext | None = None, local_hostname: str | None = None) -> None:
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"security must be none, starttls or ssl, got {security!r}")
        self.host = host
        self.port = port
        self.timeout = timeout
        self.security = security
        self.username = username
        self.password = password
        self.ssl_context = ssl_context
        self.local_hostname = local_hostname

    def __call__(self) -> smtplib.SMTP:
        context = self.ssl_context or (ssl.create_default_context() if self.security != "none" else None)
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(local_hostname=self.local_hostname, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(local_hostname=self.local_hostname, timeout=self.timeout)
        try:
            code, greeting = smtp.connect(self.host, self.port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, greeting)
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def __repr__(self) -> str:
        return f"SmtpConnector({self.host!r}, {self.port}, security={self.security!r})"


def ascii_address(address: str) -> str:
    """The address with its domain in IDNA (xn--) form, as SMTP and headers need it.

    The app keeps 中文域名 as typed; the local part must already be ASCII (no SMTPUTF8).
    """
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an email address: {address!r}")
    if not local.isascii():
        raise ValueError(f"the user part of {address!r} is not ASCII")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def message_id(idempotency_key: str | None, domain: str) -> str:
    """A Message-ID that is the same on every retry of a notification, so mail clients can fold repeats."""
    if not idempotency_key:
        return make_msgid(domain=domain)
    local = idempotency_key if _SAFE_ID.fullmatch(idempotency_key) else \
        hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{local}.policyhub@{domain}>"


def render_email(message: OutgoingMessage, sender: str, *, date: datetime, message_id_domain: str) -> Message:
    """The MIME message: UTF-8 subject and body, text/plain with an HTML alternative, list headers.

    ``sender`` is ``"显示名 <addr@host>"`` or a bare address; ``date`` (aware) is shown in
    Shanghai time.  The message carries the ``WIRE`` policy: ``as_bytes()`` gives what goes
    to the server.  Raises ValueError for an address SMTP cannot carry.
    """
    if message.channel != "email":
        raise ValueError(f"not an email message: channel {message.channel!r}")
    body = _text_part(message.text, "plain")
    if message.html is None:
        mail: Message = body
        mail["MIME-Version"] = "1.0"
    else:
        # A boundary of our own: the generator would otherwise compile a regex per message to
        # prove its random one absent from the parts (they are base64: it cannot be there).
        mail = MIMEMultipart("alternative", boundary=f"=_policyhub_{secrets.token_hex(12)}",
                             _subparts=[body, _text_part(message.html, "html")], policy=WIRE)
    mail["Subject"] = _folded("Subject", message.subject)
    mail["From"] = sender_header(sender)[0]
    mail["To"] = ascii_address(message.recipient)
    mail["Date"] = format_datetime(date.astimezone(_SHANGHAI))
    mail["Message-ID"] = message_id(message.idempotency_key, message_id_domain)
    if message.idempotency_key:
        mail[KEY_HEADER] = _folded(KEY_HEADER, message.idempotency_key)
    if message.unsubscribe_url:
        # RFC 8058 one-click: mail providers POST to the URL without opening a page.
        mail["List-Unsubscribe"] = f"<{quote(message.unsubscribe_url, safe=_URI_SAFE)}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for header, value in message.headers.items():
        if not _HEADER_NAME.fullmatch(header) or header.lower() in _RESERVED:
            raise ValueError(f"header {header!r} cannot be set by a message")
        mail[header] = _folded(header, value)
    return mail


def wire_bytes(mail: Message) -> bytes:
    """``mail.as_bytes(policy=WIRE)``, written directly for what ``render_email`` builds.

    Its headers are folded ASCII already and its parts base64 text, so the bytes are the header lines, a
    blank line and the payload with CRLF line ends, parts between boundary lines: the generator's output
    byte for byte (a test holds the two equal), at a tenth of its cost per message. Anything else, such
    as a preamble or nested parts, goes through the generator.
    """
    if mail.preamble is not None or mail.epilogue is not None:
        return mail.as_bytes(policy=WIRE)
    payload = mail.get_payload()
    if isinstance(payload, str):
        return (_head(mail) + _lines(payload)).encode("ascii")
    boundary = mail.get_boundary()
    parts = []
    for part in payload:
        body = part.get_payload()
        if not isinstance(body, str) or part.preamble is not None or part.epilogue is not None or boundary is None:
            return mail.as_bytes(policy=WIRE)
        parts.append(_head(part) + _lines(body))
    delimiter = f"\r\n--{boundary}\r\n"
    return (f"{_head(mail)}--{boundary}\r\n{delimiter.join(parts)}\r\n--{boundary}--\r\n").encode("ascii")


def _head(part: Message) -> str:
    return "".join(f"{name}: {value}\r\n" for name, value in part.items()) + "\r\n"


def _lines(text: str) -> str:
    return "\r\n".join(text.replace("\r\n", "\n").split("\n"))


@functools.lru_cache(maxsize=32)
def sender_header(sender: str) -> tuple[str, str]:
    """The From header for ``"显示名 <addr@host>"`` (encoded, folded), and the envelope address."""
    name, address = parseaddr(sender)
    address = ascii_address(address)
    if name and not name.isascii():
        return f"{_folded('From', name)} <{address}>", address
    return formataddr((name, address)), address


def _text_part(text: str, subtype: str) -> Message:
    part = Message(policy=WIRE)
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["Content-Transfer-Encoding"] = "base64"
    # Base64 of the canonical form: CRLF line breaks (RFC 2046); 7-bit clean, so no reliance on
    # the server's 8BITMIME.
    canonical = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    part.set_payload(base64.encodebytes(canonical).decode("ascii"))
    return part


def _folded(name: str, value: str) -> str:
    """ASCII as it is; anything else as RFC 2047 base64 encoded words, one per line.

    An encoded word may be at most 75 characters: ``=?utf-8?b?`` + 60 base64 characters
    (45 bytes) + ``?=``; a character is never split between two words.
    """
    if value.isascii():
        return value
    words, chunk, size = [], [], 0
    for ch in value:
        width = len(ch.encode("utf-8"))
        if size + width > _WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(ch)
        size += width
    words.append("".join(chunk))
    encoded = (base64.b64encode(word.encode("utf-8")).decode("ascii") for word in words)
    return (WIRE.linesep + " ").join(f"=?utf-8?b?{word}?=" for word in encoded)


Connect = Callable[[], SmtpConnection]


class SmtpEmailChannel:
    """Email over SMTP through a connection factory (``SmtpConnector`` or any callable).

    ``send()`` uses a connection of its own; ``batch()`` holds one open for many messages.
    ``max_per_connection`` reconnects after that many messages (servers often cap it).
    ``clock`` gives the Date header's time.
    """

    name = "email"

    def __init__(self, connect: Connect, sender: str, *, message_id_domain: str | None = None,
                 max_per_connection: int | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.connect = connect
        self.sender = sender
        self.message_id_domain = message_id_domain or sender_header(sender)[1].rpartition("@")[2]
        self.max_per_connection = max_per_connection
        self.clock = clock

    def send(self, message: OutgoingMessage) -> SendResult:
        """Send one message on a connection of its own."""
        with self.batch() as batch:
            return batch.send(message)

    def batch(self) -> SmtpBatch:
        """A context manager sending on one connection, opened at the first message."""
        return SmtpBatch(self)

    def render(self, message: OutgoingMessage) -> Message:
        """The message as it would be sent now (for previews and the sent-messages view)."""
        return render_email(message, self.sender, date=self.clock(), message_id_domain=self.message_id_domain)

    def _accepted(self, message: OutgoingMessage, mail: Message, reply: str) -> None:
        """Called after the server accepted a message (the Flask-Mail adapter signals here)."""


class SmtpBatch:
    """One SMTP connection for many messages; not for sharing between threads.

    A connection that fails to open marks the batch down: later messages fail at once with
    the same channel-wide TransientError instead of each waiting for its own timeout.  A
    connection that drops after working is reopened once for the next message.
    """

    def __init__(self, channel: SmtpEmailChannel) -> None:
        self.name = channel.name
        self._channel = channel
        self._connection: SmtpConnection | None = None
        self._sent_on_connection = 0
        self._down: TransientError | PermanentError | None = None

    def __enter__(self) -> SmtpBatch:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT if the connection is alive, and close it."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            connection.close()

    def send(self, message: OutgoingMessage) -> SendResult:
        """Send one message on the batch's connection; raises TransientError or PermanentError."""
        channel = self._channel
        try:
            mail = channel.render(message)
            envelope_from = sender_header(channel.sender)[1]
            recipient = ascii_address(message.recipient)
            payload = wire_bytes(mail)
        except (ValueError, UnicodeError) as error:
            raise PermanentError(f"cannot build the email: {error}", code="render") from error
        connection = self._open()
        reply = self._transmit(connection, envelope_from, recipient, payload)
        self._sent_on_connection += 1
        if channel.max_per_connection and self._sent_on_connection >= channel.max_per_connection:
            self.close()
        channel._accepted(message, mail, reply)
        return SendResult(mail["Message-ID"], detail=reply)

    def _open(self) -> SmtpConnection:
        if self._down is not None:
            down = self._down
            # A new instance each time: re-raising one would grow its traceback message by message.
            raise type(down)(f"not tried, the batch's server is unreachable: {down.reason}", code=down.code,
                             channel_wide=True)
        if self._connection is not None:
            return self._connection
        try:
            self._connection = self._channel.connect()
        except smtplib.SMTPAuthenticationError as error:
            self._down = PermanentError(f"SMTP login refused: {_text(error.smtp_error)}",
                                        code=str(error.smtp_code), channel_wide=True)
            raise self._down from error
        except smtplib.SMTPResponseException as error:
            self._down = _classify(error.smtp_code, error.smtp_error, "connecting", channel_wide=True)
            raise self._down from error
        except (smtplib.SMTPException, OSError) as error:
            self._down = TransientError(f"cannot connect to the SMTP server: {_describe(error)}",
                                        channel_wide=True)
            raise self._down from error
        self._sent_on_connection = 0
        return self._connection

    def _transmit(self, connection: SmtpConnection, envelope_from: str, recipient: str, payload: bytes) -> str:
        # smtplib.sendmail() in its stages, so that a refusal says whose fault it is and a
        # dropped connection says whether the message may have gone.
        stage = "greeting"
        try:
            connection.ehlo_or_helo_if_needed()
            options = [f"SIZE={len(payload)}"] if connection.does_esmtp and connection.has_extn("size") else []
            stage = "MAIL FROM"
            code, reply = connection.mail(envelope_from, options)
            if code != 250:
                self._refused(connection, code, reply, stage)
            stage = "RCPT TO"
            code, reply = connection.rcpt(recipient)
            if code not in (250, 251):
                self._refused(connection, code, reply, stage)
            stage = "DATA"
            code, reply = connection.data(payload)
            if code != 250:
                self._refused(connection, code, reply, stage)
            return f"{code} {_text(reply)}"
        except smtplib.SMTPResponseException as error:  # HELO/EHLO or the DATA command itself refused
            self._refused(connection, error.smtp_code, error.smtp_error, stage)
        except (smtplib.SMTPException, OSError) as error:  # SMTPServerDisconnected, timeouts, resets
            self._drop()
            raise TransientError(f"SMTP connection lost at {stage}: {_describe(error)}", channel_wide=True,
                                 maybe_sent=stage == "DATA") from error
        raise AssertionError("unreachable")

    def _refused(self, connection: SmtpConnection, code: int, reply: bytes | str, stage: str) -> None:
        if code == 421:  # the server is closing the connection
            self._drop()
        else:
            try:
                connection.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()
        # A refused greeting or sender is the configuration's problem; only 552 (too big) is the message's.
        channel_wide = stage == "greeting" or (stage == "MAIL FROM" and code != 552)
        raise _classify(code, reply, stage, channel_wide=channel_wide or code == 421)

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def _classify(code: int, reply: bytes | str, stage: str, *, channel_wide: bool) -> TransientError | PermanentError:
    reason = f"SMTP {stage} refused: {code} {_text(reply)}"
    if 400 <= code < 500:
        return TransientError(reason, code=str(code), channel_wide=channel_wide)
    # 5xx, and anything outside the protocol, will not change by asking again.
    return PermanentError(reason, code=str(code), channel_wide=channel_wide)


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())[:200]


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
