"""Facts read from policy texts: validity, 申报 deadlines and contact (fictional sentences)."""

from datetime import date

from matcher.facts import extract_facts


def test_statistics_and_cited_notices_are_not_validity_or_deadlines() -> None:
    # 截至 dates a statistic unless a policy word stands beside it; a cited notice's date is not a deadline.
    assert extract_facts("", "截至4月26日24时，各省份高速公路共关闭收费站8个。", default_year=2022).effective_to is None
    assert extract_facts("", "本政策执行时限截至2023年12月31日。").effective_to == date(2023, 12, 31)
    assert extract_facts("", "申报时间见2020年1月3日发布的《关于组织申报的通知》。").apply_until is None
    assert extract_facts("", "申报截止时间为2035年4月30日。").apply_until == date(2035, 4, 30)


def test_contact_drops_its_heading() -> None:
    facts = extract_facts("", "三、联系方式。市工业和信息化局企业科，联系电话：0543-3161234。")
    assert facts.contact == "市工业和信息化局企业科,联系电话:0543-3161234。"
