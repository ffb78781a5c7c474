"""Command-line interface: users, demo seed, the scheduler and the dev server."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.serving import run_simple

from policyhub.extensions import db
from policyhub.models import ROLES
from policyhub.services.errors import ServiceError

__all__ = ["register"]

users_cli = AppGroup("users", help="Staff users.")
seed_cli = AppGroup("seed", help="Demo data.")
policies_cli = AppGroup("policies", help="Policy maintenance.")
enterprises_cli = AppGroup("enterprises", help="Enterprise profiles.")
sla_cli = AppGroup("sla", help="The 2-working-day answer promise.")
calendar_cli = AppGroup("calendar", help="The working-day calendar.")
notify_cli = AppGroup("notify", help="The notification outbox.")


def _fail(exc: ServiceError) -> None:
    db.session.rollback()
    details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    raise click.ClickException(f"{exc.message}{' (' + details + ')' if details else ''}")


@users_cli.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--department", "department_code", default=None, help="Department code.")
@click.option("--display-name", default="", help="Name shown on pages.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--email", default=None, help="Where reminders and escalations reach this person.")
@click.option("--mobile", default=None, help="SMS for reminders and escalations when there is no email.")
@with_appcontext
def create_user_command(name: str, role: str, department_code: str | None, display_name: str,
                        password_stdin: bool, email: str | None, mobile: str | None) -> None:
    """Create a staff user and print its API token (shown this once)."""
    from policyhub.services.users import create_user

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        user, token = create_user(name, role, department_code=department_code, password=password,
                                  display_name=display_name, email=email, mobile=mobile)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"created user {user.username} ({user.role})")
    click.echo(f"token: {token}")


@users_cli.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--department", "department_code", default=None)
@with_appcontext
def set_role_command(name: str, role: str, department_code: str | None) -> None:
    """Change a user's role (audited)."""
    from sqlalchemy import select

    from policyhub.models import User
    from policyhub.services.users import set_role

    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        raise click.ClickException(f"no user {name}")
    try:
        set_role(None, user, role, department_code)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"{name}: {role}")


@seed_cli.command("demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo departments, staff users and policies (idempotent)."""
    from policyhub.push.fanout import run_pending
    from policyhub.services.seed import DEMO_USERS, seed_demo

    report = seed_demo()
    db.session.commit()
    run_pending(f"seed:{os.getpid()}", max_jobs=1000)
    click.echo(f"demo data: +{report.departments} departments, +{report.users} users, "
               f"+{report.policies} policies ({report.published} published, {report.expired} expired), "
               f"+{report.enterprises} enterprises")
    click.echo("demo staff logins (username / password):")
    for username, role, department, _, password in DEMO_USERS:
        click.echo(f"  {username:<12} {password:<22} {role}{' · ' + department if department else ''}")


@policies_cli.command("expire")
@with_appcontext
def expire_command() -> None:
    """Mark published policies past their expiry date as expired."""
    from policyhub.services.policies import expire_policies

    ids = expire_policies()
    db.session.commit()
    click.echo(f"expired: {len(ids)}")


@enterprises_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--notify/--no-notify", default=True, show_default=True,
              help="Tell the firms: a welcome to each new one, an alert per newly matched policy to the others.")
@with_appcontext
def import_enterprises_command(path: str, notify: bool) -> None:
    """Import or update enterprises from a CSV (UTF-8/GB18030) or XLSX file."""
    from pathlib import Path

    from policyhub.services.enterprise_import import import_enterprises

    data = Path(path).read_bytes()
    # Rows are not known before reading; the bar counts towards the file's line count.
    estimate = max(1, data.count(b"\n")) if not path.lower().endswith(".xlsx") else None
    with click.progressbar(length=estimate, label="importing", show_pos=True) as bar:
        done = 0

        def progress(rows: int) -> None:
            nonlocal done
            bar.update(rows - done)
            done = rows

        try:
            report = import_enterprises(None, Path(path).name, data, notify=notify, progress=progress)
            db.session.commit()
        except ServiceError as exc:
            _fail(exc)
    click.echo(f"rows: {report.rows}, created: {report.created}, updated: {report.updated}, "
               f"errors: {len(report.errors)}, notifications queued: {report.notifications_queued}")
    for error in report.errors[:50]:
        click.echo(f"  row {error['row']}: {error['field']}: {error['message']}")
    if len(report.errors) > 50:
        click.echo(f"  … {len(report.errors) - 50} more")


