"""Pages people read: public list and detail, staff upload, criteria review, publish, withdraw."""

import io
import re

import pytest


@pytest.fixture
def logged_in(client, editor_token):
    assert client.post("/login", data={"username": "editor", "password": "correct-horse-battery"}).status_code == 302
    return client


def test_public_list_searches_in_chinese(client, make_policy):
    make_policy("滨州市支持高端铝业发展的若干措施", "对铝加工企业给予技术改造补贴。")
    make_policy("纺织家纺产业扶持办法", "支持家纺企业品牌建设。")
    page = client.get("/", query_string={"q": "家纺"}).get_data(as_text=True)
    assert "纺织家纺产业扶持办法" in page
    assert "高端铝业" not in page
    assert "共 1 条政策" in page
    assert '<meta name="viewport"' in page


def test_public_list_shows_bad_filters_next_to_the_form(client):
    response = client.get("/", query_string={"industry": "32A"})
    assert response.status_code == 422
    assert "industry" in response.get_data(as_text=True)


def test_public_detail_and_hidden_drafts(client, make_policy):
    published = make_policy(criteria={"sizes": ["small", "micro"]})
    draft = make_policy("未发布的草稿", "草稿内容", publish=False)
    page = client.get(f"/policies/{published['id']}").get_data(as_text=True)
    assert "对本市铝加工企业给予技术改造补贴。" in page
    assert "小型、微型" in page
    assert client.get(f"/policies/{draft['id']}").status_code == 404


def test_hostile_text_is_shown_as_text(client, make_policy):
    policy = make_policy("<script>alert(1)</script>铝业", '<img src=x onerror="alert(2)">正文')
    page = client.get(f"/policies/{policy['id']}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    listing = client.get("/", query_string={"q": "<script>"}).get_data(as_text=True)
    assert "<script>alert" not in listing


def test_staff_upload_review_publish_withdraw(logged_in, client, documents):
    data = documents["docx"](["关于支持中小微铝加工企业技术改造的通知", "对符合条件的企业给予补贴。"])
    created = client.post("/staff/policies/new", data={
        "title": "", "department": "gxj", "doc_number": "滨工信发〔2026〕9号",
        "file": (io.BytesIO(data), "通知.docx"),
    }, content_type="multipart/form-data")
    assert created.status_code == 302, created.get_data(as_text=True)
    url = created.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "关于支持中小微铝加工企业技术改造的通知" in page
    assert "通知.docx" in page and "草稿" in page

    policy_id = int(re.search(r"/staff/policies/(\d+)", url).group(1))
    corrected = client.post(f"/staff/policies/{policy_id}/criteria", data={
        "industries": "C3216;3252", "sizes": ["small", "micro"], "regions": "371600", "qualifications": "",
        "excluded_industries": "",
    }, follow_redirects=True).get_data(as_text=True)
    assert "适用条件已更新" in corrected
    assert "3216 铝冶炼、3252 铝压延加工" in corrected and "小型、微型" in corrected

    bad = client.post(f"/staff/policies/{policy_id}/criteria", data={"industries": "32A", "regions": "abc"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "32A" in text and "6 位行政区划代码" in text

    published = client.post(f"/staff/policies/{policy_id}/publish", data={"confirm_reach": "y", "expected_reach": "0"},
                            follow_redirects=True).get_data(as_text=True)
    assert "已发布；匹配企业 0 家" in published
    assert client.get(f"/policies/{policy_id}").status_code == 200

    withdrawn = client.post(f"/staff/policies/{policy_id}/withdraw", data={"reason": "内容调整"},
                            follow_redirects=True).get_data(as_text=True)
    assert "政策已撤回" in withdrawn and "撤回" in withdrawn.split("版本与操作记录")[1]
    gone = client.get(f"/policies/{policy_id}")
    assert gone.status_code == 410 and "内容调整" in gone.get_data(as_text=True)


def test_staff_upload_of_a_bad_file_shows_the_reason(logged_in, client):
    response = client.post("/staff/policies/new", data={
        "title": "标题", "department": "gxj", "file": (io.BytesIO(b""), "empty.txt"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "空" in response.get_data(as_text=True)


def test_staff_edit_makes_a_version(logged_in, client, make_policy):
    policy = make_policy(publish=False)
    response = client.post(f"/staff/policies/{policy['id']}/edit", data={
        "title": "修订后的标题", "department": "gxj", "body": "修订后的正文。"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已保存为第 2 版" in page and "修订后的标题" in page


def test_editor_cannot_touch_another_departments_policy(client, make_user, make_policy):
    tax = make_user("tax-editor", "editor", "tax")
    policy = make_policy(publish=False, token=tax)
    client.post("/login", data={"username": "editor", "password": "correct-horse-battery"})
    assert client.get(f"/staff/policies/{policy['id']}/edit").status_code == 403
    client.post(f"/staff/policies/{policy['id']}/publish")
    assert client.get(f"/api/v1/policies/{policy['id']}", headers={"Authorization": f"Bearer {tax}"}).get_json()[
        "status"] == "draft"


def test_staff_pages_need_login_and_role(client, make_user):
    assert client.get("/staff/").status_code == 302
    make_user("answerer", "answerer", "gxj", password="correct-horse-battery")
    client.post("/login", data={"username": "answerer", "password": "correct-horse-battery"})
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/policies/new").status_code == 403


def test_a_withdrawn_policy_page_says_it_was_withdrawn_and_why(client, make_policy, editor_token, bearer):
    policy = make_policy(title="滨州市铝业技术改造补贴办法")
    client.post(f"/api/v1/policies/{policy['id']}/withdraw", headers=bearer(editor_token),
                json={"reason": "已被新版办法取代"})
    page = client.get(f"/policies/{policy['id']}?m=anything")
    text = page.get_data(as_text=True)
    assert page.status_code == 410
    assert "滨州市铝业技术改造补贴办法" in text and "撤回" in text and "已被新版办法取代" in text


def test_serve_links_messages_to_the_address_it_serves(app, runner, monkeypatch):
    import policyhub.cli

    monkeypatch.delenv("POLICYHUB_BASE_URL", raising=False)
    served = {}
    monkeypatch.setattr(policyhub.cli, "run_simple", lambda host, port, application, **_: served.update(
        host=host, port=port, base=application.config["BASE_URL"]))
    result = runner.invoke(args=["serve", "--port", "5100"])
    assert result.exit_code == 0, result.output
    assert served == {"host": "127.0.0.1", "port": 5100, "base": "http://127.0.0.1:5100"}
