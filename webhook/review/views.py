"""Review pages under /review: sign-in, queues, one comment, decisions, audit log, dashboard."""

import datetime as dt
import functools
import math
import re
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, session,
                   url_for)

from classifier.labels import BEHAVIOUR_FLAGS, HARM_FLAGS

from . import queue as q
from .accounts import AccountError, authenticate, end_sessions, user_by_id
from .decided import stale_versions
from .i18n import LANGS, current_lang, t

bp = Blueprint("review", __name__, url_prefix="/review")

# Row ids are INTEGER columns: a larger number is no row (PostgreSQL would refuse it with an error).
MAX_ID = 2**31 - 1
MAX_AGE_HOURS = 24 * 366 * 10
MAX_SEARCH = 200  # characters of a search
# Seconds between two polls of /review/live by an open queue or comment page (see live()).
LIVE_POLL_SECONDS = 4
_WHOLE = re.compile(r"[0-9]{1,10}")  # ASCII digits only: "²".isdigit() is True but int("²") raises


def whole_number(text, high=MAX_ID):
    """`text` as a whole number in 1..high, or None (non-ASCII digits, signs and decimals included)."""
    if not _WHOLE.fullmatch(text or ""):
        return None
    value = int(text)
    return value if 1 <= value <= high else None


def safe_next(target):
    """`target` when it is a path of the review pages, else the queue: no other site, no scheme, and no
    control character (a CR LF would be a header injection, and werkzeug refuses it with an error)."""
    parts = urlsplit(target or "")
    if (parts.scheme or parts.netloc or "\\" in target
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)
            or not (parts.path == "/review" or parts.path.startswith("/review/"))):
        return url_for("review.queue")
    return target


def store():
    return current_app.extensions["store"]


@bp.before_app_request
def load_user():
    g.user = None
    user_id = session.get("user_id")
    if user_id is not None and request.path.startswith("/review"):
        user = user_by_id(store(), user_id)
        if (user is not None and user.active and user.role == session.get("role")
                and user.session_generation == session.get("generation")):  # signed out since: refused
            g.user = user


def raised_by(flags, name):
    """The flags a union flag (toxic: the behaviour flags, harm: all harm flags) was raised by."""
    members = {"toxic": BEHAVIOUR_FLAGS, "harm": HARM_FLAGS}.get(name, ())
    return [f for f in members if (flags or {}).get(f, {}).get("value")]


@bp.app_context_processor
def template_helpers():
    return {"t": t, "lang": current_lang(), "langs": LANGS, "queues": q.QUEUES,
            "reject_reasons": q.REJECT_REASONS, "user": g.get("user"), "highlight": highlight,
            "strongest": q.strongest, "raised_by": raised_by, "t_list": lambda names: ", ".join(map(t, names)),
            "live_poll_ms": LIVE_POLL_SECONDS * 1000}


def error_page(exc):
    """An HTTP error on a review page as a page of the review area (the API keeps its JSON errors)."""
    if not (request.path == "/review" or request.path.startswith("/review/")) or request.path == "/review/live":
        return None
    message = {403: t("error_403"), 404: t("error_404")}.get(exc.code, t("error_other"))
    detail = exc.description if exc.code not in (403, 404) else ""
    try:
        counts = q.counts(store()) if g.get("user") else None
    except Exception:  # the store being down must not turn a 404 into a 500
        counts = None
    return render_template("review/error.html", code=exc.code, message=message, detail=detail,
                           counts=counts), exc.code


@bp.record_once
def _register_error_pages(state):
    state.app.extensions["error_pages"] = error_page


