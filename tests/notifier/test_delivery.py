"""Tests for notifier.delivery: backoff, giving up, quiet hours and rate limits, all as functions of now."""

import random
import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifier.delivery import RateLimiter, TokenBucket, next_attempt_at, quiet_until, should_give_up

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


# --- backoff -------------------------------------------------------------------------------


@pytest.mark.parametrize(("attempts", "ceiling"), [
    (1, timedelta(seconds=30)),
    (2, timedelta(seconds=60)),
    (5, timedelta(minutes=8)),
    (8, timedelta(hours=1, minutes=4)),
    (9, timedelta(hours=2)),  # capped
    (10_000, timedelta(hours=2)),  # no overflow however long a message keeps failing
])
def test_the_longest_wait_doubles_up_to_the_cap(attempts, ceiling):
    latest = next_attempt_at(attempts, NOW, rng=lambda: 1.0)
    assert latest - NOW == ceiling
    assert next_attempt_at(attempts, NOW, rng=lambda: 0.0) == NOW


def test_full_jitter_spreads_retries_over_the_whole_window():
    rng = random.Random(5).random
    waits = [next_attempt_at(4, NOW, rng=rng) - NOW for _ in range(2000)]
    assert all(timedelta(0) <= wait <= timedelta(minutes=4) for wait in waits)
    # Uniform on [0, 240 s]: each quarter gets about a quarter of the draws.
    quarters = [sum(1 for w in waits if q * 60 <= w.total_seconds() < (q + 1) * 60) for q in range(4)]
    assert all(400 < count < 600 for count in quarters), quarters


def test_the_providers_retry_after_is_a_floor():
    assert next_attempt_at(1, NOW, rng=lambda: 0.5, retry_after=timedelta(hours=1)) == NOW + timedelta(hours=1)
    assert next_attempt_at(9, NOW, rng=lambda: 1.0, retry_after=timedelta(seconds=5)) == NOW + timedelta(hours=2)


def test_backoff_answers_in_utc_and_takes_custom_bounds():
    local_now = NOW.astimezone(SH)
    at = next_attempt_at(3, local_now, base=timedelta(seconds=1), cap=timedelta(seconds=3), rng=lambda: 1.0)
    assert at == NOW + timedelta(seconds=3) and at.tzinfo is UTC


def test_backoff_refuses_nonsense():
    with pytest.raises(ValueError, match="at least 1"):
        next_attempt_at(0, NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_attempt_at(1, datetime(2025, 3, 10, 2, 0))


@pytest.mark.parametrize(("attempts", "max_attempts", "dead"), [(1, 3, False), (2, 3, False), (3, 3, True),
                                                                (4, 3, True), (1, 1, True), (0, 8, False)])
def test_should_give_up_after_the_last_attempt(attempts, max_attempts, dead):
    assert should_give_up(attempts, max_attempts) is dead


def test_should_give_up_needs_at_least_one_attempt():
    with pytest.raises(ValueError):
        should_give_up(1, 0)


# --- quiet hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(("now", "release"), [
    pytest.param(sh(2025, 3, 10, 20, 59, 59), None, id="20:59:59 still sends"),
    pytest.param(sh(2025, 3, 10, 21, 0), sh(2025, 3, 11, 8, 0), id="21:00 holds till tomorrow 08:00"),
    pytest.param(sh(2025, 3, 10, 23, 59), sh(2025, 3, 11, 8, 0), id="before midnight"),
    pytest.param(sh(2025, 3, 11, 0, 0), sh(2025, 3, 11, 8, 0), id="midnight"),
    pytest.param(sh(2025, 3, 11, 7, 59, 59), sh(2025, 3, 11, 8, 0), id="07:59:59"),
    pytest.param(sh(2025, 3, 11, 8, 0), None, id="08:00 sends"),
    pytest.param(sh(2025, 12, 31, 22, 0), sh(2026, 1, 1, 8, 0), id="across the new year"),
    pytest.param(datetime(2025, 3, 10, 13, 30, tzinfo=UTC), sh(2025, 3, 11, 8, 0), id="given in UTC (21:30 SH)"),
    pytest.param(datetime(2025, 3, 10, 23, 30, tzinfo=UTC), sh(2025, 3, 11, 8, 0), id="given in UTC (07:30 SH)"),
    pytest.param(datetime(2025, 3, 11, 0, 0, tzinfo=UTC), None, id="UTC midnight is 08:00 SH"),
])
def test_quiet_hours_hold_sms_until_morning(now, release):
    assert quiet_until(now) == (release.astimezone(UTC) if release else None)


