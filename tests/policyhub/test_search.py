"""Chinese full-text search with filters, ranking and paging, on SQLite FTS5 and PostgreSQL."""

import pytest


@pytest.fixture
def corpus(make_policy, make_user):
    tax = make_user("tax-editor", "editor", "tax")
    return {
        "aluminium": make_policy("滨州市支持高端铝业精深加工的若干措施", "对铝材深加工企业的技术改造项目给予补贴。",
                                 criteria={"industries": ["3216", "3252"], "sizes": ["small", "micro"]},
                                 issued_on="2026-03-01"),
        "textile": make_policy("纺织家纺产业提质增效扶持办法", "支持家纺企业开展品牌建设，对技术改造给予奖励。",
                               criteria={"industries": ["17", "18"]}, issued_on="2025-06-01"),
        "all": make_policy("优化营商环境若干措施", "面向全市各类市场主体，提升政务服务效率。铝",
                           issued_on="2024-01-10"),
        "rd": make_policy("研发费用加计扣除政策落实通知", "企业研发费用按规定加计扣除，烟草制造业、房地产业除外。",
                          token=tax, criteria={"excluded_industries": ["16", "70"]}, issued_on="2026-01-05"),
    }


def ids(client, query):
    response = client.get(f"/api/v1/policies?{query}")
    assert response.status_code == 200, response.get_json()
    return [p["id"] for p in response.get_json()["items"]]


def test_chinese_query_finds_and_ranks_title_hits_first(client, corpus):
    found = ids(client, "q=技术改造")
    assert set(found) == {corpus["aluminium"]["id"], corpus["textile"]["id"]}
    # 铝 is in one title and, once, in another body: the title hit ranks first.
    assert ids(client, "q=铝")[:2] == [corpus["aluminium"]["id"], corpus["all"]["id"]]


def test_no_word_is_required_but_more_matching_words_rank_higher(client, corpus):
    assert ids(client, "q=家纺 品牌")[0] == corpus["textile"]["id"]
    # Either word finds its policy; the one holding both would rank first.
    assert set(ids(client, "q=家纺 铝材")) == {corpus["textile"]["id"], corpus["aluminium"]["id"]}
    assert ids(client, "q=冬枣 鸡蛋") == []


def test_everyday_words_find_official_ones(client, make_policy):
    official = make_policy("关于支持中小微企业首次纳入规模以上统计的奖补办法", "对个体工商户转企业给予补助。",
                           issued_on="2026-02-01")
    for query in ("小微", "升规", "个体户", "小升规奖励"):
        assert ids(client, "q=" + query)[:1] == [official["id"]], query


@pytest.mark.parametrize(("query", "title", "body"), [
    ("招商引资", "促进先进制造业发展扶持政策", "对新引进工业项目按固定资产投资额给予补助。"),
    ("数字化转型", "制造业高质量发展若干措施", "推进智改数转，建设智能工厂。"),
    ("减税", "服务业小微企业和个体工商户纾困措施", "对承租国有房屋的，房屋租金予以减免。"),
])
def test_policy_language_bridges_words_that_share_no_characters(client, make_policy, query, title, body):
    official = make_policy(title, body, issued_on="2026-02-01")
    assert ids(client, "q=" + query) == [official["id"]]


def test_a_weak_word_alone_finds_nothing_but_still_ranks(client, make_policy):
    freight = make_policy("物流企业降本增效措施", "支持物流企业发展。", issued_on="2026-02-01")
    named = make_policy("现代物流发展规划", "建设物流园区。", issued_on="2026-03-01")
    other = make_policy("工业企业技术改造奖补", "对企业给予奖补。", issued_on="2026-04-01")
    # 企业 finds no policy beside a word that says what the query is about, yet it puts the one naming it first.
    assert ids(client, "q=物流企业") == [freight["id"], named["id"]]
    # A query of weak words only still finds what holds them.
    assert set(ids(client, "q=企业")) == {freight["id"], other["id"]}


def test_traditional_and_full_width_text_is_found_in_simplified(client, make_policy):
    policy = make_policy("軟件企業所得稅優惠（試行）", "對符合條件的軟件企業，第１年至第２年免征企業所得稅。",
                         issued_on="2026-02-01")
    assert ids(client, "q=软件企业所得税") == [policy["id"]]
    assert ids(client, "q=第1年") == [policy["id"]]


