"""Benchmark: the publish preview of a draft that would reach ~100,000 of 300,000 enterprises (target <= 1 s).

Seeds the enterprises as bench/publish_100k.py does, warms the per-process match index, then times
preview_policy(): the eligible set (vectorised), counts by county, size and industry section, a sample of
ten with reasons, and the count of subscribed firms; nothing is written.
Run: .venv/bin/python bench/preview.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
from sqlalchemy import func, select

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from publish_100k import BODY, CRITERIA, MIGRATIONS, seed  # noqa: E402

from policyhub import create_app  # noqa: E402
from policyhub.extensions import db  # noqa: E402
from policyhub.models import PolicyMatch, User, utcnow  # noqa: E402
from policyhub.push.preview import preview_policy  # noqa: E402
from policyhub.services.policies import create_policy  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/preview.db", "INSTANCE_PATH": folder,
                          "SECRET_KEY": "bench"})
        with app.app_context():
            flask_migrate.upgrade(directory=MIGRATIONS)
            seed(n)
            editor = db.session.scalar(select(User))
            draft = create_policy(editor, {"title": "滨州市支持小微铝企业技术改造的若干措施", "body": BODY,
                                           "criteria": CRITERIA})
            db.session.commit()
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                preview = preview_policy(draft, now=utcnow())
                timings.append(time.perf_counter() - started)
            written = db.session.scalar(select(func.count(PolicyMatch.id)))
    best = min(timings)
    print(f"preview of {n} enterprises: {preview.eligible} eligible, {preview.subscribed} subscribed, "
          f"{len(preview.by_county)} counties, {len(preview.sample)} sampled; match rows written: {written}")
    print(f"preview time: best {best:.2f} s of {len(timings)} (first {timings[0]:.2f} s)   "
          f"target <= 1 s: {'met' if best <= 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