def test_quiet_until_answers_in_utc():
    assert quiet_until(sh(2025, 3, 10, 22, 0)) == datetime(2025, 3, 11, 0, 0, tzinfo=UTC)
    assert quiet_until(sh(2025, 3, 10, 22, 0)).tzinfo is UTC


def test_a_quiet_window_within_one_day_and_none_at_all():
    lunch = {"start": time(12, 0), "end": time(13, 30)}
    assert quiet_until(sh(2025, 3, 10, 12, 15), **lunch) == sh(2025, 3, 10, 13, 30).astimezone(UTC)
    assert quiet_until(sh(2025, 3, 10, 13, 30), **lunch) is None
    assert quiet_until(sh(2025, 3, 10, 23, 0), **lunch) is None
    assert quiet_until(sh(2025, 3, 10, 23, 0), start=time(8), end=time(8)) is None


def test_quiet_until_needs_an_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        quiet_until(datetime(2025, 3, 10, 22, 0))


# --- rate limits ---------------------------------------------------------------------------


def test_a_bucket_starts_full_and_refills_at_its_rate():
    bucket = TokenBucket(rate=2, capacity=3, now=0.0)
    assert [bucket.try_acquire(now=0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.acquire_delay(now=0.0) == pytest.approx(0.5)
    assert bucket.try_acquire(now=0.5) and not bucket.try_acquire(now=0.5)
    assert bucket.available(now=100.0) == 3  # never above capacity


def test_a_clock_stepping_back_neither_drains_nor_fills_the_bucket():
    bucket = TokenBucket(rate=1, capacity=2, now=10.0)
    bucket.try_acquire(now=10.0)
    assert bucket.available(now=5.0) == pytest.approx(1.0)
    assert bucket.available(now=10.5) == pytest.approx(1.5)


def test_a_bucket_refuses_bad_settings():
    with pytest.raises(ValueError):
        TokenBucket(rate=0)
    with pytest.raises(ValueError):
        TokenBucket(rate=1, capacity=0.5)
    with pytest.raises(ValueError, match="cannot take"):
        TokenBucket(rate=1, capacity=2).acquire_delay(3)


def test_a_bucket_shared_by_threads_hands_out_each_token_once():
    bucket = TokenBucket(rate=1, capacity=100, now=0.0)
    granted: list[bool] = []
    lock = threading.Lock()

    def worker():
        mine = [bucket.try_acquire(now=0.0) for _ in range(50)]
        with lock:
            granted.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 100 and len(granted) == 400


def test_the_limiter_keeps_one_bucket_per_channel():
    limiter = RateLimiter({"sms": 1, "email": 10}, burst={"email": 2}, now=0.0)
    assert limiter.try_acquire("sms", now=0.0) and not limiter.try_acquire("sms", now=0.0)
    assert limiter.try_acquire("email", now=0.0) and limiter.try_acquire("email", now=0.0)
    assert not limiter.try_acquire("email", now=0.0)
    assert limiter.delay("email", now=0.0) == pytest.approx(0.1)
    assert all(limiter.try_acquire("wechat", now=0.0) for _ in range(100)), "no limit, no waiting"
    assert limiter.try_acquire("sms", now=1.0)


def test_the_limiter_uses_the_monotonic_clock_by_default():
    limiter = RateLimiter({"sms": 1000})
    assert limiter.try_acquire("sms")
