"""What every channel shares: the outgoing message, the result, the two kinds of failure, and a fake."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

__all__ = [
    "BatchingChannel",
    "Channel",
    "DeliveryError",
    "FakeChannel",
    "OutgoingMessage",
    "PermanentError",
    "SendResult",
    "TransientError",
    "open_batch",
]

ChannelName = Literal["email", "sms"]
_CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class OutgoingMessage:
    """One rendered message to one recipient, as the outbox stores it and a channel sends it.

    ``text`` is the plain-text email body or the SMS text; ``html`` the email's HTML
    alternative.  SMS providers that send only pre-approved templates (Aliyun) use
    ``template_code`` and ``template_params`` instead of ``text``.  ``idempotency_key`` is
    stable across retries of the same notification: providers that honour it send once
    however often they are asked, and email carries it in ``X-Policyhub-Key`` and the
    Message-ID.
    """

    channel: ChannelName
    recipient: str
    text: str
    subject: str = ""
    html: str | None = None
    idempotency_key: str | None = None
    unsubscribe_url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    template_code: str | None = None
    template_params: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.channel not in _CHANNELS:
            raise ValueError(f"channel must be one of {_CHANNELS}, got {self.channel!r}")
        if not self.recipient.strip():
            raise ValueError("recipient is empty")
        # A CR or LF in anything that becomes a header line would let content forge headers.
        for name, value in [("recipient", self.recipient), ("subject", self.subject),
                            ("idempotency_key", self.idempotency_key or ""),
                            ("unsubscribe_url", self.unsubscribe_url or ""), *self.headers.items()]:
            if "\r" in name or "\n" in name or "\r" in value or "\n" in value:
                raise ValueError(f"{name} must not contain a line break")
        for key, value in self.template_params.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ValueError(f"template parameters must be strings, got {key!r}: {value!r}")
        object.__setattr__(self, "headers", dict(self.headers))
        object.__setattr__(self, "template_params", dict(self.template_params))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, for storing the rendered message in the outbox row."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutgoingMessage:
        """The message back from ``as_dict()``."""
        return cls(**data)


@dataclass(frozen=True)
class SendResult:
    """The provider accepted the message.

    ``provider_message_id`` is what to store and quote to the provider (the Message-ID for
    email, the gateway's or Aliyun's BizId for SMS); ``duplicate`` is true when the provider
    said it had already accepted this idempotency key and did not send again.
    """

    provider_message_id: str
    duplicate: bool = False
    detail: str = ""


class DeliveryError(Exception):
    """A message was not accepted; ``reason`` is a short English line for the log and the outbox row.

    ``channel_wide`` means the fault is the channel's (server down, bad credentials, no
    balance), not this message's: the next message would fail the same way, so a dispatcher
    should stop the batch and leave the rest queued rather than spend their attempts.
    """

    retryable: ClassVar[bool]

    def __init__(self, reason: str, *, code: str | None = None, channel_wide: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.channel_wide = channel_wide

    def __str__(self) -> str:
        return f"{self.reason} [{self.code}]" if self.code else self.reason


class TransientError(DeliveryError):
    """Sending again later can succeed: timeouts, refused connections, HTTP 5xx/429, SMTP 4xx.

    ``maybe_sent`` is true when the request reached the provider and the answer was lost
    (a read timeout, a connection dropped after the SMTP DATA): a retry is safe only where
    the provider honours the idempotency key.  ``retry_after`` is the provider's own hint
    (Retry-After, flow control), a floor for the next attempt.
    """

    retryable = True

    def __init__(self, reason: str, *, code: str | None = None, channel_wide: bool = False,
                 maybe_sent: bool = False, retry_after: timedelta | None = None) -> None:
        super().__init__(reason, code=code, channel_wide=channel_wide)
        self.maybe_sent = maybe_sent
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """Sending again cannot succeed: an invalid number, an unknown mailbox (SMTP 5xx), an HTTP 4xx."""

    retryable = False


@runtime_checkable
class Channel(Protocol):
    """Sends one message; raises TransientError or PermanentError when it is not accepted."""

    name: str

    def send(self, message: OutgoingMessage) -> SendResult: ...


@runtime_checkable
class BatchingChannel(Channel, Protocol):
    """A channel that can hold one connection open for many messages (SMTP)."""

    def batch(self) -> AbstractContextManager[Channel]: ...


def open_batch(channel: Channel) -> AbstractContextManager[Channel]:
    """``channel.batch()`` where the channel has one, else the channel itself: ``with open_batch(c) as b``."""
    if isinstance(channel, BatchingChannel):
        return channel.batch()
    return nullcontext(channel)


Outcome = SendResult | DeliveryError


class FakeChannel:
    """A channel that reaches nobody: it records what it is given and answers from a script.

    Each call takes the next scripted outcome (a SendResult to return or a DeliveryError to
    raise); once the script is used up, ``handler`` decides, and without one every message
    is accepted.  ``attempts`` holds every call, ``sent`` the accepted ones (duplicates
    included, so that a test can see a message sent twice), ``delivered`` the first accepted
    message per idempotency key.  Thread-safe.
    """

    def __init__(self, name: str = "fake", script: Iterable[Outcome] = (),
                 handler: Callable[[OutgoingMessage], SendResult] | None = None) -> None:
        self.name = name
        self.script = list(script)
        self.handler = handler
        self.attempts: list[OutgoingMessage] = []
        self.sent: list[OutgoingMessage] = []
        self.delivered: dict[str, OutgoingMessage] = {}
        self.batches = 0
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def send(self, message: OutgoingMessage) -> SendResult:
        with self._lock:
            self.attempts.append(message)
            outcome = self.script.pop(0) if self.script else None
        if outcome is None and self.handler is not None:
            outcome = self.handler(message)
        if isinstance(outcome, DeliveryError):
            raise outcome
        key = message.idempotency_key or f"{self.name}-unkeyed-{id(message)}"
        with self._lock:
            duplicate = key in self.delivered
            self.sent.append(message)
            self.delivered.setdefault(key, message)
            if outcome is None:
                outcome = SendResult(f"{self.name}-{next(self._ids)}")
        return SendResult(outcome.provider_message_id, duplicate or outcome.duplicate, outcome.detail)

    @contextmanager
    def batch(self) -> Iterator[FakeChannel]:
        with self._lock:
            self.batches += 1
        yield self
