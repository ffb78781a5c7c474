"""Precision/recall of criteria extraction and of policy–enterprise matching on the labelled set.

Run `python -m matcher.evaluate` (add --details for every disagreement). The labelled set is the
39 demo policies (data/demo/policies, their headers set by hand from the bodies), the held-out
policies in data/matcher/labelled/policies (written after the extractor was tuned), the synthetic
enterprises in data/matcher/labelled/enterprises.csv and the expected pairs in pairs.csv.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from matcher._data import DATA_DIR
from matcher.criteria import CRITERIA_FIELDS, Criteria, EnterpriseProfile
from matcher.engine import ELIGIBLE, NEED_MORE_INFO, MatchIndex
from matcher.extract import (
    QualificationList,
    collapse_codes,
    default_qualifications,
    extract_criteria,
    valid_until,
)
from matcher.regions import NATIONWIDE, Regions, default_regions
from matcher.taxonomy import Taxonomy, default_taxonomy

__all__ = [
    "AS_OF",
    "LabelledPolicy",
    "evaluate",
    "label_pairs",
    "load_enterprises",
    "load_pairs",
    "load_policies",
    "main",
    "rule_verdict",
]

LABELLED_DIR = DATA_DIR / "matcher" / "labelled"
DEMO_DIR = DATA_DIR / "demo" / "policies"
DEPARTMENTS = DATA_DIR / "demo" / "departments.csv"
#: The day the labelled pairs hold for: policies whose validity ended before it are pushed to no one.
AS_OF = date(2026, 11, 20)


@dataclass
class LabelledPolicy:
    """A policy text with the criteria an editor set by reading it."""

    key: str
    title: str
    issuer: str | None
    body: str
    gold: Criteria
    effective_to: date | None
    held_out: bool = False
    _extracted: Criteria | None = field(default=None, repr=False)

    def extract(self) -> Criteria:
        """The criteria the extractor reads from the text (cached)."""
        if self._extracted is None:
            self._extracted = extract_criteria(self.title, self.body, self.issuer)
        return self._extracted

    def extracted(self) -> dict[str, object]:
        """The extracted criteria in comparable form (see normalised)."""
        return normalised(self.extract())

    def gold_normalised(self) -> dict[str, object]:
        """The gold criteria in comparable form."""
        return normalised(self.gold)

    def expired(self, as_of: date, *, from_text: bool) -> bool:
        """Whether the policy's validity ended before as_of (read from its text, or from the header)."""
        end = valid_until(self.body) if from_text else self.effective_to
        return end is not None and end < as_of


def normalised(criteria: Criteria, taxonomy: Taxonomy | None = None, regions: Regions | None = None) -> dict:
    """Criteria as sets that compare equal when they mean the same (collapsed codes, current region codes)."""
    tax = taxonomy or default_taxonomy()
    reg = regions or default_regions()
    return {
        "industries": frozenset(collapse_codes(criteria.industries, tax)),
        "excluded_industries": frozenset(collapse_codes(criteria.excluded_industries, tax)),
        "sizes": frozenset(criteria.sizes),
        "regions": frozenset(reg.canonical(r) for r in criteria.regions),
        "qualifications": frozenset(criteria.qualifications),
        "above_scale_only": criteria.above_scale_only,
    }


def load_policies(*folders: Path, departments: Path = DEPARTMENTS) -> list[LabelledPolicy]:
    """Policies from header+body files (data/demo/README.md describes the format)."""
    issuers: dict[str, str] = {}
    if departments.exists():
        with open(departments, encoding="utf-8", newline="") as handle:
            issuers = {row["code"]: row["name"] for row in csv.DictReader(handle)}
    out = []
    for folder in folders or (DEMO_DIR, LABELLED_DIR / "policies"):
        for path in sorted(Path(folder).glob("*.txt")):
            head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
            header = {}
            for line in head.splitlines():
                key, _, value = line.partition(":")
                header[key.strip()] = value.strip()
            gold = Criteria.from_dict(
                {
                    **{name: header.get(name, "") for name in CRITERIA_FIELDS},
                    "above_scale_only": header.get("above_scale_only", "false").lower() == "true",
                }
            )
            department = header.get("department") or None
            out.append(
                LabelledPolicy(
                    key=path.stem,
                    title=header.get("title", ""),
                    issuer=issuers.get(department or "", department),
                    body=body,
                    gold=gold,
                    effective_to=date.fromisoformat(header["effective_to"]) if header.get("effective_to") else None,
                    held_out=Path(folder).resolve() != DEMO_DIR.resolve(),
                )
            )
    return out


