"""Alibaba Cloud SMS (dysmsapi ``SendSms``, API version 2017-05-25), signed as its RPC API documents.

The signature (Aliyun "签名机制" for SMS, help.aliyun.com/document_detail/101343; English:
www.alibabacloud.com/help/en/sms/signature-method):

1. every parameter except ``Signature``, sorted by name, each name and value UTF-8
   percent-encoded per RFC 3986 (unreserved ``A-Za-z0-9-_.~`` kept, space as ``%20``, ``*``
   as ``%2A``), joined as ``name=value`` with ``&``: the canonicalized query string;
2. ``StringToSign = HTTPMethod + "&" + percentEncode("/") + "&" + percentEncode(canonicalized)``;
3. ``Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``, sent as a parameter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import requests

from notifier.channels.base import OutgoingMessage, PermanentError, SendResult, TransientError
from notifier.channels.sms import DEFAULT_TIMEOUT, HttpSmsChannel, _json, retry_after

__all__ = [
    "ALIYUN_ENDPOINT",
    "AliyunSmsChannel",
    "canonicalized_query",
    "classify_aliyun_code",
    "percent_encode",
    "sign",
    "string_to_sign",
]

ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"

# Codes from Aliyun's SMS "API错误码" page (help.aliyun.com/document_detail/101346), sorted by
# what a retry can do.  Flow control is per number and template (isv.BUSINESS_LIMIT_CONTROL,
# e.g. a daily cap per number): waiting helps, an immediate retry does not.
_LATER = {
    "isv.BUSINESS_LIMIT_CONTROL": timedelta(hours=1),
    "isv.DAY_LIMIT_CONTROL": timedelta(hours=6),
    "Throttling": timedelta(seconds=10),
    "Throttling.User": timedelta(seconds=10),
    "Throttling.Api": timedelta(seconds=10),
    "isp.SYSTEM_ERROR": None,
    "isp.GATEWAY_ERROR": None,
    "ServiceUnavailable": None,
    "InternalError": None,
    "SignatureNonceUsed": None,  # a fresh nonce on the next attempt
}
# Transient, but for every message: waiting helps only once someone acts.
_CHANNEL_LATER = {"isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL", "Throttling", "Throttling.User",
                  "Throttling.Api", "ServiceUnavailable", "InvalidTimeStamp.Expired"}
# The account, key, sign or template is wrong: no message passes until it is fixed.
_CHANNEL_BROKEN = {
    "SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive",
    "isp.RAM_PERMISSION_DENY", "isv.OUT_OF_SERVICE", "isv.AMOUNT_NOT_ENOUGH", "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL", "isv.PRODUCT_UN_SUBSCRIPT", "isv.PRODUCT_UNSUBSCRIBE", "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_SIGN_ILLEGAL", "isv.SIGN_STATE_ILLEGAL",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL", "isv.DENY_IP_RANGE", "isv.EXTEND_CODE_ERROR",
    "isv.MONTH_LIMIT_CONTROL", "InvalidTimeStamp.Expired",
}


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding of the UTF-8 bytes: only ``A-Za-z0-9-_.~`` stay, space is ``%20``."""
    return quote(value, safe="")


