"""SMS over HTTP: the project's JSON gateway, and what every HTTP provider shares (timeouts, errors)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from types import TracebackType
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from notifier.channels.base import OutgoingMessage, PermanentError, SendResult, TransientError

__all__ = ["DEFAULT_TIMEOUT", "GatewaySmsChannel", "HttpSmsChannel", "retry_after"]

# (connect, read) seconds: connecting is quick or the gateway is down; the answer may take longer.
DEFAULT_TIMEOUT = (3.05, 10.0)
_MAX_RETRY_AFTER = timedelta(hours=6)


class HttpSmsChannel:
    """Base of the HTTP SMS channels: owns (or borrows) a ``requests.Session`` and maps its failures.

    A session passed in stays the caller's to close; one made here is closed by ``close()``
    or by leaving ``with channel:``.
    """

    name = "sms"

    def __init__(self, *, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 session: requests.Session | None = None) -> None:
        self.timeout = timeout
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()

    def send(self, message: OutgoingMessage) -> SendResult:
        raise NotImplementedError

    @contextmanager
    def batch(self) -> Iterator[HttpSmsChannel]:
        """The channel itself: the session already keeps connections alive between messages."""
        yield self

    def close(self) -> None:
        """Close the session, and its idle connections now, if this channel made it."""
        if not self._owns_session:
            return
        # urllib3 2.x's PoolManager.clear() only drops its pools; their sockets close when the
        # pools are collected, which a Response kept in an exception's traceback can delay.
        pools = []
        for adapter in self.session.adapters.values():
            manager = getattr(adapter, "poolmanager", None)
            if manager is not None:
                # keys(): RecentlyUsedContainer refuses plain iteration as not thread-safe
                pools += [manager.pools[key] for key in manager.pools.keys()]  # noqa: SIM118
        self.session.close()
        for pool in pools:
            pool.close()

    def __enter__(self) -> HttpSmsChannel:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.ConnectTimeout as error:
            raise TransientError(f"timed out connecting to {_where(url)}", code="connect-timeout",
                                 channel_wide=True) from error
        except requests.ReadTimeout as error:
            # The request went out; whether it was acted on is unknown.
            raise TransientError(f"no answer from {_where(url)} within {self.timeout[1]}s", code="read-timeout",
                                 channel_wide=True, maybe_sent=True) from error
        except requests.ConnectionError as error:
            raise TransientError(f"cannot reach {_where(url)}: {_root_cause(error)}", code="connection",
                                 channel_wide=True, maybe_sent=not _never_connected(error)) from error
        except requests.RequestException as error:
            raise PermanentError(f"bad request to {_where(url)}: {error}", code="request",
                                 channel_wide=True) from error

    def _check_sms(self, message: OutgoingMessage) -> None:
        if message.channel != "sms":
            raise PermanentError(f"not an SMS message: channel {message.channel!r}", code="channel")


class GatewaySmsChannel(HttpSmsChannel):
    """SMS through the project's JSON-over-HTTP gateway (``POLICYHUB_SMS_GATEWAY_URL``).

    The gateway contract::

        POST <url>
        Content-Type: application/json; charset=utf-8
        Idempotency-Key: <key>                (the same key is also in the body)
        Authorization: Bearer <token>         (only when a token is configured)

        {"to": "13800138000", "text": "…", "idempotency_key": "notification-42"}

    - ``2xx`` with ``{"message_id": "…"}``: accepted.  A gateway that has already accepted
      the key must not send again; it answers with the first ``message_id`` and may add
      ``"duplicate": true``.  ``409`` with a ``message_id`` means the same.
    - ``400``, ``404``, ``422`` and other ``4xx``: refused for good, with
      ``{"error": "<code>", "message": "<why>"}``; ``invalid_number`` for a bad recipient.
    - ``401``, ``403``: the gateway refuses this client (token); nothing will pass until fixed.
    - ``408``, ``429``, ``5xx``: try again later; a ``Retry-After`` (seconds) is honoured.

    Numbers are sent as given (the app stores 11-digit mainland mobiles).
    """

    def __init__(self, url: str, *, token: str | None = None, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 session: requests.Session | None = None) -> None:
        super().__init__(timeout=timeout, session=session)
        self.url = url
        self.token = token

    def send(self, message: OutgoingMessage) -> SendResult:
        self._check_sms(message)
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if message.idempotency_key:
            headers["Idempotency-Key"] = message.idempotency_key
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = {"to": message.recipient, "text": message.text, "idempotency_key": message.idempotency_key}
        response = self._request("POST", self.url, headers=headers,
                                 data=json.dumps(body, ensure_ascii=False).encode("utf-8"))
        payload = _json(response)
        status = response.status_code
        message_id = payload.get("message_id")
        if (200 <= status < 300 or status == 409) and isinstance(message_id, str) and message_id:
            return SendResult(message_id, duplicate=status == 409 or payload.get("duplicate") is True)
        code = str(payload.get("error") or status)
        why = str(payload.get("message") or payload.get("error") or response.reason or "").strip()
        reason = f"SMS gateway answered {status}" + (f": {why[:200]}" if why else "")
        if 200 <= status < 300:
            raise TransientError(f"{reason} without a message_id", code=code, maybe_sent=True)
        if status in (408, 429) or status >= 500:
            raise TransientError(reason, code=code, channel_wide=True, retry_after=retry_after(response))
        raise PermanentError(reason, code=code, channel_wide=status in (401, 403))


def retry_after(response: requests.Response) -> timedelta | None:
    """The Retry-After header in seconds as a timedelta (capped at 6 hours); None if absent or a date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value.isdigit():
        return None
    return min(timedelta(seconds=int(value)), _MAX_RETRY_AFTER)


def _json(response: requests.Response) -> Mapping[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _where(url: str) -> str:
    return requests.utils.urlparse(url).netloc or url


def _never_connected(error: BaseException) -> bool:
    """Whether the failure came before a connection was made (refused, DNS), so nothing was sent."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError | ConnectTimeoutError | ConnectionRefusedError):
            return True
        stack.extend([getattr(current, "reason", None), current.__cause__, current.__context__,
                      *(arg for arg in current.args if isinstance(arg, BaseException))])
    return False


def _root_cause(error: BaseException) -> str:
    current: BaseException = error
    while True:
        inner = getattr(current, "reason", None) or current.__cause__ or next(
            (arg for arg in current.args if isinstance(arg, BaseException)), None)
        if not isinstance(inner, BaseException) or inner is current:
            break
        current = inner
    return f"{type(current).__name__}: {current}"[:200]