def load_enterprises(path: Path | None = None) -> list[EnterpriseProfile]:
    """Profiles from enterprises.csv (empty cells mean unknown; qualifications ;-separated)."""

    def number(value: str) -> float | None:
        return float(value) if value.strip() else None

    with open(path or LABELLED_DIR / "enterprises.csv", encoding="utf-8", newline="") as handle:
        return [
            EnterpriseProfile(
                id=int(row["id"]),
                name=row["name"],
                industry_code=row["industry_code"],
                size=row["size"] or None,
                region_code=row["region_code"] or None,
                qualifications=frozenset(q for q in row["qualifications"].split(";") if q),
                above_scale=None if not row["above_scale"] else row["above_scale"] == "true",
                business_scope=row["business_scope"],
                employees=int(row["employees"]) if row["employees"] else None,
                revenue_wan=number(row["revenue_wan"]),
                assets_wan=number(row["assets_wan"]),
            )
            for row in csv.DictReader(handle)
        ]


def rule_verdict(
    profile: EnterpriseProfile,
    criteria: Criteria,
    taxonomy: Taxonomy | None = None,
    regions: Regions | None = None,
    qualifications: QualificationList | None = None,
) -> str | None:
    """The matching rules written out for one enterprise: eligible, need_more_info or None (not concerned).

    This is the reference the labelled pairs are made with and the per-enterprise loop the benchmark
    compares the vectorised index against.
    """
    tax = taxonomy or default_taxonomy()
    reg = regions or default_regions()
    quals = qualifications or default_qualifications()
    missing = False
    code = profile.industry_code
    if criteria.industries:
        if not code:
            missing = True
        elif not any(tax.covers(w, code) for w in criteria.industries):
            if not any(tax.covers(code, w) for w in criteria.industries):
                return None
            missing = True  # coded as 32 where the policy wants 3216
    if criteria.excluded_industries:
        if code and any(tax.covers(x, code) for x in criteria.excluded_industries):
            return None
        if not code or any(tax.covers(code, x) for x in criteria.excluded_industries):
            missing = True
    if criteria.sizes:
        if profile.size is None:
            missing = True
        elif profile.size not in criteria.sizes:
            return None
    if criteria.regions and not any(reg.canonical(r) == NATIONWIDE for r in criteria.regions):
        if not profile.region_code:
            missing = True
        elif not any(reg.covers(a, profile.region_code) for a in criteria.regions):
            if not any(reg.covers(profile.region_code, a) for a in criteria.regions):
                return None
            missing = True  # registered as 滨州市 where the policy wants 博兴县
    if criteria.above_scale_only:
        if profile.above_scale is None:
            missing = True
        elif not profile.above_scale:
            return None
    if criteria.qualifications:
        held = quals.closure(profile.qualifications)
        if not held & {quals.canonical(q) for q in criteria.qualifications}:
            return None
    return NEED_MORE_INFO if missing else ELIGIBLE


def label_pairs(
    policies: Sequence[LabelledPolicy], enterprises: Sequence[EnterpriseProfile], as_of: date = AS_OF
) -> list[tuple[str, int, str]]:
    """(policy key, enterprise id, eligibility) for every pair the gold criteria make, expired policies left out."""
    pairs = []
    for policy in policies:
        if policy.expired(as_of, from_text=False):
            continue
        for profile in enterprises:
            verdict = rule_verdict(profile, policy.gold)
            if verdict is not None:
                pairs.append((policy.key, profile.id, verdict))
    return pairs


def load_pairs(path: Path | None = None) -> list[tuple[str, int, str]]:
    """The expected pairs from pairs.csv (policy,enterprise_id,eligibility)."""
    with open(path or LABELLED_DIR / "pairs.csv", encoding="utf-8", newline="") as handle:
        return [(row["policy"], int(row["enterprise_id"]), row["eligibility"]) for row in csv.DictReader(handle)]


