"""Review pages over HTTP (Flask test client, CSRF on): sign-in, permissions, queues, decisions, audit."""

import re

import pytest

from webhook.review.accounts import MAX_FAILURES, create_user
from webhook.review.queue import counts

PASSWORD = "long enough password"
HELD = ["TU ES UN MENTEUR ET UN HYPOCRITE NOTOIRE", "Espèce d imbécile, tu n as rien compris à cet article.",
        "<script>alert(1)</script> ces traîtres vendus au Qatar"]


@pytest.fixture
def review_app(make_app, database_url):
    app = make_app(database_url=database_url, cms_callback_url="http://127.0.0.1:9/cms", cms_callback_secret="s")
    store = app.extensions["store"]
    create_user(store, "mod", PASSWORD, "moderator")
    create_user(store, "mod2", PASSWORD, "moderator")
    create_user(store, "boss", PASSWORD, "admin")
    client = app.test_client()
    for i, text in enumerate(HELD):
        r = client.post("/v1/moderate", json={"id": f"h{i}", "text": text, "author": {"id": "a1"},
                                              "story": {"id": "s1", "url": "https://example.org/s1"}})
        assert r.json["decision"] == "review", (text, r.json["reasons"])
    return app


def token(client, path="/review/login"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, name="mod"):
    r = client.post("/review/login", data={"name": name, "password": PASSWORD, "csrf_token": token(client)})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return client


def row_ids(app):
    return [row.id for row in app.extensions["store"].queue()]


def test_signed_out_users_are_redirected_to_sign_in(review_app):
    client = review_app.test_client()
    for path in ("/review/", "/review/dashboard", "/review/audit", f"/review/comment/{row_ids(review_app)[0]}"):
        r = client.get(path)
        assert r.status_code == 302 and "/review/login" in r.location


def test_a_moderator_cannot_reach_admin_pages(review_app):
    client = sign_in(review_app.test_client())
    assert client.get("/review/audit").status_code == 403
    admin = sign_in(review_app.test_client(), "boss")
    assert admin.get("/review/audit").status_code == 200


def test_forged_or_missing_csrf_token_is_refused(review_app):
    client = sign_in(review_app.test_client())
    row = row_ids(review_app)[0]
    assert client.post(f"/review/comment/{row}/decide", data={"decision": "approve"}).status_code == 400
    forged = client.post(f"/review/comment/{row}/decide", data={"decision": "approve", "csrf_token": "forged"})
    assert forged.status_code == 400
    assert counts(review_app.extensions["store"])["all"] == 3


def test_session_cookie_is_httponly_and_samesite(review_app):
    client = review_app.test_client()
    r = client.post("/review/login", data={"name": "mod", "password": PASSWORD, "csrf_token": token(client)})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_passwords_lock_the_account(review_app):
    client = review_app.test_client()
    for _ in range(MAX_FAILURES):
        r = client.post("/review/login", data={"name": "mod2", "password": "wrong", "csrf_token": token(client)})
        assert r.status_code == 401
    r = client.post("/review/login", data={"name": "mod2", "password": PASSWORD, "csrf_token": token(client)})
    assert r.status_code == 401 and "locked" in r.get_data(as_text=True)


def test_queue_lists_counts_and_escapes_comment_html(review_app):
    client = sign_in(review_app.test_client())
    html = client.get("/review/?queue=all").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)</script>" not in html
    assert re.search(r"Tous <span class=\"count\">3</span>", html)
    detail = client.get(f"/review/comment/{row_ids(review_app)[2]}").get_data(as_text=True)
    assert "&lt;script&gt;" in detail and "<script>alert(1)" not in detail


def test_filters_and_reason_queues(review_app):
    client = sign_in(review_app.test_client())
    assert client.get("/review/?queue=shouting").get_data(as_text=True).count('class="open"') == 1
    assert client.get("/review/?queue=all&story_id=nope").get_data(as_text=True).count('class="open"') == 0
    assert client.get("/review/?queue=all&lang=fr").get_data(as_text=True).count('class="open"') == 3
    assert client.get("/review/?queue=nonsense").status_code == 404


