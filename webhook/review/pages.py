"""Review pages for decided comments and authors: the approved and rejected lists, overturn and undo, the
author page and its actions, notes on comments and authors."""

from flask import abort, current_app, flash, g, render_template, request

from . import authors, decided
from .i18n import t
from .queue import PAGE_SIZE, AlreadyDecided
from .views import MAX_ID, _back, bp, login_required, store, whole_number


def _callback():
    return bool(current_app.config["SETTINGS"].cms_callback_url)


@bp.app_context_processor
def author_helpers():
    """For the comment page: the author's state and whether the comment was edited since this version."""
    return {"author_state": lambda row: authors.state(store(), row.client, row.author_id) if row.author_id else {},
            "newer_version": lambda row: decided.has_newer_version(store(), row)}


@bp.get("/decided")
@login_required()
def decided_list():
    outcome = request.args.get("outcome", "approved")
    origin = request.args.get("origin", "all")
    if outcome not in decided.OUTCOMES or origin not in decided.ORIGINS:
        abort(404)
    page_no = whole_number(request.args.get("page", "1")) or 1
    rows, total = decided.decided_page(store(), outcome, origin, page_no)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("review/decided.html", rows=rows, total=total, outcome=outcome, origin=origin,
                           page_no=page_no, pages=pages, outcomes=decided.OUTCOMES, origins=decided.ORIGINS)


def _reverse(apply):
    try:
        apply()
    except LookupError:
        abort(404)
    except ValueError as exc:
        flash(str(exc), "error")
    except decided.NewerVersion:
        flash(t("newer_version"), "warning")
    except decided.NotReversible:
        flash(t("not_reversible"), "warning")
    except AlreadyDecided:
        flash(t("decided_elsewhere"), "warning")
    else:
        flash(t("decided"), "ok")
    return _back()


@bp.post(f"/comment/<int(max={MAX_ID}):row_id>/overturn")
@login_required()
def overturn(row_id):
    return _reverse(lambda: decided.overturn(store(), row_id, g.user.id, request.form.get("decision"),
                                             request.form.get("reason"), callback=_callback()))


@bp.post(f"/comment/<int(max={MAX_ID}):row_id>/undo")
@login_required()
def undo(row_id):
    return _reverse(lambda: decided.undo(store(), row_id, g.user.id, callback=_callback()))


@bp.post(f"/comment/<int(max={MAX_ID}):row_id>/note")
@login_required()
def comment_note(row_id):
    return _save_note(authors.note_comment, row_id)


def _author_key(source):
    client, author_id = source.get("client", ""), source.get("author_id", "")
    if not client or not author_id:
        abort(404)
    return client, author_id


@bp.get("/author")
@login_required()
def author():
    client, author_id = _author_key(request.args)
    found = authors.profile(store(), client, author_id)
    if found is None:
        abort(404)
    return render_template("review/author.html", author=found, actions=authors.ACTIONS, outcomes=authors.OUTCOMES)


@bp.post("/author/act")
@login_required()
def author_act():
    client, author_id = _author_key(request.form)
    try:
        changed = authors.act(store(), client, author_id, g.user.id, request.form.get("action"),
                              callback=_callback())
    except LookupError:
        abort(404)
    except ValueError as exc:
        flash(str(exc), "error")
    else:
        flash(t("author_done") if changed else t("author_unchanged"), "ok" if changed else "warning")
    return _back()


@bp.post("/author/note")
@login_required()
def author_note():
    return _save_note(authors.note_author, *_author_key(request.form))


def _save_note(save, *key):
    """Store the form's note on what `key` names (404 when it does not exist), flash the outcome, go back."""
    try:
        save(store(), *key, g.user.id, request.form.get("note"))
    except LookupError:
        abort(404)
    except ValueError as exc:
        flash(str(exc), "error")
    else:
        flash(t("note_saved"), "ok")
    return _back()
