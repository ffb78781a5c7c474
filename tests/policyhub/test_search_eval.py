"""The search measure: nDCG and recall are right on small cases, and the judgments file is well formed."""

import pytest

from policyhub.search_eval import evaluate, load_judgments, ndcg_at, recall_at


def test_ndcg_is_one_for_the_ideal_order_and_lower_otherwise():
    grades = {"a": 2, "b": 1}
    assert ndcg_at(["a", "b", "x"], grades) == pytest.approx(1.0)
    assert ndcg_at(["b", "a"], grades) < 1.0
    assert ndcg_at(["x", "y"], grades) == 0.0


def test_recall_counts_out_of_at_most_k():
    grades = {str(i): 1 for i in range(15)}
    assert recall_at([str(i) for i in range(10)], grades) == 1.0
    assert recall_at(["0", "x"], {"0": 2, "1": 1}) == 0.5


def test_judgments_have_enough_queries_and_a_frozen_test_part():
    judgments = load_judgments()
    assert len(judgments.split) >= 50
    test_part = [q for q, part in judgments.split.items() if part == "test"]
    assert 0.3 <= len(test_part) / len(judgments.split) <= 0.5
    assert all(judgments.grades.get(q) for q in judgments.split)


def test_evaluate_scores_each_part():
    judgments = load_judgments()
    perfect = evaluate(lambda q: sorted(judgments.grades[q], key=lambda k: -judgments.grades[q][k]), judgments)
    assert perfect["test"].ndcg == pytest.approx(1.0) and perfect["dev"].empty == 0
    nothing = evaluate(lambda q: [], judgments)
    assert nothing["test"].recall == 0.0


def test_bm25_prefers_the_title_and_the_rarer_word():
    from matcher.textsearch import Document, bm25_scores
    from matcher.tokenize import query_concepts

    docs = [Document("外贸出口奖励", "对企业给予奖励"), Document("企业奖励", "外贸企业给予奖励"),
            Document("企业奖励", "对企业给予奖励")]
    scores = bm25_scores(query_concepts("外贸 奖励"), docs, corpus_size=3)
    assert scores[0] > scores[1] > scores[2]