def test_decisions_are_audited_queued_for_the_cms_and_leave_every_queue(review_app):
    store = review_app.extensions["store"]
    first, second = row_ids(review_app)[:2]
    mod, other = sign_in(review_app.test_client()), sign_in(review_app.test_client(), "mod2")
    r = mod.post(f"/review/comment/{first}/decide", data={"decision": "approve", "csrf_token": token(mod, "/review/")})
    assert r.status_code == 302
    late = other.post(f"/review/comment/{first}/decide",
                      data={"decision": "reject", "reason": "SPAM", "csrf_token": token(other, "/review/")},
                      follow_redirects=True)
    assert "Déjà traité" in late.get_data(as_text=True)
    mod.post(f"/review/comment/{second}/decide",
             data={"decision": "reject", "reason": "ABUSIVE", "csrf_token": token(mod, "/review/")})
    assert counts(store)["all"] == 1
    from sqlalchemy.orm import Session

    from webhook.store import ModeratorAction, Outbox

    with Session(store.engine) as session:
        actions = session.query(ModeratorAction).order_by(ModeratorAction.id).all()
        outbox = session.query(Outbox).order_by(Outbox.id).all()
    assert [(a.action, a.reason) for a in actions] == [("approve", None), ("reject", "ABUSIVE")]
    assert [(o.payload["id"], o.payload["decision"]) for o in outbox] == [("h0", "approve"), ("h1", "reject")]
    audit = sign_in(review_app.test_client(), "boss").get("/review/audit").get_data(as_text=True)
    assert "ABUSIVE" in audit and "mod" in audit


def test_reject_needs_a_coral_reason(review_app):
    mod = sign_in(review_app.test_client())
    row = row_ids(review_app)[0]
    mod.post(f"/review/comment/{row}/decide", data={"decision": "reject", "reason": "BECAUSE",
                                                    "csrf_token": token(mod, "/review/")})
    assert counts(review_app.extensions["store"])["all"] == 3


def test_bulk_approve_and_label_corrections(review_app):
    store = review_app.extensions["store"]
    ids = row_ids(review_app)
    mod = sign_in(review_app.test_client())
    mod.post(f"/review/comment/{ids[0]}/decide", data={
        "decision": "approve", "correct": "1", "stance": "neutral", "csrf_token": token(mod, "/review/")})
    mod.post("/review/bulk", data={"ids": [str(i) for i in ids[1:]], "decision": "approve",
                                   "csrf_token": token(mod, "/review/")})
    assert counts(store)["all"] == 0
    from webhook.review.queue import corrected_records

    records = corrected_records(store)
    assert len(records) == 3 and records[0]["stance"] == "neutral" and not records[0]["insult"]


def test_pages_in_french_and_english(review_app):
    mod = sign_in(review_app.test_client())
    assert "Approuver" in mod.get("/review/").get_data(as_text=True)
    mod.post("/review/lang", data={"lang": "en", "csrf_token": token(mod, "/review/")})
    html = mod.get("/review/").get_data(as_text=True)
    assert "Approve" in html and '<html lang="en">' in html


def test_dashboard_shows_charts(review_app):
    mod = sign_in(review_app.test_client())
    html = mod.get("/review/dashboard").get_data(as_text=True)
    assert html.count("<svg") >= 3 and "<rect" in html


def test_pages_of_fifty_oldest_first(review_app):
    from webhook.review.queue import PAGE_SIZE, page
    from webhook.store import entry_from_result

    store = review_app.extensions["store"]
    result = review_app.extensions["moderator"].moderate(HELD[1])
    for i in range(PAGE_SIZE + 2):
        store.record(entry_from_result(result, client="local", comment_id=f"p{i}", text=f"{HELD[1]} {i}",
                                       source="native"))
    first, total = page(store, "all", {}, 1)
    second, _ = page(store, "all", {}, 2)
    assert total == PAGE_SIZE + 5 and len(first) == PAGE_SIZE and len(second) == 5
    assert [r.comment_id for r in first[:3]] == ["h0", "h1", "h2"]
    neutral, n_neutral = page(store, "all", {"stance": result["stance"]["label"]}, 1)
    assert n_neutral >= PAGE_SIZE + 2 and len(neutral) == PAGE_SIZE


