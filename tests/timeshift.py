"""Run the suite on another day: POLICYHUB_TEST_TODAY=2027-12-02 (or +365d / -365d) moves the clock.

No test may depend on the day it was written, so CI's day must not matter either. time-machine moves
`datetime.now()`, `date.today()` and `time.time()` for the whole process (threads included) and lets
the clock run on from there; the e2e server subprocess is started through `start_from_environment()`
as well, so the browser story sees the same day as the test that drives it.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

__all__ = ["ENV", "start_from_environment", "target_from"]

ENV = "POLICYHUB_TEST_TODAY"
_traveller = None


def target_from(spec: str, now: datetime) -> datetime:
    """The instant a spec names: an ISO date or datetime (Asia/Shanghai 10:00 for a bare date), or ±N days."""
    spec = spec.strip()
    offset = re.fullmatch(r"([+-]\d+)d", spec)
    if offset:
        return now + timedelta(days=int(offset.group(1)))
    moment = datetime.fromisoformat(spec if "T" in spec else f"{spec}T10:00:00+08:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def start_from_environment() -> datetime | None:
    """Move this process's clock as POLICYHUB_TEST_TODAY says (once); None when it is not set."""
    global _traveller
    spec = os.environ.get(ENV, "").strip()
    if not spec:
        return None
    import time_machine

    target = target_from(spec, datetime.now(UTC))
    if _traveller is None:
        # Resolve a relative spec once, so a subprocess started later lands on the same day.
        os.environ[ENV] = target.isoformat()
        _traveller = time_machine.travel(target, tick=True)
        _traveller.start()
    return target
