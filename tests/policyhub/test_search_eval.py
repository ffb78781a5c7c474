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


def test_table_words_across_jieba_cuts_form_one_group_with_their_synonyms():
    from matcher.tokenize import query_concepts

    concepts = {c.wording: c for c in query_concepts("软件企业税收优惠")}
    # jieba cuts 税收 | 优惠, yet the table word 税收优惠 and its synonyms are searched, in one group with its parts
    assert {"税收优惠", "减税", "免征"} <= set(concepts)
    assert concepts["税收优惠"].asked and not concepts["减税"].asked
    assert concepts["税收优惠"].group == concepts["减税"].group == concepts["所得税"].group == concepts["优惠"].group
    assert concepts["软件"].group != concepts["税收优惠"].group


def test_many_synonyms_of_one_word_do_not_outweigh_the_other_word_asked():
    from matcher.textsearch import Document, bm25_scores
    from matcher.tokenize import query_concepts

    docs = [Document("税收政策", "企业所得税减征，增值税免征，税费优惠，减免税，减半征收。"),
            Document("软件产业政策", "软件企业享受税收优惠。"),
            Document("工业政策", "对企业给予支持。")]
    scores = bm25_scores(query_concepts("软件企业税收优惠"), docs, corpus_size=3)
    assert scores[1] > scores[0] > scores[2]


def test_suggestions_share_enough_of_the_query():
    from matcher.tokenize import default_tokenizer

    synonyms = default_tokenizer().synonyms
    assert "贴息" in synonyms.related("贴钱")
    assert "跨境电子商务" not in synonyms.related("量子纠缠")
    assert all(len(set(word) & set("技术改造补贴")) >= 2 for word in synonyms.related("技术改造补贴"))


def test_weak_words_count_less_than_the_subject_asked():
    from matcher.textsearch import Document, bm25_scores
    from matcher.tokenize import query_concepts, weak_words

    assert {"企业", "补贴"} <= weak_words() and "数字化转型" not in weak_words()
    concepts = {c.wording: c for c in query_concepts("数字化转型补贴")}
    assert concepts["补贴"].weak and concepts["奖补"].weak and not concepts["数字化转型"].weak
    docs = [Document("中小企业数字化转型试点", "推进中小企业数字化转型。"),
            Document("技术改造补贴", "对企业给予补贴，补贴标准另行规定，数字化水平提升。"),
            Document("工业政策", "对企业给予支持。")]
    scores = bm25_scores(query_concepts("数字化转型补贴"), docs, corpus_size=30)
    assert scores[0] > scores[1] > scores[2]