@sla_cli.command("scan")
@click.option("--now", "now_text", default=None, help="Run as of this time (ISO 8601 with offset).")
@with_appcontext
def sla_scan_command(now_text: str | None) -> None:
    """One SLA pass: due-day reminders and overdue escalations, each sent once."""
    from policyhub.services.sla_scan import scan
    from policyhub.timeutil import parse_aware

    try:
        now = parse_aware(now_text) if now_text else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from exc
    result = scan(now)
    db.session.commit()
    click.echo(f"reminders: {result.reminders}, escalations: {result.escalations}, messages queued: {result.messages}")


@calendar_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", required=True, type=int, help="The year the schedule is for.")
@with_appcontext
def calendar_load_command(path: str, year: int) -> None:
    """Load a year's holiday schedule (lines like '2027-02-06..2027-02-13 off 春节'); recompute open deadlines."""
    from pathlib import Path

    from policyhub.services.calendar import load_year_schedule
    from policyhub.services.consultations import recompute_open_deadlines

    try:
        days = load_year_schedule(None, year, Path(path).read_text(encoding="utf-8-sig"), source=Path(path).name)
        result = recompute_open_deadlines(None, reason=f"schedule {year}")
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"{year}: {days} days loaded; open deadlines recomputed: {result.total} ({result.changed} changed)")


@calendar_cli.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--workday/--off", required=True, help="Make the day a working day, or a day off.")
@click.option("--note", default="")
@with_appcontext
def calendar_set_command(day, workday: bool, note: str) -> None:
    """Override one date; recompute open deadlines."""
    from policyhub.services.calendar import set_override
    from policyhub.services.consultations import recompute_open_deadlines

    try:
        set_override(None, day.date(), workday, note)
        result = recompute_open_deadlines(None, reason=f"override {day.date()}")
        db.session.commit()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"{day.date()}: {'workday' if workday else 'off'}; open deadlines changed: {result.changed}")


@notify_cli.command("dispatch")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes when not --once.")
@click.option("--threads", type=click.IntRange(1, 16), default=None,
              help="Sending threads (default: POLICYHUB_DISPATCH_THREADS, 1).")
@with_appcontext
def dispatch_command(once: bool, interval: float, threads: int | None) -> None:
    """Deliver due messages (a dispatch worker; run several on several machines if needed).

    Each sending thread claims and sends its own batches under its own lease owner, on its own database and
    relay connections. SIGTERM (systemctl stop) lets the batches in hand finish, then exits 0; rows not
    reached stay queued. A thread that fails stops the worker (exit 1), so its supervisor restarts it.
    """
    import threading

    from policyhub.delivery import build_dispatcher
    from policyhub.push.fanout import run_pending

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    count = threads or int(app.config.get("DISPATCH_THREADS", 1))
    first = build_dispatcher(app)
    stopping = threading.Event()
    failed: list[BaseException] = []
    _on_sigterm(stopping.set)

    def send(number: int) -> None:
        with app.app_context():
            dispatcher = first if number == 0 else build_dispatcher(app)
            if number:
                # Its own lease owner, so that a batch of one thread never takes another's rows for its own;
                # one rate limit for the whole worker.
                dispatcher.owner = f"{first.owner}:{number}"[:64]
                dispatcher.rate_limiter = first.rate_limiter
            try:
                _dispatch_loop(dispatcher, number, stopping, once=once, interval=interval,
                               fanouts=lambda: run_pending(f"dispatch:{os.getpid()}", should_stop=stopping.is_set))
            except BaseException as exc:
                failed.append(exc)
                stopping.set()
                raise
            finally:
                db.session.remove()

    click.echo(f"dispatch worker running as {first.owner} with {count} sending thread(s); "
               "SIGTERM stops it after the batches in hand")
    others = [threading.Thread(target=send, args=(n,), name=f"dispatch-{n}") for n in range(1, count)]
    for thread in others:
        thread.start()
    try:
        send(0)
    finally:
        for thread in others:
            thread.join()
    if failed:
        raise click.ClickException(f"a sending thread failed: {failed[0]!r}")
    click.echo("dispatch worker stopped")


def _dispatch_loop(dispatcher, number: int, stopping, *, once: bool, interval: float, fanouts) -> None:
    """One sending thread: batches until told to stop (or, ``once``, until nothing is due)."""
    while not stopping.is_set():
        if number == 0:
            # Published policies' fan-outs first: they write the rows the workers then deliver.
            ran = fanouts()
            if ran:
                click.echo(f"fanout jobs run: {ran}")
        report = dispatcher.drain(max_batches=1)
        if report.claimed or once:
            click.echo(f"claimed: {report.claimed}, sent: {report.sent}, retried: {report.retried}, "
                       f"failed: {report.failed}, dead: {report.dead}")
        db.session.remove()
        if once and not report.claimed:
            return
        if not report.claimed:
            stopping.wait(interval)


