"""Delivery channels: the Channel protocol, its errors, email over SMTP, SMS over HTTP, and a fake.

A channel has one method, ``send(message) -> SendResult``, and raises ``TransientError``
(a retry can help) or ``PermanentError`` (it cannot).  ``open_batch(channel)`` holds one
connection for many messages where the channel can (SMTP).  The Flask-Mail adapter lives in
``notifier.channels.flaskmail`` so that importing this package never loads Flask.
"""

from notifier.channels.aliyun import ALIYUN_ENDPOINT, AliyunSmsChannel
from notifier.channels.base import (
    BatchingChannel,
    Channel,
    DeliveryError,
    FakeChannel,
    OutgoingMessage,
    PermanentError,
    SendResult,
    TransientError,
    open_batch,
)
from notifier.channels.sms import DEFAULT_TIMEOUT, GatewaySmsChannel
from notifier.channels.smtp import KEY_HEADER, WIRE, SmtpBatch, SmtpConnector, SmtpEmailChannel, render_email

__all__ = [
    "ALIYUN_ENDPOINT",
    "DEFAULT_TIMEOUT",
    "KEY_HEADER",
    "WIRE",
    "AliyunSmsChannel",
    "BatchingChannel",
    "Channel",
    "DeliveryError",
    "FakeChannel",
    "GatewaySmsChannel",
    "OutgoingMessage",
    "PermanentError",
    "SendResult",
    "SmtpBatch",
    "SmtpConnector",
    "SmtpEmailChannel",
    "TransientError",
    "open_batch",
    "render_email",
]
