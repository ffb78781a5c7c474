"""Measure policy search on the real labelled texts: nDCG@10 and recall@10 on the dev and frozen test queries.

    python -m policyhub.search_eval [--database-url URL] [--verbose]

--verbose prints the dev queries' results only; tune on those, never on the test part.

The texts are loaded into a fresh database through the normal services (create, publish), then every query of
data/search/judgments.tsv is run through search_policies(). SQLite in a temporary folder by default; a PostgreSQL
URL is emptied first (its public schema is dropped), so never point it at a database you keep.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from matcher._data import DATA_DIR
from matcher.evaluate import load_real_policies

__all__ = ["EVAL_NOW", "Judgments", "Scores", "evaluate", "load_judgments", "loaded_database", "main", "ndcg_at", "recall_at"]

JUDGMENTS = DATA_DIR / "search" / "judgments.tsv"
# Fixed so the figures do not move with the calendar: policies expired by then rank as expired.
EVAL_NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
K = 10


@dataclass(frozen=True)
class Judgments:
    """Graded relevance per query (policy key → grade > 0) and which part each query is in."""

    grades: dict[str, dict[str, int]]
    split: dict[str, str]


@dataclass(frozen=True)
class Scores:
    ndcg: float
    recall: float
    empty: int
    queries: int


def load_judgments(path: Path = JUDGMENTS) -> Judgments:
    """The judgments file: query, split (dev/test), policy key, grade; comment lines start with #."""
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    split: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, part, key, grade = line.split("\t")
        split[query] = part
        if int(grade) > 0:
            grades[query][key] = int(grade)
    return Judgments(dict(grades), split)


def ndcg_at(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """Normalised discounted cumulative gain of the first k results, gain 2^grade - 1."""
    dcg = sum((2 ** grades.get(key, 0) - 1) / math.log2(i + 2) for i, key in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """Share of the relevant policies in the first k, out of at most k (a query with 14 relevant can reach 1)."""
    if not grades:
        return 0.0
    return len(set(ranked[:k]) & set(grades)) / min(len(grades), k)


def evaluate(run: Callable[[str], list[str]], judgments: Judgments) -> dict[str, Scores]:
    """Scores per part for a function from a query to ranked policy keys."""
    per_part: dict[str, list[tuple[float, float, bool]]] = defaultdict(list)
    for query, part in sorted(judgments.split.items()):
        grades = judgments.grades.get(query, {})
        ranked = run(query)
        per_part[part].append((ndcg_at(ranked, grades), recall_at(ranked, grades),
                               not set(ranked[:K]) & set(grades)))
    return {
        part: Scores(sum(r[0] for r in rows) / len(rows), sum(r[1] for r in rows) / len(rows),
                     sum(r[2] for r in rows), len(rows))
        for part, rows in sorted(per_part.items())
    }


def _load_texts(now: datetime) -> dict[int, str]:
    """The real texts as published policies of one department; returns policy id → text key."""
    from policyhub.extensions import db
    from policyhub.models.policy import EXPIRED
    from policyhub.services import departments, policies, users
    from policyhub.timeutil import local_date

    departments.create_department(None, code="eval", name="评测部门")
    editor, _ = users.create_user("eval-editor", "editor", department_code="eval")
    keys: dict[int, str] = {}
    for real in load_real_policies():
        issued = real.facts.get("issued_on") or ""
        values = {"title": real.title, "body": real.body, "department": "eval",
                  "issued_on": date.fromisoformat(issued) if issued else None,
                  "effective_to": real.effective_to}
        policy = policies.create_policy(editor, values, now=now)
        # The labelled validity, or where the label gives none, what the service read from the text.
        if policy.effective_to is not None and policy.effective_to < local_date(now):
            # As the nightly expiry job leaves it: found, but as expired.
            policy.status = EXPIRED
            policy.published_at = now
        else:
            policies.publish_policy(editor, policy, now=now)
        keys[policy.id] = real.key
    db.session.commit()
    return keys


@contextlib.contextmanager
def loaded_database(url: str | None = None) -> Iterator[dict[int, str]]:
    """An app context over a fresh database holding the real texts; yields policy id → text key."""
    import flask_migrate
    from sqlalchemy import text

    from policyhub import create_app
    from policyhub.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{folder}/search_eval.db",
                          "INSTANCE_PATH": f"{folder}/instance", "SECRET_KEY": "search-eval", "SCHEDULER": "off",
                          "MAIL_SERVER": None, "TESTING": True})
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            flask_migrate.upgrade()
            try:
                yield _load_texts(EVAL_NOW)
            finally:
                db.session.remove()
                db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Load, run, print the figures per part; --verbose prints each query's top results."""
    parser = argparse.ArgumentParser(prog="python -m policyhub.search_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL to empty and use (default: a temporary SQLite file)")
    parser.add_argument("--verbose", action="store_true", help="print each dev query's top results")
    parser.add_argument("--verbose-test", action="store_true",
                        help="also the frozen test queries' (not while tuning: the test part must stay unseen)")
    args = parser.parse_args(argv)

    from policyhub.models.policy import EXPIRED, PUBLISHED
    from policyhub.services.search import PolicyQuery, search_policies

    judgments = load_judgments()
    with loaded_database(args.database_url) as keys:
        def run(q: str) -> list[str]:
            page = search_policies(PolicyQuery(q=q, statuses=(PUBLISHED, EXPIRED), public=False, per_page=K),
                                   now=EVAL_NOW)
            ranked = [keys[p.id] for p in page.items]
            if args.verbose and (judgments.split[q] == "dev" or args.verbose_test):
                grades = judgments.grades.get(q, {})
                shown = " ".join(f"{k[:4]}{'*' * grades.get(k, 0)}" for k in ranked)
                print(f"  [{judgments.split[q]}] {q}: {page.total} found; {shown}")
            return ranked

        scores = evaluate(run, judgments)
    print(f"search on {len(keys)} real texts, {db_name(args.database_url or 'sqlite')}, now={EVAL_NOW.isoformat()}")
    for part, s in scores.items():
        print(f"{part:5} queries={s.queries:3} nDCG@{K}={s.ndcg:.3f} recall@{K}={s.recall:.3f} "
              f"nothing_relevant_in_top{K}={s.empty}")
    return 0


def db_name(url: str) -> str:
    return url.split(":", 1)[0]


if __name__ == "__main__":
    sys.exit(main())
