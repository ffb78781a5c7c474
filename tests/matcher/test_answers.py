"""matcher.answers: the words of asking are not the subject; a text must cover enough of the question; BM25 order."""

import pytest

from matcher.answers import MIN_COVERAGE, coverage, question_concepts, rank_answers
from matcher.textsearch import Document

SUBSIDY = Document("技术改造补贴申报指南", "申报技术改造补贴须提交项目备案证明、设备购置发票和审计报告。")
DEDUCTION = Document("研发费用加计扣除", "研发费用加计扣除在年度汇算清缴时办理，由企业自行申报。")
HOUSING = Document("人才公寓申请", "高层次人才申请人才公寓，需提交身份证明材料和劳动合同。")


def test_the_words_of_asking_are_dropped_and_the_subject_kept():
    words = [c.wording for c in question_concepts("您好，请问我们公司想了解一下技术改造补贴需要哪些申报材料？")]
    assert {"技术改造", "补贴", "申报材料"} <= set(words)
    assert not {"您好", "请问", "我们", "公司", "了解", "一下", "需要", "哪些"} & set(words)
    assert question_concepts("你好，请问一下") == []


def test_coverage_weighs_the_question_words_by_length():
    concepts = question_concepts("研发费用加计扣除怎么办理")
    assert coverage(concepts, DEDUCTION) == 1.0
    # Only 办理 of the question: far below the bar.
    assert coverage(concepts, Document("办理指南", "携带营业执照到窗口办理。")) < MIN_COVERAGE
    assert coverage([], DEDUCTION) == 0.0


def test_only_texts_covering_the_question_are_offered_best_first():
    documents = [HOUSING, DEDUCTION, SUBSIDY]
    ranked = rank_answers(question_concepts("技术改造补贴要交哪些申报材料"), documents, corpus_size=3)
    # The housing text shares only 材料 with the question.
    assert [r.index for r in ranked] == [2] and 0.6 < ranked[0].coverage < 1.0
    assert [r.index for r in rank_answers(question_concepts("研发费用加计扣除在哪里办理"), documents, 3)] == [1]
    assert rank_answers(question_concepts("人才公寓"), documents, 3, limit=1)[0].index == 0
    assert rank_answers(question_concepts("出口退税"), documents, 3) == []
    assert rank_answers(question_concepts("技术改造"), [], 0) == []
    assert [r.index for r in rank_answers(question_concepts("申报"), documents, 3)] == [2, 1]


def test_one_shared_word_of_several_is_not_an_answer_but_a_synonym_is_the_word():
    lab = Document("重点实验室认定", "对新认定的市级重点实验室给予奖励。")
    # 实验室 is 5 of the question's 11 characters' worth (with 实验), but 量子 and 纠缠 are nowhere.
    assert rank_answers(question_concepts("量子纠缠的实验室在哪里"), [lab], 1) == []
    assert rank_answers(question_concepts("重点实验室"), [lab], 1)[0].coverage == 1.0  # its only word
    shorthand = Document("技改项目补贴", "技改项目给予补贴，申报材料为项目备案证明。")
    ranked = rank_answers(question_concepts("技术改造补贴的申报材料"), [shorthand], 1)
    # 技改 stands for 技术改造 at 0.7 of its length: (0.7 × 4 + 2 + 4) / 10.
    assert [r.index for r in ranked] == [0] and ranked[0].coverage == pytest.approx(0.88)