def test_industry_filter_uses_the_code_tree_and_all_means_all(client, corpus):
    # 3216 is under 32; the aluminium policy names 3216, the others have no restriction.
    found = set(ids(client, "industry=C3216"))
    assert found == {corpus["aluminium"]["id"], corpus["all"]["id"], corpus["rd"]["id"]}
    # 1711 (纺织) is covered by the textile policy's 17.
    assert corpus["textile"]["id"] in ids(client, "industry=1711")
    # A real-estate enterprise is excluded from the R&D policy.
    assert corpus["rd"]["id"] not in ids(client, "industry=7010")


def test_size_department_and_date_filters(client, corpus):
    assert corpus["aluminium"]["id"] not in ids(client, "size=large")
    assert corpus["aluminium"]["id"] in ids(client, "size=micro")
    assert ids(client, "department=tax") == [corpus["rd"]["id"]]
    assert set(ids(client, "issued_from=2026-01-01")) == {corpus["aluminium"]["id"], corpus["rd"]["id"]}
    assert ids(client, "issued_to=2024-12-31") == [corpus["all"]["id"]]


def test_paging_and_totals(client, corpus):
    first = client.get("/api/v1/policies?per_page=3&page=1").get_json()
    second = client.get("/api/v1/policies?per_page=3&page=2").get_json()
    assert first["total"] == second["total"] == 4
    assert len(first["items"]) == 3 and len(second["items"]) == 1
    assert not {p["id"] for p in first["items"]} & {p["id"] for p in second["items"]}


@pytest.mark.parametrize("query", ['"', '铝" OR "*', "NEAR(铝 补贴)", "' OR 1=1 --", "*", "铝 AND", "(((", "%",
                                   "\\", "：；。，", "a" * 100])
def test_hostile_queries_are_answered_not_crashed(client, corpus, query):
    response = client.get("/api/v1/policies", query_string={"q": query})
    assert response.status_code == 200
    assert response.get_json()["total"] <= 4


@pytest.mark.parametrize("query, field", [
    ("industry=32A", "industry"), ("size=huge", "size"), ("issued_from=yesterday", "issued_from"),
    ("status=draft", "status"), ("q=" + "铝" * 201, "q"),
])
def test_bad_filters_are_422_naming_the_field(client, query, field):
    response = client.get(f"/api/v1/policies?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_staff_can_search_drafts(client, make_policy, editor_token, bearer):
    draft = make_policy("草稿中的铝业政策", "内容", publish=False)
    assert ids(client, "q=铝业") == []
    staff = client.get("/api/v1/policies?q=铝业&status=draft", headers=bearer(editor_token)).get_json()
    assert [p["id"] for p in staff["items"]] == [draft["id"]]


def test_edit_updates_the_index(client, make_policy, editor_token, bearer):
    policy = make_policy("水产养殖尾水治理补助", "对养殖企业给予补助。")
    assert ids(client, "q=尾水") == [policy["id"]]
    client.patch(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token),
                 json={"title": "畜牧养殖粪污治理补助"})
    assert ids(client, "q=尾水") == []
    assert ids(client, "q=粪污") == [policy["id"]]


def test_title_hits_rank_first_and_expired_after_active(client, make_policy):
    body_only = make_policy("企业扶持若干措施", "其中第三条：对外贸企业出口给予奖励。", issued_on="2026-02-01")
    titled = make_policy("外贸企业出口奖励办法", "对外贸企业出口给予奖励。", issued_on="2025-02-01")
    found = ids(client, "q=外贸出口")
    assert found.index(titled["id"]) < found.index(body_only["id"])


def test_snippet_marks_the_query_words_and_escapes_html(client, make_policy):
    make_policy("贷款贴息办法", "前言。" * 40 + "对<script>alert(1)</script>企业的贷款给予财政贴息，最高50万元。",
                issued_on="2026-02-01")
    item = client.get("/api/v1/policies?q=贴息").get_json()["items"][0]
    assert "贴息</mark>" in item["snippet"] and item["snippet"].count("<mark>") == item["snippet"].count("</mark>")
    assert "</script>" not in item["snippet"] and "&lt;/script&gt;" in item["snippet"]
    assert item["snippet"].startswith("…")  # the passage, not the preamble
    page = client.get("/?q=贴息").get_data(as_text=True)
    assert "贴息</mark>" in page and "<script>alert" not in page
    assert client.get("/api/v1/policies").get_json()["items"][0]["snippet"] is None