def counting_encoder(monkeypatch, moderator):
    """The texts the moderator's encoder is asked to embed from now on."""
    seen = []
    encode = moderator.encoder.encode

    def counted(texts):
        seen.extend(texts)
        return encode(texts)

    monkeypatch.setattr(moderator.encoder, "encode", counted)
    return seen


def test_comment_page_reuses_stored_embeddings_of_decided_comments(review_app, monkeypatch):
    first, second, third = row_ids(review_app)
    mod = sign_in(review_app.test_client())
    mod.post("/review/bulk", data={"ids": [str(first), str(second)], "decision": "approve",
                                   "csrf_token": token(mod, "/review/")})
    encoded = counting_encoder(monkeypatch, review_app.extensions["moderator"])
    html = mod.get(f"/review/comment/{third}").get_data(as_text=True)
    assert "imbécile" in html and "MENTEUR" in html  # the two decided comments are listed as similar
    assert encoded == []  # their embeddings, and the held comment's, were stored when they were moderated


def test_a_decided_comment_without_stored_embedding_is_encoded_once(review_app, monkeypatch):
    from sqlalchemy import delete

    from webhook.embeddings import CommentEmbedding

    store = review_app.extensions["store"]
    first, second, third = row_ids(review_app)
    mod = sign_in(review_app.test_client())
    mod.post(f"/review/comment/{first}/decide", data={"decision": "approve", "csrf_token": token(mod, "/review/")})
    with store.engine.begin() as conn:  # as for a comment stored from the journal, or before embeddings were kept
        conn.execute(delete(CommentEmbedding).where(CommentEmbedding.comment_row.in_([first, third])))
    encoded = counting_encoder(monkeypatch, review_app.extensions["moderator"])
    assert "MENTEUR" in mod.get(f"/review/comment/{third}").get_data(as_text=True)
    assert encoded  # the decided comment and the one on the page, at the first view
    first_view = list(encoded)
    assert "MENTEUR" in mod.get(f"/review/comment/{third}").get_data(as_text=True)
    assert encoded == first_view  # and never again


def _dashboard_in_python(store, days=14):
    """The dashboard's figures from every row, as the page computed them before SQL did."""
    import datetime as dt

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from webhook.review.queue import FLAG_NAMES
    from webhook.store import ModeratedComment, as_utc, utcnow

    with Session(store.engine) as session:
        rows = list(session.scalars(select(ModeratedComment).where(
            ModeratedComment.created_at >= utcnow() - dt.timedelta(days=days))))
    per_day, stance_mix = {}, {}
    for r in rows:
        day = per_day.setdefault(as_utc(r.created_at).date().isoformat(), {
            "received": 0, "approve": 0, "review": 0, "reject": 0,
            "overturned": dict.fromkeys(FLAG_NAMES, 0), "confirmed": dict.fromkeys(FLAG_NAMES, 0)})
        day["received"] += 1
        day[r.decision] += 1
        if r.final_decision:
            for flag in FLAG_NAMES:
                if (r.flags or {}).get(flag, {}).get("value"):
                    day["overturned" if r.final_decision == "approve" else "confirmed"][flag] += 1
        label = (r.stance or {}).get("label")
        if label:
            mix = stance_mix.setdefault(r.story_id or "-", {})
            mix[label] = mix.get(label, 0) + 1
    return dict(sorted(per_day.items())), stance_mix


def _varied_store(store, n=120):
    """n stored comments over 20 days with every kind of decision, flag, stance and story (none included)."""
    import datetime as dt
    import random

    from webhook.review.queue import FLAG_NAMES
    from webhook.store import entry_from_result, utcnow

    rng = random.Random(12)
    start = utcnow()
    rows = []
    for i in range(n):
        decision = rng.choice(["approve", "review", "reject"])
        flags = {f: {"score": rng.random(), "value": rng.random() < 0.3} for f in FLAG_NAMES}
        if i % 7 == 0:
            flags.pop("threat")
        stance = rng.choice([None, {"topic": "t", "label": None, "scores": {}},
                             {"topic": "t", "label": "pro", "scores": {}}, {"topic": "t", "label": "anti", "scores": {}}])
        result = {"decision": decision, "reasons": ["insult"], "flags": flags, "stance": stance, "evidence": [],
                  "lang": "fr", "model_version": "m", "policy_version": "p"}
        moment = start - dt.timedelta(hours=rng.uniform(0, 20 * 24))
        entry = entry_from_result(result, client="c", comment_id=f"v{i}", text=f"commentaire {i}", source="native",
                                  story={"id": rng.choice([None, "s1", "s2"])}, now=moment)
        rows.append(store.record(entry).id)
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from webhook.review.queue import decide
    from webhook.store import User

    create_user(store, "mod", PASSWORD, "moderator")
    with Session(store.engine) as session:
        user = session.scalar(select(User.id).where(User.name == "mod"))
    held = [r.id for r in store.queue(limit=n)]
    decide(store, held[::3], user, "approve", callback=False)
    decide(store, held[1::3], user, "reject", "ABUSIVE", callback=False)
    return rows


