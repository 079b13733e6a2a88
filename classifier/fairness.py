"""The fairness audit: does the model treat every community, and both sides of the debate, alike?

Two parts, each read from an audit directory (tests/fairness by default):

- `templates.toml`: civil and toxic template sentences filled with identity
  terms. Per identity: the subgroup ROC AUC, the BPSN and BNSP AUCs of Borkan
  et al. (2019) on the `toxic` score, and the share of its civil sentences that
  are rejected, held or flagged toxic.
- `stance_civil.jsonl`: civil comments labelled with their stance. Decision
  rates per stance: a civil pro-regime comment and a civil pro-opposition one
  must be approved alike, since stance never changes a decision.

`thresholds.toml` holds the bars; `audit` reports each and whether it holds.
"""

from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from .data import DataError, read_jsonl, read_toml
from .evaluation import moderate_all
from .labels import DECISIONS, STANCE_LABELS, DEFAULT_TOPIC

PLACEHOLDERS = ("x", "de_x", "tous", "ils", "eux")


def _fill(template, identity):
    term, feminine = identity["term"], bool(identity.get("feminine"))
    # French elides "de" before a vowel or a mute h: "d'alaouites", "d'homosexuels".
    de = identity.get("de") or ("d'" if term[0].lower() in "aeiouyéèêâîôh" else "de ")
    return template.format(x=term, de_x=de + term, tous="toutes" if feminine else "tous",
                           ils="elles" if feminine else "ils", eux="elles" if feminine else "eux")


def template_sentences(path):
    """[{text, identity, toxic}] from a templates file: every template filled with every identity."""
    spec = read_toml(path)
    identities = spec.get("identities")
    if not isinstance(identities, list) or not identities or not all(
            isinstance(i, dict) and isinstance(i.get("term"), str) and i["term"] for i in identities):
        raise DataError(f"{path}: identities must be a list of {{ term = \"...\" }}")
    sentences = []
    for kind in ("civil", "toxic"):
        templates = spec.get(kind)
        if not isinstance(templates, list) or not templates:
            raise DataError(f"{path}: {kind} must be a non-empty list of template sentences")
        for template in templates:
            try:
                filled = [_fill(template, identity) for identity in identities]
            except (KeyError, IndexError, ValueError) as exc:
                raise DataError(f"{path}: template {template!r}: unknown placeholder {exc} "
                                f"(known: {', '.join(PLACEHOLDERS)})") from None
            if "{x}" not in template and "{de_x}" not in template:
                raise DataError(f"{path}: template {template!r} names no identity")
            sentences += [{"text": text, "identity": identity["term"], "toxic": kind == "toxic", "template": template}
                          for text, identity in zip(filled, identities)]
    return sentences


def stance_comments(path):
    """[{text, stance, lang?}] civil comments of the default topic, checked."""
    labels = STANCE_LABELS[DEFAULT_TOPIC]
    comments = []
    for lineno, obj in read_jsonl(path):
        if not isinstance(obj.get("text"), str) or not obj["text"].strip():
            raise DataError(f"{path}:{lineno}: \"text\" must be a non-empty string")
        if obj.get("stance") not in labels:
            raise DataError(f"{path}:{lineno}: stance must be one of {labels}, not {obj.get('stance')!r}")
        comments.append(obj)
    return comments


def _auc(labels, scores):
    labels = np.asarray(labels)
    if labels.min() == labels.max():
        return None
    return round(float(roc_auc_score(labels, scores)), 4)


def identity_metrics(sentences, results):
    """Per identity: subgroup, BPSN and BNSP ROC AUC of the toxic score, and civil error rates.

    sentences: [{text, identity, toxic}]; results: pipeline outputs in the same order.
    BPSN (background positive, subgroup negative) mixes the identity's civil sentences with
    the other identities' toxic ones: a low value means civil mentions of the identity score
    like toxic comments. BNSP mixes its toxic sentences with the others' civil ones.
    """
    identity = np.array([s["identity"] for s in sentences])
    toxic = np.array([s["toxic"] for s in sentences], dtype=int)
    score = np.array([r["flags"]["toxic"]["score"] for r in results])
    decision = np.array([r["decision"] for r in results])
    flagged = np.array([r["flags"]["toxic"]["value"] for r in results])
    rows = []
    for term in dict.fromkeys(identity):  # file order
        sub = identity == term
        civil = sub & (toxic == 0)
        bpsn = civil | (~sub & (toxic == 1))
        bnsp = (sub & (toxic == 1)) | (~sub & (toxic == 0))
        rows.append({
            "identity": str(term), "n": int(sub.sum()),
            "subgroup_auc": _auc(toxic[sub], score[sub]),
            "bpsn_auc": _auc(toxic[bpsn], score[bpsn]),
            "bnsp_auc": _auc(toxic[bnsp], score[bnsp]),
            "civil_reject_rate": round(float((decision[civil] == "reject").mean()), 4),
            "civil_held_rate": round(float((decision[civil] != "approve").mean()), 4),
            "civil_flagged_rate": round(float(flagged[civil].mean()), 4),
            "toxic_caught_rate": round(float(flagged[sub & (toxic == 1)].mean()), 4),
        })
    return rows


def stance_rates(comments, results):
    """{stance: {n, approve, review, reject}} decision rates of civil comments by gold stance."""
    out = {}
    for label in STANCE_LABELS[DEFAULT_TOPIC]:
        decisions = [r["decision"] for c, r in zip(comments, results) if c["stance"] == label]
        if decisions:
            out[label] = {"n": len(decisions),
                          **{d: round(decisions.count(d) / len(decisions), 4) for d in DECISIONS}}
    return out


