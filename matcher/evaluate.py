"""Precision/recall of criteria extraction, policy facts and policy–enterprise matching on labelled sets.

`python -m matcher.evaluate` scores the engine on the real set: policy texts nobody here wrote
(data/matcher/real/policies, each with its source, labelled by shared/reference/labelling.md before
the engine saw it), split for good into a dev part that tuning may look at and a test part that is
only scored (`split_of`), over the synthetic population in data/matcher/real/enterprises.csv; the
expected pairs come from the labels by the written-out rules (`rule_verdict`). `--demo` scores the
fictional demo policies instead: they are unit tests of the extractor's format, not a measure.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
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
from matcher.facts import FACT_FIELDS, PolicyFacts, extract_facts
from matcher.regions import NATIONWIDE, Regions, default_regions
from matcher.taxonomy import Taxonomy, default_taxonomy
from matcher.tokenize import simplified

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
            header, body = _header_and_body(path)
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


# --- the real set ------------------------------------------------------------------------------

REAL_DIR = DATA_DIR / "matcher" / "real"
#: The department a real text is uploaded by on the platform: its area is only the fallback region.
UPLOADER = "滨州市工业和信息化局"
#: Share of the real texts that form the test part (chosen by a hash of the file name, never by hand).
TEST_SHARE = 0.4


def split_of(key: str) -> str:
    """"dev" or "test" for a real text, fixed for good by its file name (a new text never moves an old one)."""
    digest = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16)
    return "test" if digest / 0xFFFFFFFF < TEST_SHARE else "dev"


@dataclass
class RealPolicy(LabelledPolicy):
    """A real policy text with its labels, source and facts."""

    source: str = ""
    kind: str = ""
    origin: str = ""
    completeness: str = ""
    split: str = "dev"
    skip_pairs: bool = False
    facts: dict[str, str] = field(default_factory=dict)
    note: str = ""
    uploader: str = UPLOADER
    _facts: PolicyFacts | None = field(default=None, repr=False)

    def extract(self) -> Criteria:
        """The criteria the engine reads, the text uploaded by UPLOADER with nothing else said."""
        if self._extracted is None:
            self._extracted = extract_criteria(self.title, self.body, department=self.uploader)
        return self._extracted

    def extracted_facts(self) -> PolicyFacts:
        """The facts the engine reads from the text (cached)."""
        if self._facts is None:
            self._facts = extract_facts(self.title, self.body)
        return self._facts


def _header_and_body(path: Path) -> tuple[dict[str, str], str]:
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    header = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        header[key.strip()] = value.strip()
    return header, body


def _all_is_empty(value: str) -> str:
    return "" if value.strip().upper() == "ALL" else value


def load_real_policies(folder: Path | None = None) -> list[RealPolicy]:
    """The real texts with their labels (see data/matcher/README.md for the header)."""
    out = []
    for path in sorted((folder or REAL_DIR / "policies").glob("*.txt")):
        header, body = _header_and_body(path)
        gold = Criteria.from_dict({
            **{name: _all_is_empty(header.get(name, "")) for name in CRITERIA_FIELDS},
            "above_scale_only": header.get("above_scale_only", "false").lower() == "true",
        })
        effective_to = header.get("effective_to") or ""
        out.append(RealPolicy(
            key=path.stem, title=header.get("title", ""), issuer=None, body=body, gold=gold,
            effective_to=date.fromisoformat(effective_to) if effective_to else None, held_out=True,
            source=header.get("source", ""), kind=header.get("kind", ""), origin=header.get("origin", ""),
            completeness=header.get("completeness", ""), split=split_of(path.stem),
            skip_pairs=header.get("skip_pairs", "false").lower() == "true",
            facts={name: header.get("department" if name == "issuer" else name, "") for name in FACT_FIELDS},
            note=header.get("note", ""),
        ))
    return out


def _same_fact(name: str, got: object, want: str) -> bool:
    if got is None:
        return False
    if isinstance(got, str):
        got, want = simplified(got), simplified(want)
    if name == "max_support_wan":
        return abs(float(got) - float(want)) < 1e-6
    if name == "contact":
        phones = set(re.findall(r"\d{7,}", re.sub(r"[-－—\s]", "", want)))
        return bool(phones & set(re.findall(r"\d{7,}", re.sub(r"[-－—\s]", "", str(got))))) if phones else True
    if name == "issuer":
        wanted = {w.strip() for w in want.split(";") if w.strip()}
        gotten = {g.strip() for g in str(got).split(";") if g.strip()}
        return bool(wanted & gotten) or any(w in g or g in w for w in wanted for g in gotten)
    if name == "doc_number":
        return re.sub(r"[〔〕\[\]［］()（）\s]", "", str(got)) == re.sub(r"[〔〕\[\]［］()（）\s]", "", want)
    shown = got.isoformat() if isinstance(got, date) else str(got)
    return shown == want


@dataclass
class FactScore:
    """How one fact was read: right, wrong, missed (the text states it) and invented (it does not)."""

    right: int = 0
    wrong: int = 0
    missed: int = 0
    invented: int = 0

    @property
    def accuracy(self) -> float:
        stated = self.right + self.wrong + self.missed
        return self.right / stated if stated else 1.0


@dataclass
class RealReport:
    """What evaluate_real() measured on one part."""

    criteria: Report
    per_policy: list[tuple[str, float, int, int]]  # key, F1 of eligible pairs, matched, expected
    facts: dict[str, FactScore]
    outside_region: int
    mistakes: dict[str, list[str]]

    @property
    def mean_policy_f1(self) -> float:
        return sum(f for _, f, _, _ in self.per_policy) / len(self.per_policy) if self.per_policy else 1.0


def evaluate_real(policies: Sequence[RealPolicy], enterprises: Sequence[EnterpriseProfile],
                  index: MatchIndex | None = None) -> RealReport:
    """Score criteria, pairs (no expiry: whom a text targets), per-policy F1, facts and region leaks."""
    index = index or MatchIndex().fit(enterprises)
    reg = default_regions()
    scored = [p for p in policies if not p.skip_pairs]
    expected = [(p.key, e.id, v) for p in scored for e in enterprises
                if (v := rule_verdict(e, p.gold)) is not None]
    report = evaluate(scored, enterprises, expected, as_of=date.min, index=index)
    by_key: dict[str, set[int]] = {}
    for key, enterprise_id, verdict in expected:
        if verdict == ELIGIBLE:
            by_key.setdefault(key, set()).add(enterprise_id)
    per_policy = []
    outside = 0
    places = {e.id: e.region_code for e in enterprises}
    mistakes: dict[str, list[str]] = {}
    for policy in scored:
        got = {m.enterprise_id for m in index.match(policy.extract(), policy.body) if m.eligibility == ELIGIBLE}
        want = by_key.get(policy.key, set())
        counts = Counts()
        counts.add(got, want)
        per_policy.append((policy.key, counts.f1, len(got), len(want)))
        gold_regions = [r for r in policy.gold.regions if reg.canonical(r) != NATIONWIDE]
        if gold_regions:
            outside += sum(1 for i in got - want if places.get(i) and not any(
                reg.covers(r, places[i]) or reg.covers(places[i], r) for r in gold_regions))
        got_c, want_c = policy.extracted(), policy.gold_normalised()
        mistakes[policy.key] = [f"{name}: {_show(got_c[name])} ≠ {_show(want_c[name])}" for name in FIELDS
                                if got_c[name] != want_c[name]]
    facts = {name: FactScore() for name in FACT_FIELDS}
    for policy in policies:
        read = policy.extracted_facts()
        for name in FACT_FIELDS:
            want, got = policy.facts.get(name, ""), getattr(read, name)
            score = facts[name]
            if not want:
                score.invented += got is not None
            elif got is None:
                score.missed += 1
            elif _same_fact(name, got, want):
                score.right += 1
            else:
                score.wrong += 1
    per_policy.sort(key=lambda item: (item[1], item[0]))
    return RealReport(report, per_policy, facts, outside, mistakes)


def print_real_report(title: str, report: RealReport, *, details: bool, out=None) -> None:
    """The real set's figures: criteria, pairs, per-policy F1 and its worst ten, facts, region leaks."""
    out = out or sys.stdout
    print_report(title, report.criteria, details=True, out=out) if details else _print_summary(title, report, out)
    below = sum(1 for _, f, _, _ in report.per_policy if f < 0.5)
    print(f"per-policy F1 (eligible pairs): mean {report.mean_policy_f1:.3f}; {below} of {len(report.per_policy)} "
          f"below 0.5; pushes outside the policy's region: {report.outside_region}", file=out)
    print("every policy, worst first:" if details else "worst ten:", file=out)
    for key, f1, got, want in report.per_policy if details else report.per_policy[:10]:
        wrong = "; ".join(report.mistakes.get(key, [])) or "criteria right"
        print(f"  {f1:5.3f}  {key}  matched {got}, expected {want}  — {wrong}", file=out)
    print(f"{'fact':16} {'accuracy':>8}  right wrong missed invented", file=out)
    for name, score in report.facts.items():
        print(f"{name:16} {score.accuracy:8.3f}  {score.right:5} {score.wrong:5} {score.missed:6} {score.invented:8}",
              file=out)


