"""Email through the app's Flask-Mail setup: its MAIL_* settings, its test suppression, its signal.

Imported on its own (``from notifier.channels.flaskmail import FlaskMailEmailChannel``) so
that the rest of ``notifier`` never loads Flask.
"""

from __future__ import annotations

import ssl
from email.message import Message as MimeMessage
from email.utils import formataddr

from flask import Flask, current_app
from flask_mail import Mail, Message, email_dispatched

from notifier.channels.base import OutgoingMessage
from notifier.channels.smtp import KEY_HEADER, SmtpConnector, SmtpEmailChannel

__all__ = ["FlaskMailEmailChannel"]


class FlaskMailEmailChannel(SmtpEmailChannel):
    """``SmtpEmailChannel`` configured by Flask-Mail, and signalling like ``Mail.send()``.

    Flask-Mail supplies MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS / MAIL_USE_SSL, MAIL_USERNAME /
    MAIL_PASSWORD, MAIL_DEFAULT_SENDER, MAIL_MAX_EMAILS and MAIL_SUPPRESS_SEND (on by default
    when TESTING: nothing is sent).  Every accepted message fires ``flask_mail.email_dispatched``
    with a ``flask_mail.Message`` copy, so ``mail.record_messages()`` sees what went out.

    ``app`` defaults to the app given to ``Mail(app)``, else ``current_app``; the channel
    keeps it, so sending needs no app context.  ``timeout`` bounds every socket operation.

    The connection itself is opened by ``SmtpConnector``, not by Flask-Mail 0.10's
    ``Connection``: its ``configure_host()`` opens ``smtplib.SMTP`` without a timeout (a hung
    server would hold a dispatch worker for ever) and leaves the socket open when STARTTLS or
    login fails, and its ``__exit__`` calls ``quit()`` on a dropped connection, raising over
    the original error.  The rest of the sending path is the plain channel's, so the errors
    are classified the same way.
    """

    def __init__(self, mail: Mail, app: Flask | None = None, *, timeout: float = 10.0, sender: str | None = None,
                 ssl_context: ssl.SSLContext | None = None, local_hostname: str | None = None) -> None:
        if app is None:
            app = mail.app or current_app._get_current_object()  # type: ignore[attr-defined]
        state = app.extensions.get("mail")
        if state is None:
            raise RuntimeError("Flask-Mail is not initialised on this app (Mail(app) or mail.init_app(app))")
        sender = sender or state.default_sender
        if isinstance(sender, tuple):
            sender = formataddr(sender)
        if not sender:
            raise ValueError("no sender: set MAIL_DEFAULT_SENDER or pass sender=")
        if state.suppress:
            connect = _SuppressedConnection
        elif not state.server:
            raise ValueError("MAIL_SERVER is not set: there is no SMTP server to send through")
        else:
            security = "ssl" if state.use_ssl else "starttls" if state.use_tls else "none"
            connect = SmtpConnector(state.server, state.port or (465 if state.use_ssl else 25), timeout=timeout,
                                    security=security, username=state.username, password=state.password,
                                    ssl_context=ssl_context, local_hostname=local_hostname)
        super().__init__(connect, sender, max_per_connection=state.max_emails or None)
        self.app = app
        self.suppressed = bool(state.suppress)

    def _accepted(self, message: OutgoingMessage, mail: MimeMessage, reply: str) -> None:
        if not email_dispatched.receivers:
            return  # building the copy costs a DNS lookup (make_msgid); skip it when nobody listens
        extra = {name: str(mail[name]) for name in (KEY_HEADER, "List-Unsubscribe", "List-Unsubscribe-Post")
                 if mail[name] is not None}
        extra.update(message.headers)
        copy = Message(subject=message.subject, recipients=[message.recipient], body=message.text,
                       html=message.html, sender=self.sender, extra_headers=extra)
        copy.msgId = mail["Message-ID"]
        email_dispatched.send(self.app, message=copy)


class _SuppressedConnection:
    """An SMTP connection that accepts everything and sends nothing (MAIL_SUPPRESS_SEND)."""

    does_esmtp = False

    def ehlo_or_helo_if_needed(self) -> None:
        pass

    def has_extn(self, opt: str) -> bool:
        return False

    def mail(self, sender: str, options: list[str] = ()) -> tuple[int, bytes]:  # type: ignore[assignment]
        return 250, b"OK"

    def rcpt(self, recip: str, options: list[str] = ()) -> tuple[int, bytes]:  # type: ignore[assignment]
        return 250, b"OK"

    def data(self, msg: bytes) -> tuple[int, bytes]:
        return 250, b"suppressed (MAIL_SUPPRESS_SEND): not sent"

    def rset(self) -> tuple[int, bytes]:
        return 250, b"OK"

    def quit(self) -> tuple[int, bytes]:
        return 221, b"Bye"

    def close(self) -> None:
        pass