def login_required(role=None):
    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            if g.user is None:
                return redirect(url_for("review.login", next=request.path))
            if role and g.user.role != role:
                abort(403)
            return view(*args, **kwargs)
        return inner
    return wrap


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user_id, role, _, generation = authenticate(store(), request.form.get("name", ""),
                                                        request.form.get("password", ""))
        except AccountError:
            error = t("refused")  # one message whatever the reason (accounts.REFUSED), in the page's language
        else:
            lang = session.get("lang")
            session.clear()  # a new session id at sign-in: no fixation
            session.update(user_id=user_id, role=role, generation=generation, lang=lang or "fr")
            session.permanent = True
            return redirect(safe_next(request.args.get("next", "")))
    return render_template("review/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    if g.user is not None:  # a copy of the cookie (stolen, or left in another browser) ends with this one
        end_sessions(store(), g.user.id)
    lang = session.get("lang")
    session.clear()
    session["lang"] = lang or "fr"
    return redirect(url_for("review.login"))


@bp.post("/lang")
def set_lang():
    if request.form.get("lang") in LANGS:
        session["lang"] = request.form["lang"]
    return redirect(safe_next(request.form.get("next", "")))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _filters():
    # Control characters go (PostgreSQL refuses a NUL in a string with an error); searches are capped.
    values = {k: _CONTROL.sub("", request.args.get(k, "")).strip()[:MAX_SEARCH]
              for k in ("story_id", "topic", "lang", "stance", "max_age_hours", "q")}
    return {k: v for k, v in values.items() if v}


@bp.get("/")
@login_required()
def queue():
    name = request.args.get("queue", "all")
    if name not in q.QUEUES:
        abort(404)
    filters = _filters()
    if "max_age_hours" in filters:
        try:
            hours = float(filters["max_age_hours"])
        except ValueError:
            hours = math.nan
        if not 0 < hours <= MAX_AGE_HOURS:  # nan, inf and 1e12 hours do not fit a timedelta
            filters.pop("max_age_hours")
    page_no = whole_number(request.args.get("page", "1")) or 1
    newest = request.args.get("sort") == "newest"
    rows, total = q.page(store(), name, filters, page_no, newest_first=newest)
    pages = max(1, math.ceil(total / q.PAGE_SIZE))
    past_end = None
    if page_no > pages:  # a page past the end shows the last one, and says so
        past_end = {"asked": page_no, "pages": pages}
        page_no = pages
        rows, total = q.page(store(), name, filters, page_no, newest_first=newest)
    return render_template("review/queue.html", rows=rows, total=total, current=name, filters=filters,
                           counts=q.counts(store()), page_no=page_no, pages=pages, past_end=past_end)


@bp.get("/live")
def live():
    """What an open page needs to stay current without a reload: the queues' counts and, of the comments it
    shows (`ids`, comma-separated), those still held. Polled every LIVE_POLL_SECONDS: plain requests pass any
    proxy, and hold no gunicorn thread between polls as a server-sent event stream per open tab would."""
    if g.user is None:
        return jsonify({"error": {"code": 401, "status": "UNAUTHENTICATED", "message": "signed out"}}), 401
    ids = [i for i in map(whole_number, request.args.get("ids", "").split(",")[:q.PAGE_SIZE * 2]) if i]
    return jsonify({"counts": q.counts(store()), "held": q.still_held(store(), ids)})


def highlight(text, evidence):
    """Segments (text, flag or None) of a comment with its cues marked by their offsets."""
    cues = sorted((e for e in evidence or [] if e.get("kind") == "cue"), key=lambda e: e["start"])
    segments, pos = [], 0
    for cue in cues:
        start, end = max(cue["start"], pos), min(cue["end"], len(text))
        if start >= end:
            continue
        segments.append((text[pos:start], None))
        segments.append((text[start:end], cue["flag"]))
        pos = end
    segments.append((text[pos:], None))
    return [s for s in segments if s[0]]


@bp.get(f"/comment/<int(max={MAX_ID}):row_id>")
@login_required()
def comment(row_id):
    row = q.get(store(), row_id)
    if row is None:
        abort(404)
    moderator = current_app.extensions["moderator"]
    return render_template("review/comment.html", row=row, segments=highlight(row.text, row.evidence),
                           history=q.author_history(store(), row), flags=HARM_FLAGS, counts=q.counts(store()),
                           similarity_cut=q.SIMILARITY_CUT,
                           similar=q.similar_decisions(store(), moderator, row),
                           stance_labels=moderator.model.card.get("stance_labels", {}).get(row.topic or "", []))


def _decide(row_ids, decision, reason, labels=None):
    try:
        decided, already = q.decide_each(store(), row_ids, g.user.id, decision, reason, labels,
                                         callback=bool(current_app.config["SETTINGS"].cms_callback_url))
    except ValueError:
        flash(t("bad_decision"), "error")
        return 0
    if decided:
        flash(t("decided"), "ok")
    stale = stale_versions(store(), already)
    if stale:  # edited since: the moderator decides the newer version, not this one
        flash(t("newer_version_ids").format(ids=", ".join(stale[i] for i in sorted(stale))), "warning")
        already = {i: c for i, c in already.items() if i not in stale}
        if not already:
            return len(decided)
    if already and len(row_ids) > 1:
        # A bulk action names each comment it lost, so the moderator knows which were not theirs.
        flash(t("decided_elsewhere_ids").format(ids=", ".join(already[i] for i in sorted(already))), "warning")
    elif not decided:
        flash(t("decided_elsewhere"), "warning")
    return len(decided)


def _back():
    return redirect(safe_next(request.form.get("next", "")))


@bp.post(f"/comment/<int(max={MAX_ID}):row_id>/decide")
@login_required()
def decide(row_id):
    decision = request.form.get("decision")
    labels = None
    if request.form.get("correct"):
        labels = {f: request.form.get(f) == "on" for f in HARM_FLAGS}
        if request.form.get("stance"):
            labels["stance"] = request.form["stance"]
    _decide([row_id], decision, request.form.get("reason"), labels)
    return _back()


@bp.post("/bulk")
@login_required()
def bulk():
    ids = [i for i in map(whole_number, request.form.getlist("ids")) if i is not None]
    if ids:
        _decide(ids, request.form.get("decision"), request.form.get("reason"))
    else:
        flash(t("nothing_selected"), "warning")
    return _back()


@bp.get("/audit")
@login_required(role="admin")
def audit():
    filters = {k: request.args.get(k, "").strip() for k in ("who", "action", "since", "until")}
    dates = {}
    for name in ("since", "until"):
        try:
            dates[name] = dt.date.fromisoformat(filters[name]) if filters[name] else None
        except ValueError:
            flash(t("bad_date").format(value=filters[name]), "error")
            dates[name], filters[name] = None, ""
    names, actions = q.audit_filters(store())
    return render_template("review/audit.html", filters=filters, names=names, actions=actions,
                           entries=q.audit_log(store(), who=filters["who"] or None,
                                               action=filters["action"] or None, **dates))


def _rate_items(rates):
    """The dashboard's rate charts' rows: (label, rate, "part / whole")."""
    return {"overturn_items": [(t(f), d["rate"], f"{d['approved']} / {d['decided']}")
                               for f, d in rates["overturn"].items()],
            "group_items": [(g, d["rate"], f"{d['held']} / {d['civil']}") for g, d in rates["groups"].items()]}


@bp.get("/dashboard")
@login_required()
def dashboard():
    per_day, stance_mix = q.dashboard(store())
    return render_template(
        "review/dashboard.html", per_day=per_day, stance_mix=stance_mix, flag_names=q.FLAG_NAMES,
        **_rate_items(q.dashboard_rates(store())),
        decision_stacks=[[d["approve"], d["review"], d["reject"]] for d in per_day.values()],
        overturned_stacks=[[d["overturned"][f] for f in q.FLAG_NAMES] for d in per_day.values()])
