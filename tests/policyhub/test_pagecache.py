"""Kept anonymous answers: served again until what they show changes, whoever changes it; never someone's own page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from policyhub.extensions import db
from policyhub.models import Consultation, Department, Policy, utcnow
from policyhub.web import pagecache


def _cache(app) -> pagecache.PageCache:
    return app.extensions["policyhub_page_cache"]


def test_a_kept_page_is_served_until_the_policy_changes_through_the_api(app, client, make_policy, editor_token, bearer):
    policy = make_policy(title="滨州市铝业技术改造补贴办法")
    cache = _cache(app)
    first = client.get(f"/policies/{policy['id']}")
    hits = cache.hits
    again = client.get(f"/policies/{policy['id']}")
    assert cache.hits == hits + 1 and again.get_data() == first.get_data()
    assert again.headers["Content-Security-Policy"] and again.headers["X-Frame-Options"] == "DENY"
    listed = client.get("/api/v1/policies?q=铝业").get_json()
    assert client.get("/api/v1/policies?q=铝业").get_json() == listed and cache.hits == hits + 2

    edited = client.patch(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token),
                          json={"title": "滨州市铝业技术改造补贴办法（修订）"})
    assert edited.status_code == 200, edited.get_json()
    assert "（修订）" in client.get(f"/policies/{policy['id']}").get_data(as_text=True)
    assert client.get("/api/v1/policies?q=铝业").get_json()["items"][0]["title"].endswith("（修订）")


def test_writes_outside_the_orm_and_to_qa_and_departments_move_the_generation(app, client, make_policy):
    policy = make_policy(title="滨州市纺织企业稳岗补贴")
    page = f"/policies/{policy['id']}"
    client.get(page)
    with app.app_context():
        # The expiry job's kind of write: one Core UPDATE, no ORM object touched.
        db.session.execute(update(Policy).where(Policy.id == policy["id"]).values(status="expired"))
        db.session.commit()
    assert client.get(page).status_code == 410
    with app.app_context():
        db.session.execute(update(Policy).where(Policy.id == policy["id"]).values(status="published"))
        db.session.commit()
    assert client.get(page).status_code == 200

    with app.app_context():
        department_id = db.session.get(Policy, policy["id"]).department_id
        db.session.add(Consultation(tracking_code="QA-CACHE-1", question="稳岗补贴怎么领？", contact_name="王女士",
                                    mobile="13800000001", policy_id=policy["id"], department_id=department_id,
                                    status="answered", answer="线上申报即可。", answered_at=utcnow(),
                                    published_as_qa=True, submitted_at=utcnow(), due_at=utcnow()))
        db.session.commit()
    assert "稳岗补贴怎么领？" in client.get(page).get_data(as_text=True)

    client.get("/")
    with app.app_context():
        db.session.execute(update(Department).where(Department.id == department_id).values(name="滨州市人社局（新）"))
        db.session.commit()
    assert "滨州市人社局（新）" in client.get("/").get_data(as_text=True)


def test_a_new_local_day_is_a_new_page(app, client, make_policy, monkeypatch):
    policy = make_policy()
    cache = _cache(app)
    client.get(f"/policies/{policy['id']}")
    misses = cache.misses
    tomorrow = utcnow() + timedelta(days=1)
    monkeypatch.setattr(pagecache, "utcnow", lambda: tomorrow)
    client.get(f"/policies/{policy['id']}")
    assert cache.misses == misses + 1


def test_signed_in_and_personal_pages_are_never_kept(app, client, make_policy, editor_token, bearer):
    policy = make_policy()
    cache = _cache(app)
    before = (cache.hits, cache.misses)
    client.get(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token))  # a token: their own view
    client.get(f"/policies/{policy['id']}?m=token&u=token")  # a pushed link's buttons, for one firm
    client.set_cookie("session", "somebody")
    client.get(f"/policies/{policy['id']}")
    client.get(f"/policies/{policy['id']}")
    assert (cache.hits, cache.misses) == before


def test_the_cache_can_be_turned_off(make_app):
    app = make_app(PAGE_CACHE_ENTRIES=0)
    assert "policyhub_page_cache" not in app.extensions
    assert app.test_client().get("/").status_code == 200


def test_the_cache_keeps_at_most_its_entries():
    cache = pagecache.PageCache(2)
    answer = pagecache._Answer(b"x", 200, ())
    for key in ("a", "b", "c"):
        cache.put((1, key), answer)
    assert cache.get((1, "a")) is None and cache.get((1, "c")) is answer


def test_with_csrf_on_an_anonymous_visit_starts_no_session_and_is_kept(make_app, make_policy):
    # Production has CSRF on: a public page that built a form would hand every visitor a session cookie,
    # and nothing they asked for afterwards could be kept.
    policy_id = make_policy(title="滨州市铝业技术改造补贴办法")["id"]
    app = make_app(WTF_CSRF_ENABLED=True)  # the same database
    client = app.test_client()
    cache = _cache(app)
    for path in ("/", "/?q=铝业", f"/policies/{policy_id}", "/api/v1/policies?q=铝业", f"/api/v1/policies/{policy_id}"):
        first = client.get(path)
        assert first.status_code == 200 and "Set-Cookie" not in first.headers, path
        hits = cache.hits
        assert client.get(path).get_data() == first.get_data() and cache.hits == hits + 1, path
