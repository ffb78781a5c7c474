"""policyhub: the Flask application (policy store, matching, push, consultations)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from policyhub import config as config_module
from policyhub.extensions import csrf, db, limiter, login_manager, mail, migrate

__all__ = ["create_app"]

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then POLICYHUB_* environment variables, then test_config.

    Starts no threads, opens no sockets, sends nothing.
    """
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("POLICYHUB_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, static_folder="web/static",
                template_folder="web/templates", instance_path=instance_path)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config_module.defaults(app.instance_path))
    app.config.from_mapping(config_module.from_environment(os.environ))
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite has no pool worth pinging and the option warns on some versions.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            k: v for k, v in app.config["SQLALCHEMY_ENGINE_OPTIONS"].items() if k != "pool_pre_ping"
        }
    if not app.config.get("SECRET_KEY"):
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            # A key made per machine would make every signed link and session fail on the other machines.
            raise RuntimeError("POLICYHUB_SECRET_KEY must be set when the database is not the embedded SQLite")
        app.config["SECRET_KEY"] = config_module.instance_secret_key(app.instance_path)
    if app.config.get("PROXY_FIX"):
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    if app.config.get("MAX_IN_FLIGHT"):
        from policyhub.web.overload import OverloadGuard

        # Inside ProxyFix's view of the request; outermost otherwise, so a refusal costs no Flask work.
        app.wsgi_app = OverloadGuard(app.wsgi_app, int(app.config["MAX_IN_FLIGHT"]),  # type: ignore[method-assign]
                                     int(app.config["OVERLOAD_RETRY_AFTER_SECONDS"]),
                                     float(app.config["OVERLOAD_QUEUE_SECONDS"]))
    from policyhub.web import guard

    guard.install(app)
    app.json.ensure_ascii = False

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app)

    from policyhub import cli
    from policyhub.web import register_web

    register_web(app)
    cli.register(app)
    return app
