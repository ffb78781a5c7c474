"""How long the consultation form waits for its suggestions (answers before asking) per typed question.

The 139 real policy texts and N published Q&A on them (questions and answers built from phrases of the texts'
own subjects); each query runs --repeat times.

    python bench/answers_before_asking.py [--qa 2000] [--database-url URL]   (a PostgreSQL URL is emptied first)
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta

from policyhub.search_eval import EVAL_NOW, loaded_database

QUESTIONS = {
    "short": "技术改造补贴",
    "a typed question": "我们是小微企业，技术改造补贴需要哪些申报材料？",
    "200 characters": ("我们是一家做铝材深加工的小微企业，想了解技术改造、设备更新贷款贴息和研发费用加计扣除有什么补贴，"
                       * 5)[:200],
    "nothing to offer": "量子纠缠的实验室在哪里",
    "only words of asking": "您好，请问一下",
}
SUBJECTS = ["技术改造补贴", "研发费用加计扣除", "人才公寓", "设备更新贷款贴息", "专精特新奖励", "稳岗返还", "出口信用保险",
            "创业担保贷款", "高新技术企业认定", "首台套保险补偿"]
ASKS = ["需要哪些申报材料", "什么时候申报", "申报条件是什么", "最高能补多少", "在哪里办理"]


def add_published_qa(count: int) -> None:
    from sqlalchemy import select

    from policyhub.extensions import db
    from policyhub.models import Consultation, Policy
    from policyhub.models.policy import PUBLISHED

    policies = db.session.execute(select(Policy.id, Policy.department_id).where(Policy.status == PUBLISHED)).all()
    chance = random.Random(15)
    for i in range(count):
        policy_id, department_id = chance.choice(policies)
        subject, ask = chance.choice(SUBJECTS), chance.choice(ASKS)
        moment = EVAL_NOW - timedelta(days=chance.randrange(1, 700))
        question = f"请问{subject}{ask}？"
        answer = f"{subject}：请按政策原文第三条准备材料，于受理期内向主管部门提交，详询 {i % 97} 号窗口。"
        db.session.add(Consultation(
            tracking_code=f"ZXB{i:07d}", question=question, contact_name="某", mobile="13800000000",
            department_id=department_id, policy_id=policy_id, status="answered", submitted_at=moment,
            clock_started_at=moment, due_at=moment + timedelta(days=2), answer=answer,
            answered_at=moment + timedelta(days=1), on_time=True, published_as_qa=True, qa_question=question,
            qa_answer=answer))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--qa", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from policyhub.services.answers import answers_before_asking

    with loaded_database(args.database_url) as keys:
        add_published_qa(args.qa)
        print(f"{len(keys)} policies, {args.qa} published Q&A")
        answers_before_asking("预热", EVAL_NOW)  # jieba's dictionary loads once per process
        for name, question in QUESTIONS.items():
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                found = answers_before_asking(question, EVAL_NOW)
                times.append(time.perf_counter() - started)
            print(f"{name:22} median {statistics.median(times) * 1000:7.1f} ms  max {max(times) * 1000:7.1f} ms  "
                  f"qa={len(found.qa)} policies={len(found.policies)}")


if __name__ == "__main__":
    main()
