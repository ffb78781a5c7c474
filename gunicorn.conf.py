"""gunicorn settings for the policyhub web processes (docs/deploy.md); every value can be overridden from the environment.

Start: `gunicorn -c gunicorn.conf.py wsgi:app`. The scheduler and dispatch workers are separate
processes (`flask --app wsgi scheduler`, `flask --app wsgi notify dispatch`), never inside gunicorn.
"""

import os

# Loopback behind nginx; a unix socket or another address via GUNICORN_BIND.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# Threads per worker: requests wait on PostgreSQL and Redis more than on the CPU.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Keep a few threads free to refuse quickly: past this many requests in flight a worker answers 503 + Retry-After.
os.environ.setdefault("POLICYHUB_MAX_IN_FLIGHT", str(max(1, threads - 2)))
# ...after waiting this long for a slot: keep-alive connections are not spread evenly over the workers.
os.environ.setdefault("POLICYHUB_OVERLOAD_QUEUE_SECONDS", "1")
# Each worker's SQLAlchemy pool holds up to `threads` connections (pool_size + overflow).
backlog = int(os.environ.get("GUNICORN_BACKLOG", "512"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))
# jieba's dictionary and the app are loaded once in the master, then shared copy-on-write.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# "-": to the journal; empty: no access log (the load run turns it off).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# nginx on the same host is the only proxy whose X-Forwarded-* gunicorn itself trusts; the app's
# rate limits read the client address through POLICYHUB_PROXY_FIX (werkzeug ProxyFix).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "policyhub-web"
# gunicorn's control socket defaults to one path per user (~/.gunicorn): off unless a path is given,
# so two instances on one host (a smoke run beside the service) never take each other's.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def post_fork(server, worker):
    """Each worker opens its own database connections: never reuse the master's sockets across a fork."""
    if not server.cfg.preload_app:
        return
    from wsgi import app

    with app.app_context():
        from policyhub.extensions import db

        db.engine.dispose(close=False)