def test_one_and_two_hundred_character_queries_answer(client, make_policy):
    policy = make_policy("滨州市支持铝业精深加工的若干措施", "对铝材深加工企业的技术改造项目给予补贴。", issued_on="2026-02-01")
    assert ids(client, "q=铝") == [policy["id"]]
    long_query = ("我们是一家做铝材深加工的小微企业，想了解技术改造有什么补贴，" * 8)[:200]
    response = client.get("/api/v1/policies", query_string={"q": long_query})
    assert response.status_code == 200 and response.get_json()["items"][0]["id"] == policy["id"]
    too_long = client.get("/api/v1/policies", query_string={"q": "铝" * 201})
    assert too_long.status_code == 422 and "q" in too_long.get_json()["error"]["fields"]
    for odd in ("\"", "'", "*", "(", ")", "AND", "OR NOT", "^", "\\", "&|!", "铝 OR"):
        assert client.get("/api/v1/policies", query_string={"q": odd}).status_code == 200, odd


def test_page_names_a_bad_filter_in_chinese(client):
    page = client.get("/?industry=ZZ99").get_data(as_text=True)
    assert "行业代码：" in page


def test_nothing_found_suggests_queries_that_find_something(client, make_policy):
    make_policy("贷款贴息办法", "对企业的贷款给予财政贴息。", issued_on="2026-02-01")
    answer = client.get("/api/v1/policies?q=贴钱").get_json()
    assert answer["total"] == 0 and answer["suggestions"]
    assert all(ids(client, "q=" + word) for word in answer["suggestions"])
    page = client.get("/?q=贴钱").get_data(as_text=True)
    assert "没有找到" in page and "您可以试试" in page and answer["suggestions"][0] in page
    assert client.get("/api/v1/policies?q=贴息").get_json()["suggestions"] == []


def test_postgresql_search_reads_the_stored_vector_not_one_computed_per_row(app, client, corpus):
    """Computing to_tsvector over every body on each query cost about 1 ms a policy (migration 0015)."""
    from sqlalchemy import event

    from policyhub.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite searches its FTS5 table")
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert ids(client, "q=技术改造 补贴")
        ids(client, "q=没有这个词语")
        client.get("/?q=技术改造")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    searches = [s for s in statements if "@@" in s]
    assert searches and not any("to_tsvector" in s for s in searches)
def test_results_carry_issuer_date_deadline_amount_and_an_open_window(client, make_policy):
    open_now = make_policy("铝业技术改造奖补办法", "对铝业企业技术改造给予奖补。", issued_on="2026-02-01",
                           apply_from="2000-01-01", apply_until="2199-12-31", max_support_wan=50)
    closed = make_policy("铝业设备更新补助办法", "对铝业企业设备更新给予补助。", issued_on="2025-02-01",
                         apply_from="2000-01-01", apply_until="2001-01-31", max_support_wan=12.5)
    items = {p["id"]: p for p in client.get("/api/v1/policies?q=铝业").get_json()["items"]}
    first = items[open_now["id"]]
    assert first["department"]["name"] and first["issued_on"] == "2026-02-01"
    assert first["apply_until"] == "2199-12-31" and first["max_support_wan"] == 50 and first["apply_open"] is True
    assert items[closed["id"]]["apply_open"] is False and items[closed["id"]]["apply_until"] == "2001-01-31"
    page = client.get("/?q=铝业").get_data(as_text=True)
    assert "申报截止 2199-12-31" in page and "最高支持 50 万元" in page and "最高支持 12.5 万元" in page
    assert page.count("申报中</span>") == 1 and "发文：" in page


def test_apply_open_needs_a_stated_window_and_today_inside_it():
    from datetime import date

    from policyhub.models import Policy
    from policyhub.services.search import apply_open

    today = date(2026, 6, 1)
    def policy(start, end, status="published"):
        return Policy(apply_from=start, apply_until=end, status=status)
    assert apply_open(policy(None, date(2026, 6, 1)), today)
    assert not apply_open(policy(None, date(2026, 5, 31)), today)
    assert not apply_open(policy(date(2026, 6, 2), None), today)
    assert not apply_open(policy(None, None), today)
    assert not apply_open(policy(None, date(2026, 7, 1), status="expired"), today)


