"""docs/deploy.md's pieces: the env file and units name real settings and commands; backup → restore round trip."""

from __future__ import annotations

import configparser
import io
import os
import shlex
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from policyhub import config as config_module
from policyhub.extensions import db
from policyhub.models import Policy, PolicyFile

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / name).read_text())
    return parser


def test_env_file_sets_only_real_settings(tmp_path):
    known = set(config_module.defaults(str(tmp_path))) | set(config_module._RENAMED.values()) | {
        "SECRET_KEY", "INSTANCE_PATH", "MAIL_DEFAULT_SENDER", "SCHEDULER_DISPATCH", "SESSION_COOKIE_SECURE"}
    gunicorn_names = set((ROOT / "gunicorn.conf.py").read_text().split('os.environ.get("')[1:])
    gunicorn_vars = {chunk.split('"', 1)[0] for chunk in gunicorn_names}
    lines = [line for line in (DEPLOY / "policyhub.env").read_text().splitlines() if line and not line.startswith("#")]
    assert lines
    for line in lines:
        name, _, value = line.partition("=")
        assert value, name
        if name.startswith("GUNICORN_"):
            assert name in gunicorn_vars, name
        else:
            key = config_module._RENAMED.get(name.removeprefix("POLICYHUB_"), name.removeprefix("POLICYHUB_"))
            assert name.startswith("POLICYHUB_") and key in known, name
    settings = dict(line.split("=", 1) for line in lines)
    assert settings["POLICYHUB_PROXY_FIX"] == "1"
    assert settings["POLICYHUB_RATELIMIT_STORAGE_URL"].startswith("redis://")
    assert settings["POLICYHUB_SCHEDULER_DISPATCH"] == "0"


@pytest.mark.parametrize("unit, command", [
    ("policyhub-web.service", ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]),
    ("policyhub-scheduler.service", ["flask", "--app", "wsgi", "scheduler"]),
    ("policyhub-dispatch@.service", ["flask", "--app", "wsgi", "notify", "dispatch", "--interval", "5"]),
])
def test_units_start_the_processes_the_smoke_run_starts(unit, command):
    service = _unit(unit)["Service"]
    argv = shlex.split(service["ExecStart"])
    assert Path(argv[0]).name == command[0] and argv[1:] == command[1:]
    assert service["EnvironmentFile"] == "/etc/policyhub/policyhub.env"
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 30
    assert service["User"] == "policyhub"
    smoke = (ROOT / "scripts" / "prodshape.py").read_text()
    assert all(f'"{part}"' in smoke for part in command[1:] if part not in {"5", "--interval"})


def test_every_unit_file_named_in_the_guide_exists():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    for path in sorted(DEPLOY.iterdir()):
        assert f"deploy/{path.name}" in guide, path.name
    assert _unit("policyhub-backup.timer")["Timer"]["OnCalendar"]



def test_flask_commands_in_units_exist(app):
    assert "scheduler" in app.cli.commands
    assert "dispatch" in app.cli.commands["notify"].commands
    assert "users" in app.cli.commands and "seed" in app.cli.commands


@pytest.mark.postgres
def test_backup_then_restore_round_trip(make_app, editor_token, tmp_path, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("backup and restore are for PostgreSQL")
    app = make_app()
    client = app.test_client()
    original = "滨州市支持企业技术改造的若干措施\n对本市中小微企业的技术改造项目给予补贴。".encode("gb18030")
    response = client.post("/api/v1/policies", headers={"Authorization": f"Bearer {editor_token}"},
                           data={"file": (io.BytesIO(original), "jigai.txt")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    policy_id = response.get_json()["id"]
    instance = tmp_path / "live-instance"
    (instance / "keep").mkdir(parents=True)
    (instance / "keep" / "note.txt").write_text("实例文件")
    env = {**os.environ, "POLICYHUB_DATABASE_URL": database_url, "POLICYHUB_INSTANCE_PATH": str(instance)}

    made = subprocess.run(["bash", str(ROOT / "scripts" / "backup.sh"), str(tmp_path / "backups")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    backup_dir = Path(made.stdout.strip().splitlines()[-1])
    assert {p.name for p in backup_dir.iterdir()} == {"database.dump", "instance.tar.gz", "SHA256SUMS"}

    # The damage: the policy and its file gone, the instance folder emptied.
    with app.app_context():
        db.session.execute(delete(Policy).where(Policy.id == policy_id))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    (instance / "keep" / "note.txt").unlink()

    restored = subprocess.run(["bash", str(ROOT / "scripts" / "restore.sh"), str(backup_dir)], env=env,
                              capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stderr
    with app.app_context():
        files = db.session.scalars(select(PolicyFile).where(PolicyFile.policy_id == policy_id)).all()
        assert len(files) == 1 and files[0].data == original
        assert db.session.get(Policy, policy_id) is not None
    assert (instance / "keep" / "note.txt").read_text() == "实例文件"

    # A damaged backup is refused before anything is replaced.
    (backup_dir / "instance.tar.gz").write_bytes(b"broken")
    refused = subprocess.run(["bash", str(ROOT / "scripts" / "restore.sh"), str(backup_dir)], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
