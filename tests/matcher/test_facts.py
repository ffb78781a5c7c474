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


def test_issuer_of_a_q_and_a_headline_and_of_a_sign_off_run_into_one_line() -> None:
    # The forms of 答记者问 pages and of copies that join the 署名 and the 成文日期 (GB/T 9704); no dev text has
    # them, so the sentences are written here.
    assert extract_facts("市工信局有关负责人就《若干措施》答记者问", "问：出台背景是什么？").issuer == "市工信局"
    body = "为加快工业经济发展，特制定本办法。\n滨州市人民政府办公室 2023年5月10日"
    assert extract_facts("", body).issuer == "滨州市人民政府办公室"
    assert extract_facts("", "为加快发展，制定本办法。\n本办法自2023年5月10日起施行。").issuer is None


def test_the_usual_closing_articles_of_an_official_text() -> None:
    # The closing article's other verbs and periods (实行, 试行期, 执行期至, 年底, N日后施行); written here, no dev
    # text uses them.
    signed = "\n滨州市人民政府办公室\n2023年5月10日"
    facts = extract_facts("", "本通知自2023年7月1日起实施，试行期2年。" + signed)
    assert (facts.effective_from, facts.effective_to) == (date(2023, 7, 1), date(2025, 6, 30))
    assert extract_facts("", "本办法自2023年6月1日起实行。" + signed).effective_from == date(2023, 6, 1)
    assert extract_facts("", "本措施自印发之日起施行，执行期至2024年12月31日。" + signed).effective_to == date(2024, 12, 31)
    assert extract_facts("", "本方案自印发之日起实施，有效期至2025年底。" + signed).effective_to == date(2025, 12, 31)
    assert extract_facts("", "本意见自印发之日起30日后施行。" + signed).effective_from == date(2023, 6, 9)
    assert extract_facts("", "到2025年底，全市规上工业企业达到1000家。" + signed).effective_to is None


def test_how_reports_and_notices_say_when_a_policy_runs() -> None:
    # 将于/从…起(正式)施行, 自…起计算, 实施期限为2023年至2025年; written here, no dev text uses them.
    assert extract_facts("", "《办法》将于2023年7月1日起施行。").effective_from == date(2023, 7, 1)
    assert extract_facts("", "办法于2023年6月1日起正式实施。").effective_from == date(2023, 6, 1)
    facts = extract_facts("", "该政策从2023年1月1日起实施，至2025年12月31日止。")
    assert (facts.effective_from, facts.effective_to) == (date(2023, 1, 1), date(2025, 12, 31))
    facts = extract_facts("", "政策有效期为3年，自2023年1月1日起计算。")
    assert (facts.effective_from, facts.effective_to) == (date(2023, 1, 1), date(2025, 12, 31))
    facts = extract_facts("", "实施期限为2023年至2025年。")
    assert (facts.effective_from, facts.effective_to) == (date(2023, 1, 1), date(2025, 12, 31))
    assert extract_facts("", "到2025年，全市规上工业企业达到1000家。").effective_to is None


def test_issuer_of_a_copy_without_its_date_and_of_an_answer_page() -> None:
    # A 署名 closing a copy that dropped its 成文日期, and an answer page's 答复部门; written here.
    body = "为加快工业经济发展，特制定本办法。\n第二条 本办法由市工业和信息化局负责解释。\n滨州市工业和信息化局  滨州市财政局"
    assert extract_facts("", body).issuer == "滨州市工业和信息化局;滨州市财政局"
    assert extract_facts("", "问：如何申报？\n答：请登录系统申报。\n推动经济平稳运行").issuer is None
    assert extract_facts("", "问：如何申报？\n答复部门：滨州市人力资源和社会保障局").issuer == "滨州市人力资源和社会保障局"


def test_a_validity_ending_with_a_month_or_a_period_of_years() -> None:
    assert extract_facts("", "本政策执行至2025年6月。").effective_to == date(2025, 6, 30)
    facts = extract_facts("", "本办法施行期限为5年，自2023年1月1日起施行。")
    assert (facts.effective_from, facts.effective_to) == (date(2023, 1, 1), date(2027, 12, 31))
    assert extract_facts("", "截至2023年6月，全市共有企业100家。").effective_to is None


def test_an_application_window_is_no_validity() -> None:
    facts = extract_facts("", "申请期限为2023年7月1日至2023年9月30日。")
    assert (facts.apply_from, facts.apply_until) == (date(2023, 7, 1), date(2023, 9, 30))
    assert (facts.effective_from, facts.effective_to) == (None, None)
    facts = extract_facts("", "符合条件的企业于2023年10月15日前向所在地人社部门提出申请。")
    assert facts.apply_until == date(2023, 10, 15)


def test_an_interpretation_s_title_quotes_the_issuer_of_what_it_explains() -> None:
    # Written here: the dev interpretations quote titles without an organ (《关于…的若干措施》解读).
    title = "《滨州市人民政府办公室关于印发滨州市促进工业经济平稳增长若干措施的通知》政策解读"
    assert extract_facts(title, "一、出台背景").issuer == "滨州市人民政府办公室"
    assert extract_facts("《关于释放旅游消费潜力推动旅游业高质量发展的若干措施》解读", "一、出台背景").issuer is None
