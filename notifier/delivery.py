"""When to try a message again, when to stop, when SMS must wait for morning, and how fast to send.

Pure functions of ``now`` (aware datetimes, results in UTC), plus a thread-safe token bucket
whose clock is a number of seconds the caller may supply.
"""

from __future__ import annotations

import random
import threading
import time as _time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_BASE",
    "DEFAULT_CAP",
    "DEFAULT_MAX_ATTEMPTS",
    "QUIET_END",
    "QUIET_START",
    "SHANGHAI",
    "RateLimiter",
    "TokenBucket",
    "next_attempt_at",
    "quiet_until",
    "should_give_up",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_BASE = timedelta(seconds=30)
DEFAULT_CAP = timedelta(hours=2)
DEFAULT_MAX_ATTEMPTS = 8
QUIET_START = time(21, 0)
QUIET_END = time(8, 0)


def next_attempt_at(attempts: int, now: datetime, *, base: timedelta = DEFAULT_BASE, cap: timedelta = DEFAULT_CAP,
                    rng: Callable[[], float] = random.random, retry_after: timedelta | None = None) -> datetime:
    """When to try again after ``attempts`` failed attempts (1 after the first): exponential backoff, full jitter.

    The wait is uniform in [0, min(cap, base * 2**(attempts-1))] (AWS's "full jitter": many
    messages failing together spread out instead of returning together), but never shorter
    than the provider's ``retry_after``.  ``rng`` returns a float in [0, 1).
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    _aware(now, "now")
    # In float seconds: base * 2**attempts overflows timedelta long after the cap stops mattering.
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2.0 ** min(attempts - 1, 512))
    wait = timedelta(seconds=ceiling * rng())
    if retry_after is not None:
        wait = max(wait, retry_after)
    return (now + wait).astimezone(UTC)


def should_give_up(attempts: int, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> bool:
    """Whether a message that has failed ``attempts`` times is dead (no attempt left)."""
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
    return attempts >= max_attempts


def quiet_until(now: datetime, start: time = QUIET_START, end: time = QUIET_END,
                tz: ZoneInfo = SHANGHAI) -> datetime | None:
    """The end of the quiet hours ``now`` falls in (UTC), or None when an SMS may go now.

    Quiet hours run from ``start`` (inclusive) to ``end`` (exclusive) in ``tz``, across
    midnight when start > end (the default 21:00–08:00 Asia/Shanghai).  start == end means
    none.  The answer is built from the local date, so it is right across DST in any zone.
    """
    local = _aware(now, "now").astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start == end:
        return None
    if start < end:
        quiet = start <= clock < end
        release_day = local.date()
    else:
        quiet = clock >= start or clock < end
        release_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(release_day, end, tzinfo=tz).astimezone(UTC)


class TokenBucket:
    """``rate`` tokens a second, up to ``capacity`` saved; thread-safe.

    ``now`` is in seconds on any steady clock (``time.monotonic()`` when omitted); pass it
    to test without sleeping.  A bucket starts full.
    """

    def __init__(self, rate: float, capacity: float | None = None, *, now: float | None = None) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = float(rate)
        self.capacity = float(capacity if capacity is not None else max(rate, 1.0))
        if self.capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {self.capacity}")
        self._tokens = self.capacity
        self._updated = _time.monotonic() if now is None else now
        self._lock = threading.Lock()

    def try_acquire(self, tokens: float = 1.0, now: float | None = None) -> bool:
        """Take ``tokens`` if there are enough; False (taking none) if not."""
        return self.acquire_delay(tokens, now) == 0.0

    def acquire_delay(self, tokens: float = 1.0, now: float | None = None) -> float:
        """Take ``tokens`` and return 0.0, or take none and return the seconds until they would be there."""
        if tokens > self.capacity:
            raise ValueError(f"cannot take {tokens} tokens from a bucket of {self.capacity}")
        with self._lock:
            self._refill(_time.monotonic() if now is None else now)
            if self._tokens >= tokens:
                self._tokens -= tokens
                return 0.0
            return (tokens - self._tokens) / self.rate

    def available(self, now: float | None = None) -> float:
        """Tokens in the bucket at ``now``."""
        with self._lock:
            self._refill(_time.monotonic() if now is None else now)
            return self._tokens

    def _refill(self, now: float) -> None:
        # A clock that steps back (a caller's mistake) must not drain the bucket.
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = max(self._updated, now)


class RateLimiter:
    """One token bucket per channel: ``RateLimiter({"sms": 20, "email": 50})`` messages a second.

    A channel without a limit is never held back.  ``burst`` sets a channel's capacity
    (default: one second's worth).  Thread-safe; ``now`` as for ``TokenBucket``.
    """

    def __init__(self, rates: Mapping[str, float], burst: Mapping[str, float] | None = None, *,
                 now: float | None = None) -> None:
        burst = burst or {}
        self.buckets = {channel: TokenBucket(rate, burst.get(channel), now=now) for channel, rate in rates.items()}

    def try_acquire(self, channel: str, now: float | None = None) -> bool:
        """Whether one message may go on ``channel`` now (and count it if so)."""
        return self.delay(channel, now) == 0.0

    def delay(self, channel: str, now: float | None = None) -> float:
        """0.0 and counted, or the seconds to wait before a message may go on ``channel``."""
        bucket = self.buckets.get(channel)
        return 0.0 if bucket is None else bucket.acquire_delay(1.0, now)


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment
