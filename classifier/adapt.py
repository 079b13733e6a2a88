"""Adapt the default model to a newsroom's moderation archive, and say what that gains and costs.

`adapt(...)` reads the archive row by row (archive.py), runs each comment
through the default model's phases once, and keeps per comment only a compact
row (embedding and our flag scores, newsroom.py) on disk (diskrows.py), so an
archive of a million comments adapts in bounded memory. Then:

1. k-fold cross-validation on the archive (folds stratified by label as the
   rows stream in): the default model's and the adapted model's ROC AUC,
   accuracy and decision confusion matrix on comments each fold did not see;
2. the `newsroom` head fitted on every row (plus the moderators' decisions
   from our own review queue, when there are any), saved with a copy of the
   default model into `out_dir` (never over the default model);
3. the adapted model on our own held-out split, on the functional suite and on
   the seed comments, beside the default model: what the newsroom would lose.

Our flags keep their meaning: their heads and thresholds are the default
model's, untouched. The archive only adds the `newsroom` flag.
"""

import datetime as dt
import json
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, roc_auc_score

from .archive import ArchiveStats, file_sha256, read_archive
from .data import load_records
from .diskrows import DiskRows
from .evaluation import moderate_all
from .functional import load_suite, passes
from .labels import DECISIONS, NEWSROOM_FLAG, label
from .model import ModerationModel
from .newsroom import NewsroomHead, comment_features, feature_count
from .pipeline import DEFAULT_PHASES, Comment, Moderator, evidence_phase, newsroom_phase, stance_phase
from .policy import stricter
from .progress import progress
from .seeds import SEED_DECISIONS, seed_comments
from .training import HELD_OUT_FILE

LEARNED = ("a `newsroom` head: the probability that this newsroom's moderators remove a comment, learnt from "
           "the archive's published/removed decisions over the comment's sentence embedding and our own flag "
           "scores. Our flags (their heads and thresholds) are the default model's, unchanged.")


class AdaptError(ValueError):
    """Adaptation cannot go on (an archive without both kinds of decision, an output over the default model)."""


def base_phases():
    """The default model's phases up to its decision, without the newsroom head, stance or evidence."""
    return [p for p in DEFAULT_PHASES if p not in (newsroom_phase, stance_phase, evidence_phase)]


def scan(moderator, rows, out_rows, batch_size=256, desc="reading the archive"):
    """Moderate every archive row with the default model; rows go to `out_rows` (DiskRows).

    Returns per row: labels (removed 0/1), the default model's harm score, harm decision and
    policy decision, as small arrays (a few bytes per row).
    """
    base = Moderator(moderator.model, moderator.policy, encoder=moderator.encoder, phases=base_phases(),
                     lexicon=moderator.lexicon)
    y, harm, harm_value, decision = [], [], [], []
    with progress(desc=desc, unit="comment") as bar:
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == batch_size:
                _scan_chunk(base, chunk, out_rows, y, harm, harm_value, decision)
                bar.update(len(chunk))
                chunk = []
        _scan_chunk(base, chunk, out_rows, y, harm, harm_value, decision)
        bar.update(len(chunk))
    return (np.array(y, dtype=np.int8), np.array(harm, dtype=np.float32), np.array(harm_value, dtype=np.int8),
            np.array(decision, dtype=np.int8))


def _scan_chunk(base, chunk, out_rows, y, harm, harm_value, decision):
    if not chunk:
        return
    done = base.run([Comment(text=r.text) for r in chunk])
    out_rows.append(np.vstack([comment_features(c.embedding, c.scores, c.values["shouting"]) for c in done]))
    for row, c in zip(chunk, done):
        y.append(row.removed)
        harm.append(c.scores["harm"])
        harm_value.append(int(c.values["harm"]))
        decision.append(DECISIONS.index(c.decision))


def stratified_folds(y, k):
    """Fold of each row: the i-th row of each label goes to fold i mod k (streaming order, stratified)."""
    folds = np.zeros(len(y), dtype=np.int16)
    for value in (0, 1):
        idx = np.flatnonzero(y == value)
        folds[idx] = np.arange(len(idx)) % k
    return folds


def _predict(head, rows, chunk=65_536):
    return np.concatenate([head.predict_proba(block)[:, 1] for block in rows.chunks(chunk)] or [np.zeros(0)])