def _on_sigterm(stop) -> None:
    """Call stop() on SIGTERM (and SIGINT) instead of dying mid-batch."""
    import signal

    def handler(signum, frame) -> None:
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@policies_cli.command("fanout")
@click.option("--once", is_flag=True, help="Run the queued fan-out jobs, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between looks when not --once.")
@with_appcontext
def fanout_command(once: bool, interval: float) -> None:
    """Run published policies' fan-out jobs (a worker; any number may run, each job is leased).

    SIGTERM (systemctl stop) lets the chunk in hand commit, lets go of the job's lease so another worker
    resumes it at once, and exits 0.
    """
    import threading

    from policyhub.push.fanout import run_pending

    owner = f"fanout:{os.getpid()}"
    stopping = threading.Event()
    _on_sigterm(stopping.set)
    click.echo(f"fanout worker running as {owner}; SIGTERM stops it after the chunk in hand")
    while not stopping.is_set():
        click.echo(f"fanout jobs run: {run_pending(owner, should_stop=stopping.is_set)}")
        if once:
            return
        stopping.wait(interval)
    click.echo("fanout worker stopped")


@notify_cli.command("digest")
@with_appcontext
def digest_command() -> None:
    """Queue today's daily digests now."""
    from policyhub.push.digest import queue_digests

    queued = queue_digests()
    db.session.commit()
    click.echo(f"digests queued: {queued}")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler process: exactly one runs jobs; a second one waits for the database lease."""
    import logging
    import threading
    from datetime import timedelta

    from apscheduler.schedulers.blocking import BlockingScheduler

    from policyhub.jobs import acquire_lease, configure_scheduler, release_lease
    from policyhub.push.dispatch import worker_id
    from policyhub.timeutil import SHANGHAI

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    owner, ttl = worker_id(), timedelta(seconds=60)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    waiting = threading.Event()
    _on_sigterm(waiting.set)
    while not acquire_lease(owner, ttl):
        click.echo("another scheduler holds the lease; waiting", err=False)
        sys.stdout.flush()
        if waiting.wait(float(app.config.get("SCHEDULER_LEASE_POLL_SECONDS", 15))):
            click.echo("scheduler stopped while waiting")
            return
    scheduler = configure_scheduler(app, BlockingScheduler(timezone=SHANGHAI))

    def renew() -> None:
        with app.app_context():
            if not acquire_lease(owner, ttl):
                app.logger.error("scheduler lease lost to another process; stopping")
                scheduler.shutdown(wait=False)

    scheduler.add_job(renew, "interval", seconds=20, id="lease", max_instances=1)

    def stop() -> None:
        raise SystemExit(0)

    # SIGTERM (systemctl stop): running jobs finish, the lease is released so a standby takes over at once.
    _on_sigterm(stop)
    click.echo(f"scheduler running as {owner}; Ctrl-C to stop")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        release_lease(owner)
        click.echo("scheduler stopped; lease released")


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--debug/--no-debug", default=False)
@with_appcontext
def serve_command(host: str, port: int, debug: bool) -> None:
    """The development server, with the scheduler inline when POLICYHUB_SCHEDULER=inline."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if "POLICYHUB_BASE_URL" not in os.environ:
        # Links in messages point at the address served, not at a default port.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        app.config["BASE_URL"] = f"http://{shown}:{port}"
    scheduler = None
    # Under the reloader only the child (WERKZEUG_RUN_MAIN set) may run jobs, or they would run twice.
    if app.config.get("SCHEDULER") == "inline" and (not debug or os.environ.get("WERKZEUG_RUN_MAIN")):
        from apscheduler.schedulers.background import BackgroundScheduler

        from policyhub.jobs import configure_scheduler
        from policyhub.timeutil import SHANGHAI

        scheduler = configure_scheduler(app, BackgroundScheduler(timezone=SHANGHAI, daemon=True))
        scheduler.start()
        click.echo("scheduler: inline")
    click.echo(f"serving on http://{host}:{port}")
    try:
        # app.run() refuses to start from inside a `flask` command, so call werkzeug directly.
        run_simple(host, port, app, use_reloader=debug, use_debugger=debug, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def register(app: Flask) -> None:
    """Attach the commands to the app's `flask` CLI."""
    for command in (users_cli, seed_cli, policies_cli, enterprises_cli, sla_cli, calendar_cli, notify_cli, scheduler_command,
                    serve_command):
        app.cli.add_command(command)
