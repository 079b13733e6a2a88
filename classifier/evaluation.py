"""Held-out metrics of a moderator on labelled comments.

`evaluate` runs the full pipeline (the same path as production) and compares
with the gold labels: per-flag precision/recall/F1/ROC AUC, stance macro-F1
per topic, shouting exactness, and the decision confusion matrix where the gold
decision is what the policy says for the gold flags.
"""

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support, roc_auc_score

from .labels import DECISIONS, HARM_FLAGS, label
from .progress import progress

EVAL_FLAGS = HARM_FLAGS + ("toxic", "harm", "shouting")


def moderate_all(moderator, records, batch_size=256, desc="scoring"):
    results = []
    with progress(total=len(records), desc=desc, unit="comment") as bar:
        for start in range(0, len(records), batch_size):
            chunk = records[start:start + batch_size]
            results.extend(moderator.moderate_many(
                [{"text": r["text"], "topic": r.get("topic")} for r in chunk]))
            bar.update(len(chunk))
    return results


def _flag_metrics(gold, pred, scores):
    p, r, f, _ = precision_recall_fscore_support(gold, pred, average="binary", zero_division=0)
    auc = float(roc_auc_score(gold, scores)) if 0 < sum(gold) < len(gold) else None
    return {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
            "roc_auc": None if auc is None else round(auc, 4), "support": int(sum(gold))}


def evaluate(moderator, records, results=None):
    """Metrics dict for `records` (labelled comments); `results` reuses pipeline outputs."""
    results = results if results is not None else moderate_all(moderator, records)
    report = {"n": len(records), "flags": {}, "stance": {}, "by_language": {}, "by_topic": {}}
    for flag in EVAL_FLAGS:
        gold = [int(label(r, flag)) for r in records]
        pred = [int(o["flags"][flag]["value"]) for o in results]
        scores = [o["flags"][flag]["score"] for o in results]
        report["flags"][flag] = _flag_metrics(gold, pred, scores)
    report["shouting_exact"] = all(r["shouting"] == o["flags"]["shouting"]["value"] for r, o in zip(records, results))

    for topic in moderator.topics:
        pairs = [(r["stance"], o["stance"]["label"]) for r, o in zip(records, results)
                 if r["topic"] == topic and r["stance"] is not None]
        if pairs:
            gold, pred = zip(*pairs)
            labels = sorted(set(gold))
            report["stance"][topic] = {
                "macro_f1": round(float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)), 4),
                "accuracy": round(float(np.mean([g == p for g, p in pairs])), 4),
                "n": len(pairs), "labels": labels,
            }

    gold_decisions = [moderator.policy.decide({f: label(r, f) for f in (*HARM_FLAGS, "shouting")}).decision
                      for r in records]
    pred_decisions = [o["decision"] for o in results]
    matrix = confusion_matrix(gold_decisions, pred_decisions, labels=list(DECISIONS))
    report["decisions"] = {
        "labels": list(DECISIONS),
        "confusion": matrix.tolist(),  # rows: gold decision, columns: predicted
        "accuracy": round(float(np.trace(matrix) / max(1, matrix.sum())), 4),
        "civil_held_rate": _rate(gold_decisions, pred_decisions, "approve"),
    }

    for field, key in (("lang", "by_language"), ("topic", "by_topic")):
        for value in sorted({r[field] for r in records if r[field] is not None}):
            idx = [i for i, r in enumerate(records) if r[field] == value]
            gold = [int(records[i]["toxic"]) for i in idx]
            scores = [results[i]["flags"]["toxic"]["score"] for i in idx]
            pred = [int(results[i]["flags"]["toxic"]["value"]) for i in idx]
            report[key][value] = {"n": len(idx), **_flag_metrics(gold, pred, scores)}
    return report


def worst_errors(records, results, n=20):
    """The `n` comments the model got most confidently wrong, worst first.

    A comment is wrong when a behaviour flag's value differs from its gold label; its
    error is the largest |gold - score| over those flags. Each item: {text, lang, topic,
    gold, predicted (flag lists), error, decision, evidence}.
    """
    errors = []
    for rec, out in zip(records, results):
        wrong = [f for f in HARM_FLAGS if label(rec, f) != out["flags"][f]["value"]]
        if not wrong:
            continue
        errors.append({
            "text": rec["text"], "lang": rec["lang"], "topic": rec["topic"],
            "gold": [f for f in HARM_FLAGS if label(rec, f)],
            "predicted": [f for f in HARM_FLAGS if out["flags"][f]["value"]],
            "error": round(max(abs(int(label(rec, f)) - out["flags"][f]["score"]) for f in wrong), 4),
            "decision": out["decision"], "evidence": out["evidence"],
        })
    return sorted(errors, key=lambda e: -e["error"])[:n]


def _rate(gold, pred, label):
    """Share of comments whose gold decision is `label` that the pipeline decided otherwise."""
    idx = [i for i, g in enumerate(gold) if g == label]
    return round(sum(pred[i] != label for i in idx) / len(idx), 4) if idx else None


def format_report(report):
    """Human-readable tables of an `evaluate` report."""
    lines = [f"held-out comments: {report['n']}", "",
             f"{'flag':<16}{'precision':>10}{'recall':>8}{'F1':>8}{'ROC AUC':>9}{'support':>9}"]
    for flag, m in report["flags"].items():
        auc = "-" if m["roc_auc"] is None else f"{m['roc_auc']:.3f}"
        lines.append(f"{flag:<16}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}{auc:>9}{m['support']:>9}")
    lines.append(f"shouting exact: {report['shouting_exact']}")
    for topic, m in report["stance"].items():
        lines.append(f"stance {topic}: macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f} (n={m['n']})")
    d = report["decisions"]
    lines += ["", "decisions (rows gold, columns predicted): " + " ".join(f"{x:>8}" for x in d["labels"])]
    for label, row in zip(d["labels"], d["confusion"]):
        lines.append(f"{label:>41} " + " ".join(f"{v:>8}" for v in row))
    lines.append(f"decision accuracy {d['accuracy']:.3f}; civil comments not approved: {d['civil_held_rate']}")
    for key, preposition in (("by_language", "in"), ("by_topic", "on")):
        for group, m in report.get(key, {}).items():
            auc = "-" if m["roc_auc"] is None else f"{m['roc_auc']:.3f}"
            lines.append(f"toxic {preposition} {group}: F1 {m['f1']:.3f}, ROC AUC {auc} (n={m['n']})")
    return "\n".join(lines)
