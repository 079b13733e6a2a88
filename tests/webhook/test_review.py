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
                                              "topic": "syria-aleppo-2016",
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
    assert r.status_code == 401 and "compte verrouillé" in r.get_data(as_text=True)  # the French UI's words


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
    result = review_app.extensions["moderator"].moderate(HELD[1], topic="syria-aleppo-2016")
    for i in range(PAGE_SIZE + 2):
        store.record(entry_from_result(result, client="local", comment_id=f"p{i}", text=f"{HELD[1]} {i}",
                                       source="native"))
    first, total = page(store, "all", {}, 1)
    second, _ = page(store, "all", {}, 2)
    assert total == PAGE_SIZE + 5 and len(first) == PAGE_SIZE and len(second) == 5
    assert [r.comment_id for r in first[:3]] == ["h0", "h1", "h2"]
    neutral, n_neutral = page(store, "all", {"stance": result["stance"]["label"]}, 1)
    assert n_neutral >= PAGE_SIZE + 2 and len(neutral) == PAGE_SIZE


def test_concurrent_bulk_actions_in_opposite_orders_decide_each_comment_once(review_app):
    import html
    import threading

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from webhook.store import ModeratedComment, ModeratorAction, Outbox, User, entry_from_result

    store = review_app.extensions["store"]
    result = review_app.extensions["moderator"].moderate(HELD[1])
    mods = {"mod": sign_in(review_app.test_client()), "mod2": sign_in(review_app.test_client(), "mod2")}
    tokens = {name: token(client, "/review/") for name, client in mods.items()}
    with Session(store.engine) as session:
        user_ids = dict(session.execute(select(User.name, User.id)).all())
    for round_no in range(5):  # ten bulk requests, as the red team sent
        rows = [store.record(entry_from_result(result, client="local", comment_id=f"bulk-{round_no}-{i:03d}",
                                               text=f"{HELD[1]} {round_no} {i}", source="native"))
                for i in range(40)]
        ids = [str(r.id) for r in rows]
        comment_ids = {r.id: r.comment_id for r in rows}
        start, answers = threading.Barrier(2), {}

        def act(name, order, decision, reason):
            start.wait()
            try:
                answers[name] = mods[name].post("/review/bulk", follow_redirects=True, data={
                    "ids": order, "decision": decision, "reason": reason, "csrf_token": tokens[name]})
            except Exception as exc:  # a 500 raised in the test client
                answers[name] = exc

        threads = [threading.Thread(target=act, args=("mod", ids, "approve", "")),
                   threading.Thread(target=act, args=("mod2", ids[::-1], "reject", "SPAM"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name, answer in answers.items():
            assert not isinstance(answer, Exception), f"{name}: {answer!r}"
            assert answer.status_code == 200, (name, answer.status_code)

        with Session(store.engine) as session:
            decided = dict(session.execute(select(ModeratedComment.id, ModeratedComment.decided_by)
                                           .where(ModeratedComment.id.in_(comment_ids))).all())
            actions = dict(session.execute(select(ModeratorAction.comment_row, func.count())
                                           .where(ModeratorAction.comment_row.in_(comment_ids))
                                           .group_by(ModeratorAction.comment_row)).all())
            outbox = dict(session.execute(select(Outbox.comment_row, func.count())
                                          .where(Outbox.comment_row.in_(comment_ids))
                                          .group_by(Outbox.comment_row)).all())
        assert set(decided.values()) <= set(user_ids.values())
        assert actions == outbox == dict.fromkeys(comment_ids, 1), "every comment decided exactly once"
        for name, other in (("mod", "mod2"), ("mod2", "mod")):
            page = html.unescape(answers[name].get_data(as_text=True))
            told = set(re.findall(r"bulk-\d-\d{3}", " ".join(re.findall(r'class="flash warning"[^>]*>([^<]*)<', page))))
            lost = {comment_ids[row] for row, by in decided.items() if by == user_ids[other]}
            assert told == lost, f"{name} must be told, per comment, what {other} decided first"


@pytest.mark.parametrize("query", ["page=²", "page=٣", "page=99999999999999999999999", "page=-1",
                                   "max_age_hours=inf", "max_age_hours=nan", "max_age_hours=1e12",
                                   "max_age_hours=-inf", "max_age_hours=1e400"])
def test_odd_page_numbers_and_ages_get_a_sane_page(review_app, query):
    r = sign_in(review_app.test_client()).get(f"/review/?queue=all&{query}")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.get_data(as_text=True).count('class="open"') in (0, 3)


def test_a_page_past_the_end_shows_the_last_page(review_app):
    html = sign_in(review_app.test_client()).get("/review/?page=4000000000").get_data(as_text=True)
    assert html.count('class="open"') == 3


@pytest.mark.parametrize("row", ["99999999999999999999999", "2147483648"])
def test_a_huge_comment_id_is_404(review_app, row):
    client = sign_in(review_app.test_client())
    assert client.get(f"/review/comment/{row}").status_code == 404
    r = client.post(f"/review/comment/{row}/decide", data={"decision": "approve",
                                                           "csrf_token": token(client, "/review/")})
    assert r.status_code == 404


@pytest.mark.parametrize("ids", [["²"], ["99999999999999999999999"], ["-1", "1.0", "٣"]])
def test_odd_bulk_ids_decide_nothing(review_app, ids):
    client = sign_in(review_app.test_client())
    r = client.post("/review/bulk", data={"ids": ids, "decision": "approve", "csrf_token": token(client, "/review/")})
    assert r.status_code == 302
    assert counts(review_app.extensions["store"])["all"] == 3


INJECTED = ["/review/\r\nSet-Cookie: evil=1", "/review/%0d%0aSet-Cookie:%20evil=1", "//evil.example/review",
            "/reviewer.evil", "/review\\..\\..\\evil", "https://evil.example/review/"]


@pytest.mark.parametrize("target", INJECTED)
def test_next_never_injects_a_header_or_leaves_the_review_pages(review_app, target):
    from urllib.parse import quote

    client = review_app.test_client()
    answers = [client.post("/review/login?next=" + quote(target, safe=""),
                           data={"name": "mod", "password": PASSWORD, "csrf_token": token(client)}),
               client.post("/review/lang", data={"lang": "en", "next": target,
                                                 "csrf_token": token(client, "/review/")}),
               client.post("/review/bulk", data={"ids": [], "next": target, "csrf_token": token(client, "/review/")})]
    for r in answers:
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
        assert "evil" not in r.headers.get("Set-Cookie", "") and "\n" not in r.location and "\r" not in r.location
        assert r.location.startswith("/review/") and "evil.example" not in r.location


class LiveServer:
    """The app on a threaded werkzeug server on loopback: real HTTP, requests handled in parallel."""

    def __init__(self, app):
        import threading

        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def login_form(self):
        """A fresh browser session (cookie) with its CSRF token."""
        import requests

        http = requests.Session()
        html = http.get(self.base + "/review/login", timeout=10).text
        return http, re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def close(self):
        self.server.shutdown()


@pytest.fixture
def live(review_app):
    server = LiveServer(review_app)
    yield server
    server.close()


@pytest.fixture
def checked_passwords(monkeypatch):
    """The real passwords checked (not the decoy hash every refusal also pays for)."""
    from webhook.review import accounts

    checked, real = [], accounts.check_password_hash

    def counting(pwhash, password):
        if pwhash != accounts._DUMMY_HASH:
            checked.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return checked


def burst(live, name, passwords):
    """Sign-ins with `passwords` sent at once, each from its own browser; their status codes."""
    from concurrent.futures import ThreadPoolExecutor

    forms = [live.login_form() for _ in passwords]
    with ThreadPoolExecutor(len(passwords)) as pool:
        answers = pool.map(lambda a: a[0][0].post(live.base + "/review/login", timeout=60, allow_redirects=False,
                                                  data={"name": name, "password": a[1], "csrf_token": a[0][1]}),
                           zip(forms, passwords))
        return [r.status_code for r in answers]


def test_parallel_wrong_passwords_check_no_more_than_the_lock_allows(review_app, live, checked_passwords):
    statuses = burst(live, "mod2", [f"wrong-{i}" for i in range(40)])
    print(f"40 wrong passwords at once: {len(checked_passwords)} checked")
    assert statuses == [401] * 40
    assert len(checked_passwords) <= MAX_FAILURES, f"{len(checked_passwords)} passwords checked before the lock"
    assert burst(live, "mod2", [PASSWORD]) == [401]  # locked


def test_a_right_password_in_a_parallel_burst_counts_among_the_allowed_guesses(review_app, live,
                                                                               checked_passwords):
    from sqlalchemy.orm import Session

    from webhook.store import User

    statuses = burst(live, "mod2", [f"wrong-{i}" for i in range(39)] + [PASSWORD])
    assert sorted(set(statuses)) in ([401], [302, 401])
    assert len(checked_passwords) <= MAX_FAILURES, f"{len(checked_passwords)} passwords checked before the lock"
    with Session(review_app.extensions["store"].engine) as session:
        user = session.query(User).filter_by(name="mod2").one()
    if 302 in statuses:  # the right one was among the first guesses: as if sent first, one by one
        assert PASSWORD in checked_passwords and user.failed_logins < MAX_FAILURES
    else:  # it came after the lock: refused, and the account stays locked
        assert PASSWORD not in checked_passwords and user.locked_until is not None


def test_locked_unknown_and_wrong_are_indistinguishable_in_message_and_time(review_app):
    import statistics
    import time

    client = review_app.test_client()

    def attempt(name, password):
        started = time.perf_counter()
        r = client.post("/review/login", data={"name": name, "password": password, "csrf_token": token(client)})
        elapsed = time.perf_counter() - started
        assert r.status_code == 401
        return re.search(r'role="alert">([^<]*)<', r.get_data(as_text=True)).group(1), elapsed

    for _ in range(MAX_FAILURES):
        attempt("boss", "wrong")  # boss is now locked
    runs = {"locked": [], "unknown": [], "wrong": []}
    for _ in range(9):
        for kind, (name, password) in {"locked": ("boss", PASSWORD), "unknown": ("nobody", PASSWORD),
                                       "wrong": ("mod", "wrong")}.items():
            runs[kind].append(attempt(name, password))
    messages = {kind: {m for m, _ in answers} for kind, answers in runs.items()}
    assert messages["locked"] == messages["unknown"] == messages["wrong"] and len(messages["wrong"]) == 1
    medians = {kind: statistics.median(s for _, s in answers) * 1000 for kind, answers in runs.items()}
    print("sign-in refusal medians (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in medians.items()))
    assert min(medians.values()) > 0.6 * max(medians.values()), medians


def test_a_cookie_replayed_after_logout_is_signed_out(review_app):
    client = sign_in(review_app.test_client())
    assert client.get("/review/").status_code == 200
    cookie = client.get_cookie("session").value
    client.post("/review/logout", data={"csrf_token": token(client, "/review/")})
    replay = review_app.test_client()
    replay.set_cookie("session", cookie)
    r = replay.get("/review/")
    assert r.status_code == 302 and "/review/login" in r.location
    assert sign_in(review_app.test_client()).get("/review/").status_code == 200  # signing in again works


def counting_encoder(monkeypatch, moderator):
    """The texts the moderator's encoder is asked to embed from now on."""
    seen = []
    encode = moderator.encoder.encode

    def counted(texts):
        seen.extend(texts)
        return encode(texts)

    monkeypatch.setattr(moderator.encoder, "encode", counted)
    return seen


def similar_list(html):
    """The text of the comment page's "similar past decisions" list."""
    return re.search(r'<ul id="similar">(.*?)</ul>', html, re.S).group(1)


def hold(app, text, comment_id):
    """Moderate one more comment that is held, and return its row id."""
    r = app.test_client().post("/v1/moderate", json={"id": comment_id, "text": text, "author": {"id": "a2"}})
    assert r.json["decision"] == "review", r.json
    return app.extensions["store"].queue()[-1].id


def test_comment_page_reuses_stored_embeddings_of_decided_comments(review_app, monkeypatch):
    first, second, third = row_ids(review_app)
    like_second = hold(review_app, "Espèce d imbécile, tu n as rien compris à cet article !", "near-h1")
    mod = sign_in(review_app.test_client())
    mod.post("/review/bulk", data={"ids": [str(first), str(second), str(third)], "decision": "approve",
                                   "csrf_token": token(mod, "/review/")})
    encoded = counting_encoder(monkeypatch, review_app.extensions["moderator"])
    html = mod.get(f"/review/comment/{like_second}").get_data(as_text=True)
    assert "imbécile" in similar_list(html)  # the decided comment close to it is listed as similar
    assert encoded == []  # their embeddings, and the held comment's, were stored when they were moderated


def test_a_decided_comment_without_stored_embedding_is_encoded_once(review_app, monkeypatch):
    from sqlalchemy import delete

    from webhook.embeddings import CommentEmbedding

    store = review_app.extensions["store"]
    first = row_ids(review_app)[0]
    like_first = hold(review_app, "TU ES UN MENTEUR ET UN HYPOCRITE", "near-h0")
    mod = sign_in(review_app.test_client())
    mod.post(f"/review/comment/{first}/decide", data={"decision": "approve", "csrf_token": token(mod, "/review/")})
    with store.engine.begin() as conn:  # as for a comment stored from the journal, or before embeddings were kept
        conn.execute(delete(CommentEmbedding).where(CommentEmbedding.comment_row.in_([first, like_first])))
    encoded = counting_encoder(monkeypatch, review_app.extensions["moderator"])
    assert "MENTEUR" in similar_list(mod.get(f"/review/comment/{like_first}").get_data(as_text=True))
    assert encoded  # the decided comment and the one on the page, at the first view
    first_view = list(encoded)
    assert "MENTEUR" in similar_list(mod.get(f"/review/comment/{like_first}").get_data(as_text=True))
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


def schema_at(database_url, revision):
    """The store's schema as it was at `revision`: the fixture's PostgreSQL database is already at the
    newest revision (downgrade), its SQLite file is empty (upgrade)."""
    from alembic import command

    from webhook.migrate import alembic_config

    config = alembic_config(database_url)
    (command.downgrade if database_url.startswith("postgresql") else command.upgrade)(config, revision)


def test_dashboard_counts_comments_stored_before_the_upgrade(database_url):
    """Migration 0005 copies the stance label and raised flags of rows stored before it into their columns."""
    import datetime as dt

    from sqlalchemy import JSON, DateTime, column, insert, table

    from webhook.migrate import upgrade
    from webhook.review.queue import dashboard
    from webhook.store import Store

    schema_at(database_url, "0002")
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


def queue_rows(html):
    """{comment text start: row html} of the queue page."""
    return re.findall(r'<tr data-id=.*?</tr>', html, re.S)


def test_rows_show_author_story_language_strongest_score_and_evidence(review_app):
    html = sign_in(review_app.test_client()).get("/review/").get_data(as_text=True)
    row = next(r for r in queue_rows(html) if "imbécile" in r)
    assert '<mark class="insult" title="Insulte">imbécile</mark>' in row  # the model's cue, highlighted in the row
    assert '<span class="author" dir="auto">a1</span>' in row and '<span class="story" dir="auto">s1</span>' in row
    assert '<span class="lang">fr</span>' in row
    assert re.search(r'<span class="score">Insulte 1\.00</span>', row)  # the strongest flag and its score
    assert re.search(r'<span class="hint reasons">Insulte</span>', row)  # the reason tag, in French


def test_flag_codes_and_reject_reasons_are_in_the_pages_language(review_app):
    mod = sign_in(review_app.test_client())
    html = mod.get("/review/").get_data(as_text=True)
    assert ">2. Injurieux</option>" in html and ">Discours de haine</option>" in html
    assert ">2. ABUSIVE<" not in html and ">HATE_SPEECH<" not in html  # the codes are only sent, not shown
    shouting = next(r for r in queue_rows(html) if "MENTEUR" in r)
    assert "Insulte, Majuscules" in shouting
    mod.post("/review/lang", data={"lang": "en", "csrf_token": token(mod, "/review/")})
    html = mod.get("/review/").get_data(as_text=True)
    assert ">2. Abusive</option>" in html and "Insult, Shouting" in html


def test_sign_in_refusals_are_in_the_pages_language(review_app):
    client = review_app.test_client()
    r = client.post("/review/login", data={"name": "mod", "password": "wrong", "csrf_token": token(client)})
    assert r.status_code == 401 and "Identifiant ou mot de passe incorrect" in r.get_data(as_text=True)
    client.post("/review/lang", data={"lang": "en", "csrf_token": token(client)})
    r = client.post("/review/login", data={"name": "mod", "password": "wrong", "csrf_token": token(client)})
    assert r.status_code == 401 and "Wrong name or password, or account locked" in r.get_data(as_text=True)


@pytest.mark.parametrize("query, found", [("imbécile", {"h1"}), ("menteur", {"h0"}), ("QATAR", {"h2"}),
                                          ("a1", {"h0", "h1", "h2"}), ("s1", {"h0", "h1", "h2"}),
                                          ("%", set()), ("_", set()), ("nobody-writes-this", set())])
def test_search_finds_comments_by_text_author_or_story(review_app, query, found):
    html = sign_in(review_app.test_client()).get("/review/", query_string={"q": query}).get_data(as_text=True)
    shown = {re.search(r'aria-label="select (h\d)"', r).group(1) for r in queue_rows(html)}
    assert shown == found
    if not found:  # a search that finds nothing says so, instead of "nothing to moderate"
        assert "Aucun commentaire retenu ne correspond" in html and "Rien à modérer" not in html


def test_live_tells_a_page_which_of_its_comments_a_colleague_decided(review_app):
    ids = row_ids(review_app)
    mod, other = sign_in(review_app.test_client()), sign_in(review_app.test_client(), "mod2")
    before = mod.get("/review/live", query_string={"ids": ",".join(map(str, ids))}).json
    assert before["held"] == ids and before["counts"]["all"] == 3
    other.post(f"/review/comment/{ids[1]}/decide", data={"decision": "approve", "csrf_token": token(other, "/review/")})
    after = mod.get("/review/live", query_string={"ids": ",".join(map(str, ids))}).json
    assert after["held"] == [ids[0], ids[2]] and after["counts"]["all"] == 2
    assert mod.get("/review/live?ids=²,-1,abc").json["held"] == []
    signed_out = review_app.test_client().get("/review/live")
    assert signed_out.status_code == 401 and signed_out.json["error"]["status"] == "UNAUTHENTICATED"


def test_arabic_comments_are_laid_out_right_to_left(review_app):
    row = hold(review_app, "أنت غبي جدا ولا تفهم شيئا", "ar-1")
    mod = sign_in(review_app.test_client())
    html = mod.get("/review/").get_data(as_text=True)
    arabic = next(r for r in queue_rows(html) if "غبي" in r)
    assert '<td class="text" dir="auto" lang="ar">' in arabic
    page = mod.get(f"/review/comment/{row}").get_data(as_text=True)
    assert '<p class="text" id="comment-text" dir="auto" lang="ar">' in page


def test_comment_page_has_the_counts_and_says_what_raised_toxic(review_app):
    html = sign_in(review_app.test_client()).get(f"/review/comment/{row_ids(review_app)[1]}").get_data(as_text=True)
    assert re.search(r"Tous <span class=\"count\">3</span>", html)
    toxic = re.search(r"<tr><th>Toxique</th>(.*?)</tr>", html, re.S).group(1)
    assert "✔" in toxic and "(levé par Insulte)" in toxic
    assert "union des drapeaux de comportement" in html


def test_similar_past_decisions_under_the_measured_cut_are_not_listed(review_app):
    from webhook.review.queue import SIMILARITY_CUT, get, similar_decisions

    store, moderator = review_app.extensions["store"], review_app.extensions["moderator"]
    first, second, third = row_ids(review_app)
    mod = sign_in(review_app.test_client())
    mod.post("/review/bulk", data={"ids": [str(first), str(second)], "decision": "approve",
                                   "csrf_token": token(mod, "/review/")})
    everything = similar_decisions(store, moderator, get(store, third), min_similarity=-1.0)
    assert len(everything) == 2 and all(s["similarity"] < SIMILARITY_CUT for s in everything)  # unrelated
    html = mod.get(f"/review/comment/{third}").get_data(as_text=True)
    assert f"Aucune décision passée assez proche (similarité ≥ {SIMILARITY_CUT})" in similar_list(html)
    assert "imbécile" not in similar_list(html) and "MENTEUR" not in similar_list(html)


@pytest.mark.parametrize("path, status, words", [
    ("/review/audit", 403, "réservée aux administrateurs"), ("/review/comment/2147483000", 404, "n&#39;existe pas"),
    ("/review/comment/abc", 404, "n&#39;existe pas"), ("/review/nowhere", 404, "n&#39;existe pas"),
    ("/review/?queue=nonsense", 404, "n&#39;existe pas")])
def test_errors_in_the_review_area_are_pages(review_app, path, status, words):
    r = sign_in(review_app.test_client()).get(path)
    assert r.status_code == status and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert words in html and "Retour à la file" in html and f"Erreur {status}" in html


def test_the_api_keeps_its_json_errors(review_app):
    r = review_app.test_client().get("/v1/nowhere")
    assert r.status_code == 404 and r.json["error"]["status"] == "NOT_FOUND"


def test_a_bulk_action_with_nothing_selected_says_so(review_app):
    client = sign_in(review_app.test_client())
    r = client.post("/review/bulk", data={"decision": "approve", "csrf_token": token(client, "/review/")},
                    follow_redirects=True)
    assert "Aucun commentaire sélectionné" in r.get_data(as_text=True)
    assert counts(review_app.extensions["store"])["all"] == 3


def test_a_page_past_the_end_says_it_shows_the_last_one(review_app):
    client = sign_in(review_app.test_client())
    html = client.get("/review/?page=999").get_data(as_text=True)
    assert "La page 999 n&#39;existe pas (il y en a 1)" in html and html.count('class="open"') == 3
    assert '<p id="empty" hidden>' in html  # the "nothing to moderate" line stays hidden while rows are shown
    empty = client.get("/review/?page=999&queue=threat").get_data(as_text=True)
    assert "Rien à modérer ici." in empty and "La page 999" in empty


@pytest.mark.parametrize("query", [{"q": "imb\x00écile"}, {"story_id": "s\x001"}, {"q": "x" * 5000}])
def test_a_nul_or_an_overlong_search_gets_a_page(review_app, query):
    # PostgreSQL refuses a NUL in a string with an error: the page must not become a 500.
    r = sign_in(review_app.test_client()).get("/review/", query_string=query)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]


GROUP_TEXTS = ["Les musulmans de mon quartier ont aidé les réfugiés.", "Les réfugiés syriens méritent un accueil digne.",
               "Je soutiens les chrétiens d'Orient.", "Rien à voir avec un groupe."]


def _group_store(store):
    """Comments naming groups with every outcome: approved automatically, held then approved or rejected."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from webhook.review.queue import FLAG_NAMES, decide
    from webhook.store import User, entry_from_result

    create_user(store, "mod", PASSWORD, "moderator")
    with Session(store.engine) as session:
        user = session.scalar(select(User.id).where(User.name == "mod"))
    plan = []
    for i in range(24):
        decision = ("approve", "review", "review", "reject", "review")[i % 5]
        raised = {FLAG_NAMES[i % 3], FLAG_NAMES[(i // 3) % 6]}
        flags = {f: {"score": 0.9 if f in raised else 0.1, "value": f in raised} for f in FLAG_NAMES}
        result = {"decision": decision, "reasons": [], "flags": flags, "stance": None, "evidence": [], "lang": "fr",
                  "model_version": "m", "policy_version": "p"}
        row = store.record(entry_from_result(result, client="c", comment_id=f"g{i}", text=GROUP_TEXTS[i % 4]
                                             + f" ({i})", source="native"))
        plan.append((row.id, decision, i))
    held = [(row_id, i) for row_id, decision, i in plan if decision == "review"]
    decide(store, [r for r, i in held if i % 3 == 0], user, "reject", "ABUSIVE", callback=False)
    decide(store, [r for r, i in held if i % 3 != 0], user, "approve", callback=False)


def _rates_in_python(store):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from classifier.groups import named_groups
    from webhook.review.queue import FLAG_NAMES
    from webhook.store import ModeratedComment

    with Session(store.engine) as session:
        rows = list(session.scalars(select(ModeratedComment)))
    overturn = {f: {"decided": 0, "approved": 0} for f in FLAG_NAMES}
    groups = {}
    for r in rows:
        if r.decision == "review" and r.final_decision:
            for f in FLAG_NAMES:
                if r.flags[f]["value"]:
                    overturn[f]["decided"] += 1
                    overturn[f]["approved"] += r.final_decision == "approve"
        if (r.final_decision or r.decision) == "approve":
            for g in named_groups(r.text):
                d = groups.setdefault(g, {"civil": 0, "held": 0})
                d["civil"] += 1
                d["held"] += r.decision == "review"
    for d in overturn.values():
        d["rate"] = d["approved"] / d["decided"] if d["decided"] else None
    for d in groups.values():
        d["rate"] = d["held"] / d["civil"] if d["civil"] else None
    return overturn, groups


def test_overturn_rate_per_flag_and_held_rate_per_group_are_counted_in_sql(database_url):
    from sqlalchemy import event

    from webhook.migrate import upgrade
    from webhook.review.queue import dashboard_rates
    from webhook.store import Store

    upgrade(database_url)
    store = Store(database_url)
    statements = []
    try:
        _group_store(store)
        listener = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(store.engine, "before_cursor_execute", listener)
        rates = dashboard_rates(store)
        event.remove(store.engine, "before_cursor_execute", listener)
        overturn, groups = _rates_in_python(store)
        assert rates["overturn"] == overturn and rates["groups"] == groups
        assert set(groups) == {"musulmans", "réfugiés", "syriens", "chrétiens"}
        assert 0 < groups["musulmans"]["rate"] < 1 and groups["musulmans"]["held"] >= 2
        assert 0 < overturn["dehumanising"]["rate"] < 1
        # Counted by the database: no statement reads a comment's text or JSON columns.
        assert statements and all("count(" in s for s in statements)
        assert not [s for s in statements if re.search(r"moderated_comments\.(text|flags|stance|evidence)\b", s)]
    finally:
        store.engine.dispose()


def test_dashboard_charts_have_axes_legends_units_and_their_own_colours(review_app):
    """Before: bars without axes, units or day labels, and the stance mix in the decisions' amber and green."""
    store = review_app.extensions["store"]
    rows = row_ids(review_app)
    mod = sign_in(review_app.test_client())
    mod.post(f"/review/comment/{rows[0]}/decide", data={"decision": "approve", "csrf_token": token(mod, "/review/")})
    html = mod.get("/review/dashboard").get_data(as_text=True)
    assert "commentaires par jour" in html and "jour (MM-JJ)" in html and "100 %" in html
    assert "Taux d&#39;annulation par drapeau" in html and "Commentaires civils retenus, par groupe" in html
    assert 'class="legend"' in html and "Approuvés auto." in html
    decision_colours = {"#2e7d32", "#e59b00", "#c62828"}
    stance = html[html.index("Positions par article"):]
    assert re.findall(r'fill="(#[0-9a-f]{6})"', stance) and not set(re.findall(r'fill="(#[0-9a-f]{6})"', stance)) & \
        decision_colours
    overturned = html[html.index("Annulés par les modérateurs"):html.index("Positions par article")]
    assert not set(re.findall(r'fill="(#[0-9a-f]{6})"', overturned)) & decision_colours
    assert counts(store)["all"] == 2


def test_audit_log_shows_the_comment_and_filters_by_moderator_action_and_date(review_app):
    import datetime as dt

    first, second = row_ids(review_app)[:2]
    mod, other = sign_in(review_app.test_client()), sign_in(review_app.test_client(), "mod2")
    mod.post(f"/review/comment/{first}/decide", data={"decision": "approve", "csrf_token": token(mod, "/review/")})
    other.post(f"/review/comment/{second}/decide",
               data={"decision": "reject", "reason": "SPAM", "csrf_token": token(other, "/review/")})
    admin = sign_in(review_app.test_client(), "boss")
    html = admin.get("/review/audit").get_data(as_text=True)
    assert f'href="/review/comment/{first}"' in html and "TU ES UN MENTEUR" in html
    by_mod = admin.get("/review/audit?who=mod").get_data(as_text=True)
    assert f'/review/comment/{first}"' in by_mod and f'/review/comment/{second}"' not in by_mod
    rejects = admin.get("/review/audit?action=reject").get_data(as_text=True)
    assert f'/review/comment/{second}"' in rejects and f'/review/comment/{first}"' not in rejects
    today = dt.datetime.now(dt.timezone.utc).date()
    assert f'/review/comment/{first}"' in admin.get(f"/review/audit?since={today}&until={today}").get_data(
        as_text=True)
    later = admin.get(f"/review/audit?since={today + dt.timedelta(days=1)}").get_data(as_text=True)
    assert "Aucune action ne correspond" in later
    bad = admin.get("/review/audit?since=hier")
    assert bad.status_code == 200 and "Date illisible : hier" in bad.get_data(as_text=True)


def test_upgrade_finds_the_groups_named_by_comments_stored_before(database_url):
    from sqlalchemy import select, text
    from sqlalchemy.orm import Session

    from webhook.migrate import upgrade
    from webhook.store import ModeratedComment, Store

    schema_at(database_url, "0005_decided_embeddings")
    store = Store(database_url)
    try:
        with store.engine.begin() as conn:
            for i, words in enumerate(GROUP_TEXTS):
                conn.execute(text(
                    "INSERT INTO moderated_comments (client, comment_id, version, text_sha256, text, source, decision,"
                    " reasons, flags, evidence, model_version, policy_version, reason_tags, raised_flags, created_at)"
                    " VALUES ('c', :id, 1, '-', :text, 'native', 'approve', '[]', '{}', '[]', 'm', 'p', ',', ',',"
                    " CURRENT_TIMESTAMP)"), {"id": f"old{i}", "text": words})
        upgrade(database_url)
        with Session(store.engine) as session:
            found = dict(session.execute(select(ModeratedComment.comment_id, ModeratedComment.named_groups)).all())
        assert found == {"old0": ",musulmans,réfugiés,", "old1": ",réfugiés,syriens,", "old2": ",chrétiens,",
                         "old3": None}
    finally:
        store.engine.dispose()