def _print_summary(title: str, report: RealReport, out) -> None:
    c = report.criteria
    print(f"\n== {title}: {c.n_policies} policies ==", file=out)
    print(f"{'criteria field':22} {'precision':>9} {'recall':>7} {'exact':>9}", file=out)
    for name in FIELDS:
        counts = c.fields[name]
        print(f"{name:22} {counts.precision:9.3f} {counts.recall:7.3f} {c.exact[name]:>4}/{c.n_policies:<4}",
              file=out)
    for label, counts in (("pairs (eligible)", c.pairs_eligible), ("pairs (eligible+need_more_info)", c.pairs_any)):
        print(f"{label:32} precision {counts.precision:.3f}  recall {counts.recall:.3f}  F1 {counts.f1:.3f}"
              f"  (tp {counts.tp}, fp {counts.fp}, fn {counts.fn})", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: the real set's dev and test parts; --demo for the fictional set; --write-pairs relabels it."""
    parser = argparse.ArgumentParser(prog="python -m matcher.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="score the fictional demo policies instead")
    parser.add_argument("--part", choices=("dev", "test", "both"), default="both", help="which part of the real set")
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF, help="reference day for --demo")
    parser.add_argument("--details", action="store_true", help="list every disagreement")
    parser.add_argument("--write-pairs", action="store_true", help="rewrite the demo set's pairs.csv")
    args = parser.parse_args(argv)
    if args.demo or args.write_pairs:
        return _main_demo(args)
    policies = load_real_policies()
    enterprises = load_enterprises(REAL_DIR / "enterprises.csv")
    index = MatchIndex().fit(enterprises)
    counts = {part: sum(p.split == part for p in policies) for part in ("dev", "test")}
    print(f"real set: {len(policies)} texts ({counts['dev']} dev, {counts['test']} test), "
          f"{len(enterprises)} synthetic enterprises; uploaded by {UPLOADER}, no criteria given")
    reports = {}
    for part in ("dev", "test") if args.part == "both" else (args.part,):
        chosen = [p for p in policies if p.split == part]
        reports[part] = evaluate_real(chosen, enterprises, index)
        print_real_report(f"{part} part", reports[part], details=args.details)
    for part, report in reports.items():
        c = report.criteria.pairs_eligible
        verdict = "meets" if c.precision >= 0.9 and c.recall >= 0.9 else "misses"
        print(f"{part}: pair precision {c.precision:.3f} recall {c.recall:.3f}: {verdict} the 0.9/0.9 target")
    return 0


def _main_demo(args: argparse.Namespace) -> int:
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
        f"demo set (fictional): {len(policies)} policies, {len(enterprises)} enterprises, {len(expected)} expected pairs, as of {args.as_of}"
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
