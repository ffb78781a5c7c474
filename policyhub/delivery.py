"""The delivery channels the app is configured with; without configuration, messages are captured.

Captured messages are marked sent with a provider id "captured:…" and stay readable in the staff
"sent messages" view: `make run` works offline and shows what would have gone out.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from flask import Flask

from notifier.channels import AliyunSmsChannel, Channel, GatewaySmsChannel, OutgoingMessage, SendResult
from notifier.channels.flaskmail import FlaskMailEmailChannel
from notifier.delivery import RateLimiter
from policyhub.extensions import mail
from policyhub.push.dispatch import Dispatcher

__all__ = ["CaptureChannel", "build_channels", "build_dispatcher"]


class CaptureChannel:
    """Reaches nobody: accepts every message so the outbox row itself is the record."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._ids = itertools.count(1)

    def send(self, message: OutgoingMessage) -> SendResult:
        return SendResult(f"captured:{self.name}:{message.idempotency_key or next(self._ids)}")


def build_channels(app: Flask) -> dict[str, Channel]:
    """Email through Flask-Mail when MAIL_SERVER is set; SMS through the configured provider; else capture."""
    config = app.config
    channels: dict[str, Channel] = {}
    if config.get("MAIL_SERVER"):
        channels["email"] = FlaskMailEmailChannel(mail, app, timeout=float(config.get("MAIL_TIMEOUT_SECONDS", 10.0)))
    else:
        channels["email"] = CaptureChannel("email")
    provider = (config.get("SMS_PROVIDER") or "").lower()
    timeout = (float(config.get("SMS_CONNECT_TIMEOUT_SECONDS", 5.0)), float(config.get("SMS_READ_TIMEOUT_SECONDS", 10.0)))
    if provider == "aliyun":
        extra = {"endpoint": config["SMS_GATEWAY_URL"]} if config.get("SMS_GATEWAY_URL") else {}
        channels["sms"] = AliyunSmsChannel(config["SMS_ACCESS_KEY_ID"], config["SMS_ACCESS_KEY_SECRET"],
                                           config["SMS_SIGN_NAME"], timeout=timeout, **extra)
    elif config.get("SMS_GATEWAY_URL"):
        channels["sms"] = GatewaySmsChannel(config["SMS_GATEWAY_URL"], token=config.get("SMS_GATEWAY_TOKEN"),
                                            timeout=timeout)
    else:
        channels["sms"] = CaptureChannel("sms")
    return channels


def build_dispatcher(app: Flask) -> Dispatcher:
    """A dispatcher over the app's channels with its configured batch size, lease and rates."""
    config = app.config
    rates = {name: float(config[key]) for name, key in (("sms", "SMS_RATE_PER_SECOND"), ("email", "EMAIL_RATE_PER_SECOND"))
             if config.get(key)}
    def seconds(key: str, default: float) -> timedelta:
        return timedelta(seconds=float(config.get(key, default)))

    return Dispatcher(build_channels(app), batch_size=int(config.get("DISPATCH_BATCH_SIZE", 100)),
                      max_attempts=int(config.get("DISPATCH_MAX_ATTEMPTS", 8)),
                      lease=seconds("DISPATCH_LEASE_SECONDS", 300),
                      backoff_base=seconds("DISPATCH_BACKOFF_BASE_SECONDS", 30),
                      backoff_cap=seconds("DISPATCH_BACKOFF_CAP_SECONDS", 7200),
                      circuit_wait=seconds("DISPATCH_CIRCUIT_WAIT_SECONDS", 60),
                      circuit_max_wait=seconds("DISPATCH_CIRCUIT_MAX_WAIT_SECONDS", 1800),
                      rate_limiter=RateLimiter(rates) if rates else None,
                      quiet_hours=bool(config.get("SMS_QUIET_HOURS", True)),
                      sms_templates=_templates(config.get("SMS_TEMPLATES")))


def _templates(value: object) -> dict[str, str]:
    """SMS_TEMPLATES as a mapping, or "kind=CODE,kind=CODE" from the environment."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        return dict(part.split("=", 1) for part in value.split(",") if "=" in part)
    return {}
