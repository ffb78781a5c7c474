"""Delivery throughput: 10,000 emails to a loopback SMTP server (beside raw smtplib), 10,000 SMS to a loopback gateway.

    .venv/bin/python bench/dispatch.py [--emails 10000] [--sms 10000]

The servers (aiosmtpd, and the JSON gateway of GatewaySmsChannel) run in child processes,
so that they do not share the client's interpreter.  Raw smtplib sends one pre-rendered
message of the same size over one connection: the transport's ceiling.  The channel renders
each message (UTF-8 subject, text + HTML, list headers) and classifies every reply.  The two
alternate in rounds of 500, each on its own open connection, so that both meet the same load.
Targets: the channel at least 50% of raw smtplib; SMS at least 300 a second.  Prints its
figures; never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notifier.channels import WIRE, GatewaySmsChannel, OutgoingMessage, SmtpConnector, SmtpEmailChannel  # noqa: E402
from notifier.messages import PolicyMatch, policy_match_alert  # noqa: E402

SERVERS = ROOT / "tests" / "notifier" / "servers.py"
SENDER = "滨州市惠企政策平台 <noreply@zc.binzhou.gov.cn>"
EMAIL_TARGET = 0.50
SMS_TARGET = 300.0
ROUND = 500


@contextmanager
def server(kind: str) -> Iterator[int]:
    """A loopback server in a child process; yields its port, stops it on exit."""
    child = subprocess.Popen([sys.executable, str(SERVERS), kind], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None
        yield int(child.stdout.readline())
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=10)
        child.stdout.close()


def notices(count: int, channel: str) -> list[OutgoingMessage]:
    out = []
    for n in range(count):
        match = PolicyMatch(
            title=f"滨州市支持高端铝业发展的若干措施（第 {n} 号）",
            department="滨州市工业和信息化局",
            url=f"https://zc.binzhou.gov.cn/policies/{n}",
            reasons=("行业：C3252 铝压延加工 属于政策适用的 C32 有色金属冶炼和压延加工业", "规模：中型企业"),
        )
        notice = policy_match_alert(match, enterprise_name=f"滨州第 {n} 铝业有限公司",
                                    unsubscribe_url=f"https://zc.binzhou.gov.cn/unsubscribe/{n}?sig=abcdef")
        if channel == "email":
            out.append(notice.email_message(f"user{n}@example.com", idempotency_key=f"notification-{n}"))
        else:
            out.append(notice.sms_message(f"138{n:08d}", idempotency_key=f"notification-{n}"))
    return out


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bench_email(count: int) -> None:
    messages = notices(count, "email")
    with server("smtp") as port:
        connector = SmtpConnector("127.0.0.1", port, timeout=10, local_hostname="bench")
        channel = SmtpEmailChannel(connector, SENDER)
        sample = channel.render(messages[0]).as_bytes(policy=WIRE)

        # Alternating rounds on two open connections, so that both see the same machine.
        raw_seconds = ours_seconds = 0.0
        smtp = connector()
        try:
            with channel.batch() as batch:
                for start in range(0, count, ROUND):
                    started = time.perf_counter()
                    for n in range(start, min(start + ROUND, count)):
                        smtp.sendmail("noreply@zc.binzhou.gov.cn", [f"user{n}@example.com"], sample)
                    raw_seconds += time.perf_counter() - started
                    started = time.perf_counter()
                    for message in messages[start:start + ROUND]:
                        batch.send(message)
                    ours_seconds += time.perf_counter() - started
        finally:
            smtp.quit()
        raw, ours = rate(count, raw_seconds), rate(count, ours_seconds)

    ratio = ours / raw
    print(f"email: {count} messages of {len(sample):,} bytes to loopback aiosmtpd")
    print(f"  raw smtplib.sendmail, one connection, pre-rendered: {raw:8.0f} msg/s")
    print(f"  SmtpEmailChannel, one batch, renders each:          {ours:8.0f} msg/s  = {ratio:.0%} of raw "
          f"(target >= {EMAIL_TARGET:.0%}: {'met' if ratio >= EMAIL_TARGET else 'NOT met'})")


def bench_sms(count: int) -> None:
    messages = notices(count, "sms")
    with server("gateway") as port, GatewaySmsChannel(f"http://127.0.0.1:{port}/sms", timeout=(3, 10)) as channel:
        started = time.perf_counter()
        for message in messages:
            channel.send(message)
        ours = rate(count, time.perf_counter() - started)
    print(f"sms: {count} messages to the loopback JSON gateway (one keep-alive session)")
    print(f"  GatewaySmsChannel:                                  {ours:8.0f} msg/s  "
          f"(target >= {SMS_TARGET:.0f}/s: {'met' if ours >= SMS_TARGET else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--sms", type=int, default=10_000)
    args = parser.parse_args()
    print(f"bench/dispatch.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}")
    if args.emails:
        bench_email(args.emails)
    if args.sms:
        bench_sms(args.sms)


if __name__ == "__main__":
    main()