def write_pairs(pairs: Iterable[tuple[str, int, str]], path: Path | None = None) -> None:
    """Write pairs.csv."""
    with open(path or LABELLED_DIR / "pairs.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["policy", "enterprise_id", "eligibility"])
        writer.writerows(pairs)


@dataclass
class Counts:
    """True positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: set, expected: set) -> None:
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """What evaluate() measured."""

    fields: dict[str, Counts]
    exact: dict[str, int]
    n_policies: int
    pairs_eligible: Counts
    pairs_any: Counts
    failures: list[str]


FIELDS = (*CRITERIA_FIELDS, "above_scale_only")


def evaluate(
    policies: Sequence[LabelledPolicy],
    enterprises: Sequence[EnterpriseProfile],
    expected_pairs: Iterable[tuple[str, int, str]],
    as_of: date = AS_OF,
    index: MatchIndex | None = None,
) -> Report:
    """Compare extracted criteria with the gold ones, and the engine's pairs with the expected pairs."""
    index = index or MatchIndex().fit(enterprises)
    expected: dict[str, dict[int, str]] = {}
    for key, enterprise_id, eligibility in expected_pairs:
        expected.setdefault(key, {})[enterprise_id] = eligibility
    fields = {name: Counts() for name in FIELDS}
    exact = dict.fromkeys(FIELDS, 0)
    pairs_eligible, pairs_any = Counts(), Counts()
    failures = []
    for policy in policies:
        got, want = policy.extracted(), policy.gold_normalised()
        for name in FIELDS:
            if name == "above_scale_only":
                fields[name].add({True} if got[name] else set(), {True} if want[name] else set())
            else:
                fields[name].add(set(got[name]), set(want[name]))
            exact[name] += got[name] == want[name]
            if got[name] != want[name]:
                failures.append(f"{policy.key}: {name} extracted {_show(got[name])}, expected {_show(want[name])}")
        if policy.expired(as_of, from_text=True):
            predicted: dict[int, str] = {}
        else:
            predicted = {m.enterprise_id: m.eligibility for m in index.match(policy.extract(), policy.body)}
        wanted = expected.get(policy.key, {})
        pred_eligible = {(policy.key, i) for i, e in predicted.items() if e == ELIGIBLE}
        want_eligible = {(policy.key, i) for i, e in wanted.items() if e == ELIGIBLE}
        pairs_eligible.add(pred_eligible, want_eligible)
        pairs_any.add({(policy.key, i) for i in predicted}, {(policy.key, i) for i in wanted})
        wrong = set(predicted.items()) ^ set(wanted.items())
        if wrong:
            extra = len(set(predicted) - set(wanted))
            lost = len(set(wanted) - set(predicted))
            failures.append(
                f"{policy.key}: pairs {len(predicted)} matched, {len(wanted)} expected "
                f"({extra} extra, {lost} missed, {len(wrong) // 2 if not (extra or lost) else 0} eligibility differs)"
            )
    return Report(fields, exact, len(policies), pairs_eligible, pairs_any, failures)


def _show(value: object) -> str:
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(value)) + "]" if value else "[]"
    return str(value).lower()


def print_report(title: str, report: Report, *, details: bool, out=None) -> None:
    """The figures as a table."""
    out = out or sys.stdout
    print(f"\n== {title}: {report.n_policies} policies ==", file=out)
    print(f"{'criteria field':22} {'precision':>9} {'recall':>7} {'exact':>9}", file=out)
    for name in FIELDS:
        c = report.fields[name]
        print(
            f"{name:22} {c.precision:9.3f} {c.recall:7.3f} {report.exact[name]:>4}/{report.n_policies:<4}",
            file=out,
        )
    for label, c in (
        ("pairs (eligible)", report.pairs_eligible),
        ("pairs (eligible+need_more_info)", report.pairs_any),
    ):
        print(
            f"{label:32} precision {c.precision:.3f}  recall {c.recall:.3f}  F1 {c.f1:.3f}"
            f"  (tp {c.tp}, fp {c.fp}, fn {c.fn})",
            file=out,
        )
    if report.failures:
        print(f"disagreements: {len(report.failures)}", file=out)
        for line in report.failures if details else report.failures[:20]:
            print(f"  - {line}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the evaluation, or (--write-pairs) relabel pairs.csv from the gold criteria."""
    parser = argparse.ArgumentParser(prog="python -m matcher.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF, help="reference day (YYYY-MM-DD)")
    parser.add_argument("--details", action="store_true", help="list every disagreement")
    parser.add_argument("--write-pairs", action="store_true", help="rewrite pairs.csv from the gold criteria")
    args = parser.parse_args(argv)

    policies = load_policies()
    enterprises = load_enterprises()
    if args.write_pairs:
        pairs = label_pairs(policies, enterprises, args.as_of)
        write_pairs(pairs)
        print(f"wrote {len(pairs)} pairs for {len(policies)} policies and {len(enterprises)} enterprises")
        return 0
    expected = load_pairs()
    index = MatchIndex().fit(enterprises)
    print(
        f"labelled set: {len(policies)} policies, {len(enterprises)} enterprises, {len(expected)} expected pairs, as of {args.as_of}"
    )
    whole = evaluate(policies, enterprises, expected, args.as_of, index)
    print_report("all policies", whole, details=args.details)
    held_out = [p for p in policies if p.held_out]
    if held_out:
        keys = {p.key for p in held_out}
        report = evaluate(held_out, enterprises, [x for x in expected if x[0] in keys], args.as_of, index)
        print_report("held-out policies only (written after tuning)", report, details=args.details)
    target = whole.pairs_eligible.f1
    print(f"\npair F1 (eligible) {target:.3f}: {'meets' if target >= 0.9 else 'misses'} the 0.9 target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