def canonicalized_query(params: Mapping[str, str]) -> str:
    """The parameters sorted by name, encoded, joined with ``&`` (``Signature`` excluded)."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
                    if k != "Signature")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """``METHOD&%2F&`` + the percent-encoded canonicalized query."""
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def sign(params: Mapping[str, str], access_key_secret: str, method: str = "GET") -> str:
    """Base64(HMAC-SHA1(secret + "&", StringToSign)), the value of the ``Signature`` parameter."""
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode("ascii")


def classify_aliyun_code(code: str, message: str, http_status: int) -> TransientError | PermanentError:
    """The error for an Aliyun ``Code`` other than ``OK``."""
    reason = f"Aliyun SendSms refused: {code}" + (f" ({message[:160]})" if message else "")
    if code in _LATER or code in _CHANNEL_LATER:
        return TransientError(reason, code=code, channel_wide=code in _CHANNEL_LATER, retry_after=_LATER.get(code))
    if code in _CHANNEL_BROKEN:
        return PermanentError(reason, code=code, channel_wide=True)
    # Unknown: isp.* are the platform's own faults; otherwise the HTTP status decides.
    if code.startswith("isp.") or http_status >= 500:
        return TransientError(reason, code=code, channel_wide=http_status >= 500)
    # isv.MOBILE_NUMBER_ILLEGAL, isv.TEMPLATE_MISSING_PARAMETERS, isv.INVALID_JSON_PARAM,
    # isv.PARAM_LENGTH_LIMIT, isv.BLACK_KEY_CONTROL_LIMIT, isv.SMS_CONTENT_ILLEGAL, …
    return PermanentError(reason, code=code)


class AliyunSmsChannel(HttpSmsChannel):
    """SMS through Aliyun's SendSms: a pre-approved template (``template_code``) and its parameters.

    The message's ``text`` is not sent (Aliyun sends only approved templates); its
    ``template_code`` and ``template_params`` are, with ``sign_name`` (the approved 签名)
    and ``OutId`` = the idempotency key, which comes back in delivery receipts.  Aliyun does
    not de-duplicate on OutId: after a read timeout (``maybe_sent``) a retry can send twice.

    ``endpoint`` is configurable (tests point it at a loopback server).  POST keeps phone
    numbers out of URL logs; GET is the form of Aliyun's worked example.  ``clock`` and
    ``nonce`` exist for tests.
    """

    def __init__(self, access_key_id: str, access_key_secret: str, sign_name: str, *,
                 endpoint: str = ALIYUN_ENDPOINT, region_id: str = "cn-hangzhou", method: str = "POST",
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, session: requests.Session | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 nonce: Callable[[], str] = lambda: uuid.uuid4().hex) -> None:
        if method not in ("GET", "POST"):
            raise ValueError(f"method must be GET or POST, got {method!r}")
        super().__init__(timeout=timeout, session=session)
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.endpoint = endpoint
        self.region_id = region_id
        self.method = method
        self.clock = clock
        self.nonce = nonce

    def __repr__(self) -> str:  # never the secret
        return f"AliyunSmsChannel({self.access_key_id!r}, sign_name={self.sign_name!r}, endpoint={self.endpoint!r})"

    def signed_params(self, message: OutgoingMessage) -> dict[str, str]:
        """The SendSms parameters for a message, with their Signature."""
        if not message.template_code:
            raise PermanentError("Aliyun SMS needs a template_code on the message", code="no-template")
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": _mainland(message.recipient),
            "RegionId": self.region_id,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": message.template_code,
            "TemplateParam": json.dumps(dict(message.template_params), ensure_ascii=False, separators=(",", ":")),
            "Timestamp": self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        if message.idempotency_key:
            params["OutId"] = message.idempotency_key
        params["Signature"] = sign(params, self.access_key_secret, self.method)
        return params

    def send(self, message: OutgoingMessage) -> SendResult:
        self._check_sms(message)
        params = self.signed_params(message)
        query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())
        if self.method == "GET":
            response = self._request("GET", f"{self.endpoint}?{query}")
        else:
            response = self._request("POST", self.endpoint, data=query.encode("ascii"),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        payload = _json(response)
        code = str(payload.get("Code") or "")
        if code == "OK" and response.status_code == 200:
            return SendResult(str(payload.get("BizId") or ""), detail=f"RequestId {payload.get('RequestId', '')}")
        if not code:
            reason = f"Aliyun answered HTTP {response.status_code} without a Code"
            if response.status_code >= 500 or response.status_code == 429:
                raise TransientError(reason, code=str(response.status_code), channel_wide=True,
                                     retry_after=retry_after(response))
            raise PermanentError(reason, code=str(response.status_code), channel_wide=True)
        raise classify_aliyun_code(code, str(payload.get("Message") or ""), response.status_code)


def _mainland(number: str) -> str:
    """Aliyun wants mainland numbers without the country code."""
    number = number.strip().replace(" ", "").replace("-", "")
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            return number[len(prefix):]
    return number