def test_dashboard_figures_equal_those_counted_row_by_row(database_url):
    from webhook.migrate import upgrade
    from webhook.review.queue import dashboard
    from webhook.store import Store

    upgrade(database_url)
    store = Store(database_url)
    try:
        _varied_store(store)
        per_day, stance_mix = dashboard(store)
        assert (per_day, stance_mix) == _dashboard_in_python(store)
        assert sum(d["received"] for d in per_day.values()) < 120  # the window leaves the older days out
        assert any(sum(d["overturned"].values()) for d in per_day.values())
    finally:
        store.engine.dispose()


def test_dashboard_counts_in_the_database_without_loading_rows(database_url):
    from sqlalchemy import event

    from webhook.migrate import upgrade
    from webhook.review.queue import dashboard
    from webhook.store import Store

    upgrade(database_url)
    store = Store(database_url)
    statements = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:
        _varied_store(store, n=30)
        statements.clear()
        dashboard(store)
        # Counts only: no statement reads a comment's text or JSON columns.
        assert statements and all("count(" in s for s in statements)
        assert not [s for s in statements if re.search(r"moderated_comments\.(text|flags|stance|evidence)\b", s)]
    finally:
        store.engine.dispose()


def test_dashboard_counts_comments_stored_before_the_upgrade(database_url):
    """Migration 0006 copies the stance label and raised flags of rows stored before it into their columns."""
    import datetime as dt

    from alembic import command
    from sqlalchemy import JSON, DateTime, column, insert, table

    from webhook.migrate import alembic_config, upgrade
    from webhook.review.queue import dashboard
    from webhook.store import Store

    config = alembic_config(database_url)
    if database_url.startswith("postgresql"):
        command.downgrade(config, "0002")
    else:
        command.upgrade(config, "0002")
    store = Store(database_url)
    old = table("moderated_comments", *[column(c) for c in (
        "client", "comment_id", "version", "text_sha256", "text", "story_id", "source", "decision", "model_version",
        "policy_version", "queue", "reason_tags", "final_decision")], column("reasons", JSON), column("flags", JSON),
        column("stance", JSON), column("evidence", JSON), column("created_at", DateTime(timezone=True)))
    flags = [{"insult": {"score": 0.9, "value": True}, "threat": {"score": 0.1, "value": False}},
             {"shouting": {"score": 1.0, "value": True}}, {}]
    stances = [{"topic": "t", "label": "pro"}, {"topic": "t", "label": None}, None]
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(old), [
                {"client": "c", "comment_id": f"old{i}", "version": 1, "text_sha256": "-", "text": "x",
                 "story_id": "s1" if i else None, "source": "native", "decision": "review", "model_version": "m",
                 "policy_version": "p", "queue": None, "reason_tags": ",", "final_decision": "approve", "reasons": [],
                 "flags": flags[i % 3],
                 "stance": stances[i % 3], "evidence": [], "created_at": dt.datetime.now(dt.timezone.utc)}
                for i in range(6)])
        upgrade(database_url)
        per_day, stance_mix = dashboard(store)
        assert (per_day, stance_mix) == _dashboard_in_python(store)
        today = per_day[max(per_day)]
        assert today["overturned"]["insult"] == 2 and today["overturned"]["shouting"] == 2
        assert today["overturned"]["threat"] == 0 and stance_mix == {"-": {"pro": 1}, "s1": {"pro": 1}}
    finally:
        store.engine.dispose()