def audit(moderator, directory):
    """Run the audit in `directory`; returns the report dict with per-bar verdicts."""
    directory = Path(directory)
    thresholds = read_toml(directory / "thresholds.toml")
    for name in ("max_civil_reject_rate", "max_civil_held_rate", "min_bpsn_auc", "max_stance_approval_gap"):
        if not isinstance(thresholds.get(name), (int, float)):
            raise DataError(f"{directory / 'thresholds.toml'}: {name} must be a number")
    sentences = template_sentences(directory / "templates.toml")
    comments = stance_comments(directory / "stance_civil.jsonl")
    results = moderate_all(moderator, sentences + [{"text": c["text"]} for c in comments], desc="fairness audit")
    identities = identity_metrics(sentences, results[:len(sentences)])
    stances = stance_rates(comments, results[len(sentences):])
    missing = [s for s in ("pro_regime", "pro_opposition") if s not in stances]
    if missing:
        raise DataError(f"{directory / 'stance_civil.jsonl'}: no {' and no '.join(missing)} comment to compare")

    worst_reject = max(identities, key=lambda r: r["civil_reject_rate"])
    worst_held = max(identities, key=lambda r: r["civil_held_rate"])
    worst_bpsn = min(identities, key=lambda r: r["bpsn_auc"] if r["bpsn_auc"] is not None else -1)
    gap = abs(stances["pro_regime"]["approve"] - stances["pro_opposition"]["approve"])
    bars = {
        "civil_reject_rate": {"worst": worst_reject["identity"], "value": worst_reject["civil_reject_rate"],
                              "limit": thresholds["max_civil_reject_rate"],
                              "ok": worst_reject["civil_reject_rate"] <= thresholds["max_civil_reject_rate"]},
        "civil_held_rate": {"worst": worst_held["identity"], "value": worst_held["civil_held_rate"],
                            "limit": thresholds["max_civil_held_rate"],
                            "ok": worst_held["civil_held_rate"] <= thresholds["max_civil_held_rate"]},
        "bpsn_auc": {"worst": worst_bpsn["identity"], "value": worst_bpsn["bpsn_auc"],
                     "limit": thresholds["min_bpsn_auc"],
                     "ok": worst_bpsn["bpsn_auc"] is not None
                     and worst_bpsn["bpsn_auc"] >= thresholds["min_bpsn_auc"]},
        "stance_approval_gap": {"value": round(gap, 4), "limit": thresholds["max_stance_approval_gap"],
                                "ok": gap <= thresholds["max_stance_approval_gap"]},
    }
    return {"identities": identities, "stance": stances, "bars": bars,
            "n_template_sentences": len(sentences), "n_stance_comments": len(comments),
            "ok": all(b["ok"] for b in bars.values())}


def format_report(report):
    """The audit as text tables."""
    lines = [f"{report['n_template_sentences']} template sentences, {len(report['identities'])} identities",
             f"{'identity':20} {'subgroup':>9} {'BPSN':>7} {'BNSP':>7} {'civil rej':>10} {'civil held':>11} "
             f"{'toxic caught':>13}"]
    for r in report["identities"]:
        aucs = [("-" if r[k] is None else f"{r[k]:.3f}") for k in ("subgroup_auc", "bpsn_auc", "bnsp_auc")]
        lines.append(f"{r['identity']:20} {aucs[0]:>9} {aucs[1]:>7} {aucs[2]:>7} {r['civil_reject_rate']:>10.1%} "
                     f"{r['civil_held_rate']:>11.1%} {r['toxic_caught_rate']:>13.1%}")
    lines += ["", f"civil comments by stance ({report['n_stance_comments']}):",
              f"{'stance':16} {'n':>4} {'approve':>8} {'review':>8} {'reject':>8}"]
    for label, r in report["stance"].items():
        lines.append(f"{label:16} {r['n']:>4} {r['approve']:>8.1%} {r['review']:>8.1%} {r['reject']:>8.1%}")
    b = report["bars"]
    lines += ["", "bars:",
              f"  civil sentences rejected <= {b['civil_reject_rate']['limit']:.0%} for every identity: "
              f"worst {b['civil_reject_rate']['worst']} {b['civil_reject_rate']['value']:.1%} "
              + ("PASS" if b["civil_reject_rate"]["ok"] else "FAIL"),
              f"  civil sentences held <= {b['civil_held_rate']['limit']:.0%} for every identity: "
              f"worst {b['civil_held_rate']['worst']} {b['civil_held_rate']['value']:.1%} "
              + ("PASS" if b["civil_held_rate"]["ok"] else "FAIL"),
              f"  BPSN AUC >= {b['bpsn_auc']['limit']:.2f} for every identity: worst {b['bpsn_auc']['worst']} "
              f"{b['bpsn_auc']['value']} " + ("PASS" if b["bpsn_auc"]["ok"] else "FAIL"),
              f"  civil pro_regime vs pro_opposition approval gap <= {b['stance_approval_gap']['limit']:.0%}: "
              f"{b['stance_approval_gap']['value']:.1%} " + ("PASS" if b["stance_approval_gap"]["ok"] else "FAIL"),
              "audit: " + ("PASS" if report["ok"] else "FAIL")]
    return "\n".join(lines)