def adapted_decisions(policy, default_decisions, newsroom_scores, threshold):
    """The adapted model's decision: the default one, made stricter where the newsroom flag asks."""
    out = np.empty(len(default_decisions), dtype=np.int8)
    for i, (d, p) in enumerate(zip(default_decisions, newsroom_scores)):
        target = DECISIONS[d]
        if p >= threshold:
            target = stricter(target, policy.raised(NEWSROOM_FLAG, float(p), threshold)[0])
        out[i] = DECISIONS.index(target)
    return out


def _figures(y, score, decided, decisions):
    removed_if_not_approved = decisions > 0
    return {
        "roc_auc": round(float(roc_auc_score(y, score)), 4),
        "accuracy": round(float(accuracy_score(y, decided)), 4),
        "decision_accuracy": round(float(accuracy_score(y, removed_if_not_approved)), 4),
        # rows: published, removed; columns: approve, review, reject
        "decisions": confusion_matrix(y, decisions, labels=range(len(DECISIONS)))[:2].tolist(),
    }


def cross_validate(rows, y, harm, harm_value, decisions, policy, threshold, folds=5, anchor_y=(), anchor_w=0.0,
                   head_params=None):
    """Default vs adapted on archive rows each fold did not train on.

    rows holds the archive's rows, then the anchor rows (our own labelled comments, in every
    fold's training part with weight `anchor_w` each); y and the rest are the archive's only.
    """
    fold_of = stratified_folds(y, folds)
    anchored = np.ones(len(anchor_y), dtype=bool)
    y_all = np.concatenate([y, np.asarray(anchor_y, dtype=np.int8)])
    w_all = np.concatenate([np.ones(len(y)), np.full(len(anchor_y), anchor_w)])
    oof = np.zeros(len(y), dtype=np.float32)
    for k in progress(iterable=range(folds), desc="cross-validation", unit="fold"):
        train = np.concatenate([fold_of != k, anchored])
        test = np.concatenate([fold_of == k, ~anchored])
        head = NewsroomHead(**(head_params or {})).fit(rows.view(train), y_all[train], w_all[train])
        oof[test[:len(y)]] = _predict(head, rows.view(test))
    adapted = adapted_decisions(policy, decisions, oof, threshold)
    return {
        "folds": folds,
        "default": _figures(y, harm, harm_value, decisions),
        "adapted": _figures(y, oof, oof >= threshold, adapted),
    }


def split_held_out(path):
    """Our held-out comments in two halves: anchor rows for the newsroom head, and rows to check it on."""
    records = load_records([path]) if path and Path(path).exists() else []
    return records[0::2], records[1::2]


def on_our_data(default, adapted, records, suite_dir):
    """Our held-out comments (the half the newsroom head never saw), the functional suite and the
    seeds, default beside adapted."""
    out = {}
    if records:
        gold = np.array([label(r, "toxic") for r in records])
        civil = ~gold & ~np.array([label(r, "profanity") for r in records])
        for name, moderator in (("default", default), ("adapted", adapted)):
            results = moderate_all(moderator, records, desc=f"held-out, {name}")
            held = np.array([r["decision"] != "approve" for r in results])
            out.setdefault("held_out", {"n": len(records)})[name] = {
                "toxic_roc_auc": round(float(roc_auc_score(gold, [r["flags"]["toxic"]["score"] for r in results])), 4),
                "civil_held_rate": round(float(held[civil].mean()), 4),
                "toxic_held_rate": round(float(held[gold].mean()), 4),
            }
    if suite_dir and Path(suite_dir).is_dir():
        cases = [(f, text) for f in load_suite(suite_dir).functionalities for text in f.cases]
        civil = np.array([f.gold != "toxic" for f, _ in cases])
        for name, moderator in (("default", default), ("adapted", adapted)):
            results = moderate_all(moderator, [{"text": t} for _, t in cases], desc=f"functional suite, {name}")
            held = np.array([r["decision"] != "approve" for r in results])
            out.setdefault("functional_suite", {"n": len(cases), "civil_cases": int(civil.sum())})[name] = {
                "pass_rate": round(float(np.mean([passes(f, r) for (f, _), r in zip(cases, results)])), 4),
                "civil_held": int(held[civil].sum())}
    comments = seed_comments()
    if comments:
        for name, moderator in (("default", default), ("adapted", adapted)):
            got = [r["decision"] for r in moderator.moderate_many([{"text": t} for t in comments])]
            out.setdefault("seeds", {"contract": list(SEED_DECISIONS)})[name] = {
                "decisions": got, "matching": sum(g == w for g, w in zip(got, SEED_DECISIONS))}
    return out


