"""Benchmark: import 100,000 generated enterprise rows, beside a bare executemany of the same rows.

Prints wall time and rows/second for (a) the full import path (CSV decode, validation of every field,
size derivation, upsert, subscriptions) and (b) a bare INSERT executemany of the already-valid rows into
an empty copy of the table, both on SQLite files in the same run. Target: (a) <= 60 s on 2 cores.
Run: .venv/bin/python bench/import_enterprises.py [ROWS]
"""

from __future__ import annotations

import csv
import io
import random
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
from sqlalchemy import insert

from policyhub import create_app
from policyhub.extensions import db
from policyhub.models import Enterprise, utcnow
from policyhub.services.enterprise_import import import_enterprises
from policyhub.services.enterprises import derive_size, validate_profile
from policyhub.services.identifiers import credit_code_check_char, org_code_check_char

INDUSTRIES = ["3216", "3252", "3311", "3670", "2614", "2661", "1711", "1771", "1810", "1331", "1311", "0311",
              "0412", "5211", "5126", "6210", "6513", "7010", "4710", "7211"]
REGIONS = ["371602", "371603", "371621", "371622", "371623", "371625", "371626"]


def generate(rows: int, seed: int = 4754) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["credit_code", "name", "industry_code", "employees", "revenue_wan", "region_code",
                     "business_scope", "mobile", "email", "channels"])
    for i in range(rows):
        region = rng.choice(REGIONS)
        body = f"{i:08d}"
        first17 = "91" + region + body + org_code_check_char(body)
        code = first17 + credit_code_check_char(first17)
        channels = rng.choice(["sms", "email", "sms;email", ""])
        writer.writerow([code, f"滨州测试企业{i}有限公司", rng.choice(INDUSTRIES), rng.randint(1, 3000),
                         round(rng.uniform(10, 90000), 2), region, "生产、加工、销售；货物进出口",
                         f"138{i:08d}", f"e{i}@example.com", channels])
    return out.getvalue().encode("utf-8")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    data = generate(rows)
    with tempfile.TemporaryDirectory() as folder:
        timings = {}
        for name in ("import", "bare"):
            app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/{name}.db",
                              "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
            with app.app_context():
                flask_migrate.upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
                if name == "import":
                    started = time.perf_counter()
                    report = import_enterprises(None, "bench.csv", data)
                    db.session.commit()
                    timings[name] = time.perf_counter() - started
                    assert report.created == rows and not report.errors, report.errors[:3]
                else:
                    # The floor: rows validated beforehand, then one executemany and a commit.
                    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
                    now = utcnow()
                    prepared = []
                    for record in reader:
                        values = validate_profile(record, check_contacts=False).values
                        prepared.append({k: values.get(k) for k in ("credit_code", "name", "industry_code",
                                                                     "employees", "revenue_wan", "region_code",
                                                                     "business_scope", "mobile", "email")}
                                        | {"qualifications": [], "source": "bench", "created_at": now,
                                           "updated_at": now} | derive_size(values))
                    started = time.perf_counter()
                    db.session.execute(insert(Enterprise), prepared)
                    db.session.commit()
                    timings[name] = time.perf_counter() - started
                db.session.remove()
                db.engine.dispose()
    full, bare = timings["import"], timings["bare"]
    print(f"rows: {rows}")
    print(f"import (decode, validate, derive size, upsert, subscriptions): {full:.2f} s  "
          f"({rows / full:,.0f} rows/s)  target <= 60 s: {'met' if full <= 60 else 'MISSED'}")
    print(f"bare executemany of pre-validated rows:                        {bare:.2f} s  "
          f"({rows / bare:,.0f} rows/s)")
    print(f"ratio import / bare insert: {full / bare:.1f}x")


if __name__ == "__main__":
    main()
