"""Configuration: defaults, then POLICYHUB_* environment variables, then the test mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["defaults", "from_environment", "normalise_database_url"]

ENV_PREFIX = "POLICYHUB_"

# Environment names that map onto a differently named Flask/extension key.
_RENAMED = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "RATELIMIT_STORAGE_URL": "RATELIMIT_STORAGE_URI",
    "REDIS_URL": "RATELIMIT_STORAGE_URI",
}
_INTS = {"PROXY_FIX", "MAIL_PORT", "MAX_CONTENT_LENGTH", "MAX_FORM_MEMORY_SIZE", "LOGIN_MAX_FAILURES",
         "LOGIN_LOCK_MINUTES", "UPLOAD_MAX_BYTES", "DISPATCH_BATCH_SIZE", "DISPATCH_MAX_ATTEMPTS", "DISPATCH_THREADS", "PAGE_CACHE_ENTRIES",
         "FANOUT_CHUNK_SIZE", "MAX_IN_FLIGHT", "OVERLOAD_RETRY_AFTER_SECONDS"}
_FLOATS = {"FANOUT_LEASE_SECONDS", "FANOUT_WAIT_SECONDS", "DISPATCH_LEASE_SECONDS", "DISPATCH_BACKOFF_BASE_SECONDS",
           "DISPATCH_BACKOFF_CAP_SECONDS", "OVERLOAD_QUEUE_SECONDS",
           "DISPATCH_CIRCUIT_WAIT_SECONDS", "DISPATCH_CIRCUIT_MAX_WAIT_SECONDS", "MAIL_TIMEOUT_SECONDS",
           "SMS_CONNECT_TIMEOUT_SECONDS", "SMS_READ_TIMEOUT_SECONDS", "SMS_RATE_PER_SECOND", "EMAIL_RATE_PER_SECOND",
           "HEALTH_DISPATCH_LAG_SECONDS", "SCHEDULER_LEASE_POLL_SECONDS"}
_BOOLS = {"MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_SUPPRESS_SEND", "RATELIMIT_ENABLED", "WTF_CSRF_ENABLED",
          "SESSION_COOKIE_SECURE", "SMS_QUIET_HOURS",
          "HEALTH_REQUIRE_SCHEDULER", "SCHEDULER_DISPATCH"}

UPLOAD_MAX_BYTES = 20 * 1024 * 1024


def defaults(instance_path: str) -> dict[str, Any]:
    """The settings a fresh checkout runs with: SQLite under instance/, nothing sent anywhere."""
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(Path(instance_path) / "policyhub.db"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_MAX_BYTES": UPLOAD_MAX_BYTES,
        # Files enterprises and staff attach to consultations: outside the web root, served by the app only.
        "CONSULTATION_FILES_DIR": str(Path(instance_path) / "consultation_files"),
        # Multipart framing and form fields ride on top of the file itself.
        "MAX_CONTENT_LENGTH": UPLOAD_MAX_BYTES + 256 * 1024,
        # A page form's fields held in memory (Flask's default is 500 kB): a policy's body may be 1,000,000
        # characters, 3 MB as UTF-8 in a multipart form.
        "MAX_FORM_MEMORY_SIZE": 10 * 1024 * 1024,
        "SCHEDULER": "off",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "TIMEZONE": "Asia/Shanghai",
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_DEFAULT_SENDER": "policyhub@localhost",
        "SMS_PROVIDER": None,
        # Links in messages point here; set it to the public address in production.
        "BASE_URL": "http://127.0.0.1:5000",
        # Questions about no particular policy go to this department first.
        "TRIAGE_DEPARTMENT": "yshj",
        "SMS_GATEWAY_URL": None,
        "JSON_AS_ASCII": False,
        # How many reverse proxies (nginx) stand before the app; their X-Forwarded-* headers are then
        # trusted, so rate limits count the client's address rather than the proxy's. 0: none.
        "PROXY_FIX": 0,
        # Publishing commits a fan-out job: "inline" runs it in the publishing process right after the
        # commit (for at most FANOUT_WAIT_SECONDS if set; the scheduler's fanout job finishes the rest),
        # "worker" leaves it to `flask policies fanout`, the dispatch workers or the scheduler, and the
        # request waits FANOUT_WAIT_SECONDS (default 1.5) before answering 202.
        "FANOUT": "inline",
        "FANOUT_WAIT_SECONDS": None,
        "FANOUT_CHUNK_SIZE": 5000,
        # Finished anonymous public pages kept per web process until public content changes (web/pagecache.py).
        "PAGE_CACHE_ENTRIES": 256,
        "FANOUT_LEASE_SECONDS": 300.0,
        # Requests one web process serves at once before it answers 503 + Retry-After; 0: no limit.
        # Set it below gunicorn's threads so a saturated process still has a thread to refuse with.
        "MAX_IN_FLIGHT": 0,
        "OVERLOAD_RETRY_AFTER_SECONDS": 2,
        # How long a request waits for a slot before that 503 (0: refused at once).
        "OVERLOAD_QUEUE_SECONDS": 0.0,
        # /healthz: a missing scheduler lease counts as degraded (set where a scheduler must run).
        "HEALTH_REQUIRE_SCHEDULER": False,
        # The scheduler delivers messages itself unless dispatch workers do (set it off where they run).
        "SCHEDULER_DISPATCH": True,
        # /healthz: due messages waiting longer than this make dispatch degraded.
        "HEALTH_DISPATCH_LAG_SECONDS": 300.0,
        # The dispatcher (README, "Delivery settings"): a batch renews its lease once half of it is spent.
        "DISPATCH_BATCH_SIZE": 100,
        # Sending threads per dispatch worker: sending waits on the relay and the database, so a second
        # thread sends while the first waits (each claims its own batches on its own connections).
        "DISPATCH_THREADS": 1,
        "DISPATCH_LEASE_SECONDS": 300.0,
        "DISPATCH_MAX_ATTEMPTS": 8,
        "DISPATCH_BACKOFF_BASE_SECONDS": 30.0,
        "DISPATCH_BACKOFF_CAP_SECONDS": 7200.0,
        "DISPATCH_CIRCUIT_WAIT_SECONDS": 60.0,
        "DISPATCH_CIRCUIT_MAX_WAIT_SECONDS": 1800.0,
        "MAIL_TIMEOUT_SECONDS": 10.0,
        "SMS_CONNECT_TIMEOUT_SECONDS": 5.0,
        "SMS_READ_TIMEOUT_SECONDS": 10.0,
    }


def _coerce(key: str, value: str) -> Any:
    if key in _INTS:
        return int(value)
    if key in _FLOATS:
        return float(value)
    if key in _BOOLS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Every POLICYHUB_NAME variable as the config key NAME (a few under their extension's name)."""
    config: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name.startswith("POLICYHUB_TEST_"):
            continue
        key = name[len(ENV_PREFIX):]
        config[_RENAMED.get(key, key)] = _coerce(key, value)
    return config


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short form."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance_path: str) -> str:
    """A per-instance random key kept under instance/, so dev sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key)
    os.chmod(path, 0o600)
    return key