def adapt(spec, base_dir, out_dir, policy, folds=5, decisions_path=None, suite_dir=None, anchor_share=0.5,
          head_params=None, log=print):
    """Adapt the model in `base_dir` to the archive `spec`; save into `out_dir`; return (model, report).

    anchor_share: weight of our own labelled comments in the newsroom head's training, as a share
    of the archive's weight. A head fitted on the archive alone forgets what we call civil (on a
    forum archive it held about a third of our civil comments); half of the base model's held-out
    comments, which its heads never saw, anchor it, and the other half checks it.
    """
    started = time.perf_counter()
    if folds < 2:
        raise AdaptError(f"--folds must be at least 2, not {folds}: the report compares models on rows they did not see")
    base_dir, out_dir = Path(base_dir), Path(out_dir)
    if out_dir.resolve() == base_dir.resolve():
        raise AdaptError(f"--out {out_dir} is the model being adapted: the default model is never overwritten; "
                         "choose another directory (default var/model-adapted)")
    model = ModerationModel.load(base_dir)
    base_card = model.card.get("base_model") or {k: model.card.get(k) for k in ("model_version",)}
    model = replace(model, archive_head=None, card={k: v for k, v in model.card.items()
                                                       if k not in ("archive", "base_model", "adapt_report")})
    default = Moderator(model, policy)
    sha = file_sha256(spec.path)
    stats = ArchiveStats()
    steps = {}
    anchor, check = split_held_out(base_dir / HELD_OUT_FILE)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".adapt-") as tmp:
        rows = DiskRows(Path(tmp) / "rows.f32", feature_count(default.encoder.dim))
        mark = time.perf_counter()
        y, harm, harm_value, decisions = scan(default, read_archive(spec, stats), rows)
        steps["read_and_score"] = round(time.perf_counter() - mark, 1)
        log(f"archive {spec.path}: {stats.rows} decided comments, {stats.removed} removed"
            + (f"; skipped {', '.join(f'{v} {k}' for k, v in sorted(stats.skipped.items()))}" if stats.skipped else ""))
        if len(set(y.tolist())) < 2 or min(np.bincount(y, minlength=2)) < folds:
            raise AdaptError(f"{spec.path}: {stats.removed} removed and {stats.rows - stats.removed} published "
                             f"comments; adapting needs at least {folds} of each")
        anchor_y = _scan_records(default, anchor, rows, "anchor comments")
        anchor_w = anchor_share * len(y) / len(anchor) if anchor else 0.0
        threshold = policy.threshold(NEWSROOM_FLAG, {NEWSROOM_FLAG: 0.5})
        mark = time.perf_counter()
        cv = cross_validate(rows, y, harm, harm_value, decisions, policy, threshold, folds, anchor_y, anchor_w,
                            head_params)
        steps["cross_validation"] = round(time.perf_counter() - mark, 1)

        mark = time.perf_counter()
        # The review queue's decisions: a moderator removed what our labels call harmful.
        extra = load_records([decisions_path]) if decisions_path and Path(decisions_path).exists() else []
        extra_y = _scan_records(default, extra, rows, "moderator decisions")
        head = NewsroomHead(**(head_params or {})).fit(
            rows, np.concatenate([y, anchor_y, extra_y]),
            np.concatenate([np.ones(len(y)), np.full(len(anchor_y), anchor_w), np.ones(len(extra_y))]))
        steps["fit"] = round(time.perf_counter() - mark, 1)

    created = dt.datetime.now(dt.timezone.utc)
    card = dict(model.card)
    card.update({
        "model_version": f"{created:%Y%m%d%H%M}-adapted-{sha[:8]}",
        "created": created.isoformat(timespec="seconds"),
        "base_model": base_card,
        "archive": {**spec.as_dict(), "sha256": sha, "rows": stats.rows, "removed": stats.removed,
                    "skipped": stats.skipped, "moderator_decisions": len(extra), "anchor_comments": len(anchor),
                    "anchor_share": anchor_share, "learned": LEARNED, "regularisation_C": head.C_,
                    "cross_validation": cv},
    })
    adapted_model = replace(model, archive_head=head, card=card,
                            thresholds={**model.thresholds, NEWSROOM_FLAG: 0.5})
    adapted_model.save(out_dir)
    if (base_dir / HELD_OUT_FILE).exists():
        shutil.copyfile(base_dir / HELD_OUT_FILE, out_dir / HELD_OUT_FILE)
    adapted = Moderator(adapted_model, policy, encoder=default.encoder, lexicon=default.lexicon)
    mark = time.perf_counter()
    ours = on_our_data(default, adapted, check, suite_dir)
    steps["our_data"] = round(time.perf_counter() - mark, 1)
    report = {"model_version": card["model_version"], "base_model_version": base_card.get("model_version"),
              "archive": card["archive"], "ours": ours, "seconds": round(time.perf_counter() - started, 1),
              "seconds_by_step": steps}
    adapted_model.card["adapt_report"] = {k: report[k] for k in ("ours", "seconds", "seconds_by_step")}
    adapted_model.save(out_dir)
    (out_dir / "adapt_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    (out_dir / "adapt_report.md").write_text(format_report(report) + "\n", encoding="utf-8")
    return adapted_model, report


def _scan_records(moderator, records, rows, desc):
    """Append labelled records (our schema) to `rows`; their labels: harmful (any harm flag) or not."""
    if not records:
        return np.zeros(0, dtype=np.int8)
    return scan(moderator, [_AsRow(label(r, "harm"), r["text"]) for r in records], rows, desc=desc)[0]


class _AsRow:
    """A labelled record read like an archive row."""

    def __init__(self, removed, text):
        self.removed, self.text = int(removed), text


def format_report(report):
    a = report["archive"]
    cv = a["cross_validation"]
    lines = [f"# Adapted model {report['model_version']} (from {report['base_model_version']})", "",
             f"Archive `{a['path']}` ({a['format']}, sha256 {a['sha256'][:16]}...): {a['rows']} decided comments, "
             f"{a['removed']} removed" + (f", {a['moderator_decisions']} moderator decisions from the review queue"
                                          if a["moderator_decisions"] else "") + ".", "",
             f"## On the archive, {cv['folds']}-fold cross-validation (comments each fold did not train on)", "",
             "| model | ROC AUC | accuracy | decision accuracy |", "|---|---|---|---|"]
    for name in ("default", "adapted"):
        f = cv[name]
        lines.append(f"| {name} | {f['roc_auc']:.3f} | {f['accuracy']:.3f} | {f['decision_accuracy']:.3f} |")
    lines += ["", "Decisions (rows: what the newsroom did; columns: what the model decides):", "",
              "| model | archive | " + " | ".join(DECISIONS) + " |", "|---|---|" + "---|" * len(DECISIONS)]
    for name in ("default", "adapted"):
        for outcome, row in zip(("published", "removed"), cv[name]["decisions"]):
            lines.append(f"| {name} | {outcome} | " + " | ".join(str(v) for v in row) + " |")
    ours = report["ours"]
    lines += ["", "## On our own data (what the newsroom would lose)", "",
              f"Held-out rows: the comments of our held-out split that the newsroom head never saw (the other "
              f"{a['anchor_comments']} anchored it to what we call civil and harmful).", "",
              "| measure | default | adapted |", "|---|---|---|"]
    if "held_out" in ours:
        h = ours["held_out"]
        for key, what in (("toxic_roc_auc", "held-out toxic ROC AUC"), ("civil_held_rate", "held-out civil comments held"),
                          ("toxic_held_rate", "held-out toxic comments held")):
            lines.append(f"| {what} (n={h['n']}) | {h['default'][key]} | {h['adapted'][key]} |")
    if "functional_suite" in ours:
        s = ours["functional_suite"]
        lines.append(f"| functional suite pass rate (n={s['n']}) | {s['default']['pass_rate']} | "
                     f"{s['adapted']['pass_rate']} |")
        lines.append(f"| civil suite cases held (of {s['civil_cases']}) | {s['default']['civil_held']} | "
                     f"{s['adapted']['civil_held']} |")
    if "seeds" in ours:
        s = ours["seeds"]
        lines.append(f"| seed comments as the contract says (of 5) | {s['default']['matching']} | "
                     f"{s['adapted']['matching']} |")
    lines += ["", f"Took {report['seconds']} s (" + ", ".join(f"{k} {v} s" for k, v in report["seconds_by_step"].items())
              + ")."]
    return "\n".join(lines)