def test_industry_filter_by_name(client, corpus):
    by_code = set(ids(client, "industry=3216"))
    assert set(ids(client, "industry_name=铝冶炼")) == by_code and corpus["aluminium"]["id"] in by_code
    # A name that means several classes is a 422 listing them, in Chinese, naming the field.
    answer = client.get("/api/v1/policies?industry_name=软件").get_json()["error"]
    assert "industry_name" in answer["fields"] and "基础软件开发（6511）" in answer["fields"]["industry_name"]
    assert "行业名称" in answer["message"]
    assert "没有名称含" in client.get("/api/v1/policies?industry_name=量子纠缠").get_json()["error"]["fields"]["industry_name"]
    page = client.get("/?industry_name=软件").get_data(as_text=True)
    assert "请选择行业" in page and "industry=6511" in page
    # The page keeps the chosen code beside its name; typing another name over it is a new choice.
    assert set(ids(client, "industry=3216&industry_name=铝冶炼")) == by_code
    assert set(ids(client, "industry=3216&industry_name=棉纺纱加工")) == set(ids(client, "industry=1711"))


def test_county_filter_by_code_or_name(client, make_policy):
    zouping = make_policy("邹平市铝业扶持办法", "对邹平市铝业企业给予奖补。", criteria={"regions": ["371681"]})
    bincheng = make_policy("滨城区铝业扶持办法", "对滨城区铝业企业给予奖补。", criteria={"regions": ["371602"]})
    citywide = make_policy("滨州市铝业扶持办法", "对全市铝业企业给予奖补。", criteria={"regions": ["371600"]})
    everywhere = make_policy("铝业扶持通知", "对铝业企业给予奖补。")
    expected = {zouping["id"], citywide["id"], everywhere["id"]}
    assert set(ids(client, "q=铝业&region=371681")) == expected
    assert set(ids(client, "q=铝业&region_name=邹平")) == expected
    assert bincheng["id"] in ids(client, "q=铝业&region_name=滨城区")
    wrong = client.get("/api/v1/policies?region=999999").get_json()["error"]
    assert "区县代码" in wrong["fields"]["region"] and "区县代码" in wrong["message"]
    assert "本市没有" in client.get("/api/v1/policies?region_name=朝阳区").get_json()["error"]["fields"]["region_name"]
    page = client.get("/?region=371681&q=铝业").get_data(as_text=True)
    assert '<option value="371681" selected>邹平市</option>' in page and "滨城区铝业扶持办法" not in page


@pytest.mark.parametrize("query, label", [("industry=9999", "行业代码"), ("industry=32A", "行业代码"),
                                          ("size=huge", "企业规模"), ("region=12", "区县代码")])
def test_a_wrong_code_is_a_422_whose_message_names_the_field_in_chinese(client, query, label):
    response = client.get(f"/api/v1/policies?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert label in error["message"] and all(label in why for why in error["fields"].values())
    page = client.get(f"/?{query}")
    assert page.status_code == 422 and f"{label}：" in page.get_data(as_text=True)


def test_staff_list_shows_snippets_and_suggestions(client, make_policy, editor_token):
    make_policy("贷款贴息办法", "前言。" * 30 + "对企业的<b>贷款</b>给予财政贴息。", publish=False)
    assert client.post("/login", data={"username": "editor", "password": "correct-horse-battery"}).status_code == 302
    page = client.get("/staff/?q=贴息").get_data(as_text=True)
    assert "贴息</mark>" in page and "&lt;b&gt;" in page and "<b>贷款" not in page
    empty = client.get("/staff/?q=贴钱").get_data(as_text=True)
    assert "没有找到含这些词的政策" in empty and "可以试试" in empty


def test_one_and_two_hundred_character_queries_on_the_pages_with_bounded_work(client, make_policy):
    from matcher.tokenize import MAX_CONCEPTS, query_concepts

    make_policy("滨州市支持铝业精深加工的若干措施", "对铝材深加工企业的技术改造项目给予补贴。", issued_on="2026-02-01")
    long_query = ("铝材深加工小微企业技术改造设备更新贷款贴息研发费用加计扣除外贸出口稳岗返还个体户" * 5)[:200]
    assert len(query_concepts(long_query)) <= MAX_CONCEPTS
    for q in ("铝", long_query, "的", "1", "ａ"):
        response = client.get("/", query_string={"q": q})
        assert response.status_code == 200, q
    assert "若干措施" in client.get("/", query_string={"q": long_query}).get_data(as_text=True)
    assert "若干措施" in client.get("/", query_string={"q": "铝"}).get_data(as_text=True)
    staff_long = client.get("/api/v1/policies", query_string={"q": long_query, "industry_name": "铝压延加工",
                                                              "region_name": "邹平"})
    assert staff_long.status_code == 200 and staff_long.get_json()["total"] == 1
