"""Tests for matcher.evaluate: the labelled set loads, its pairs are current, and the target is met."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest

from matcher.criteria import Criteria, EnterpriseProfile
from matcher.engine import ELIGIBLE, NEED_MORE_INFO
from matcher.evaluate import (
    AS_OF,
    Counts,
    label_pairs,
    load_enterprises,
    load_pairs,
    load_policies,
    load_real_policies,
    main,
    rule_verdict,
    split_of,
)


@pytest.fixture(scope="module")
def policies():
    return load_policies()


@pytest.fixture(scope="module")
def enterprises():
    return load_enterprises()


def test_labelled_set_size(policies, enterprises) -> None:
    assert len(policies) >= 30
    assert len(enterprises) >= 200
    assert len({p.key for p in policies}) == len(policies)
    assert sum(p.held_out for p in policies) >= 10
    assert len(load_pairs()) > 1000


def test_pairs_file_is_current(policies, enterprises) -> None:
    # pairs.csv is what the gold criteria give with the written-out rules; rerun --write-pairs after editing.
    assert sorted(label_pairs(policies, enterprises, AS_OF)) == sorted(load_pairs())


def test_expired_policies_have_no_pairs(policies) -> None:
    keys = {key for key, _, _ in load_pairs()}
    expired = [p.key for p in policies if p.expired(AS_OF, from_text=False)]
    assert expired == ["28-vat-credit-refund", "31-work-for-training"]
    assert not keys & set(expired)
    # The text states the end of validity too, and the evaluation reads it from there.
    assert all(p.expired(AS_OF, from_text=True) for p in policies if p.key in expired)


def test_rule_verdict() -> None:
    p = EnterpriseProfile(1, "a", "3216", "small", "371681", above_scale=None)
    assert rule_verdict(p, Criteria()) == ELIGIBLE
    assert rule_verdict(p, Criteria(industries=("32",), regions=("371600",))) == ELIGIBLE
    assert rule_verdict(p, Criteria(industries=("17",))) is None
    assert rule_verdict(p, Criteria(above_scale_only=True)) == NEED_MORE_INFO
    assert rule_verdict(p, Criteria(regions=("371626",))) == ELIGIBLE  # 邹平's former code
    assert rule_verdict(p, Criteria(qualifications=("高新技术企业",))) is None


def test_counts() -> None:
    c = Counts()
    c.add({1, 2, 3}, {2, 3, 4})
    assert (c.tp, c.fp, c.fn) == (2, 1, 1)
    assert c.precision == c.recall == pytest.approx(2 / 3)
    assert c.f1 == pytest.approx(2 / 3)
    assert Counts().f1 == 1.0


def test_demo_set_meets_its_target() -> None:
    # The fictional demo policies are unit tests of the extractor's own format: they must all be read right.
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--demo"]) == 0
    text = out.getvalue()
    assert "pairs (eligible)" in text and "industries" in text
    assert "meets the 0.9 target" in text


def test_main_scores_both_parts_of_the_real_set() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main([]) == 0
    text = out.getvalue()
    for part in ("dev", "test"):
        assert f"== {part} part:" in text and f"{part}: pair precision" in text
    assert "worst ten:" in text and "max_support_wan" in text and "outside the policy's region" in text


def test_real_set_is_big_mixed_sourced_and_split_for_good() -> None:
    policies = load_real_policies()
    assert len(policies) >= 120
    assert all(p.source and p.kind in ("official", "news", "qa") for p in policies)
    origins = {o: sum(p.origin == o for p in policies) for o in ("shandong", "central", "other")}
    assert min(origins.values()) >= len(policies) / 5, origins
    test_share = sum(p.split == "test" for p in policies) / len(policies)
    assert 0.25 <= test_share <= 0.55
    # The split depends on the file name only: a text never changes part.
    assert split_of("a-01-binzhou-2023-recovery-list2") == split_of("a-01-binzhou-2023-recovery-list2")
    assert all(p.split == split_of(p.key) for p in policies)


def test_real_labels_use_known_codes() -> None:
    from matcher.regions import default_regions
    from matcher.taxonomy import default_taxonomy

    tax, reg = default_taxonomy(), default_regions()
    for policy in load_real_policies():
        for code in (*policy.gold.industries, *policy.gold.excluded_industries):
            assert tax.is_known(tax.normalize(code)), (policy.key, code)
        for code in policy.gold.regions:
            assert reg.is_valid(code), (policy.key, code)
        assert policy.gold.regions, f"{policy.key}: every label names its region"
