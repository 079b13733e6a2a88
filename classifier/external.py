"""The model on text written by strangers: ../shared/external, side by side with peers.

Those sets are for measurement only (their README): never trained on, never
copied; this module only reads them. Each set is classified as it is, and the
product's answer to "is this harmful" is its `harm` flag: the strongest of the
harm flags, profanity included (its score for ROC AUC, its value for accuracy
and F1). For ToxiFrench, the peers' stored predictions on the same rows
(`toxifrench_dev_peers.csv`) give their accuracy and Perspective's ROC AUC.

Every run is counted in `runs.jsonl` beside the report: a development set that
is looked at while tuning stops measuring, so the count is part of the figures.
"""

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from .data import DataError
from .progress import progress

PEER_COLUMNS = {
    "perspective_prediction": "Perspective API",
    "openai_moderation_prediction": "OpenAI moderation",
    "mistral_moderation_prediction": "Mistral moderation",
    "camembert_finetuned_prediction": "CamemBERT fine-tuned on the forum",
    "shieldgemma_7b_prediction": "ShieldGemma 7B",
    "llama_guard_prediction": "Llama Guard",
    "gpt_4o_prediction": "GPT-4o",
}


def _mlma_harmful(sentiment):
    # "normal" alone is the only label that says not harmful (the sets' README).
    return int(set(sentiment.split("_")) != {"normal"})


SETS = (
    # name, file, text column, label function, language
    ("ToxiFrench dev (French forum)", "toxifrench_dev.csv", "content", lambda r: int(r["label"]), "fr"),
    ("MLMA French tweets", "mlma_fr.csv", "tweet", lambda r: _mlma_harmful(r["sentiment"]), "fr"),
    ("MLMA Arabic tweets", "mlma_ar.csv", "tweet", lambda r: _mlma_harmful(r["sentiment"]), "ar"),
)


def read_set(path, text_column, label_of):
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or text_column not in rows[0]:
        raise DataError(f"{path}: expected a CSV with a {text_column!r} column")
    return rows, [r[text_column] or "" for r in rows], np.array([label_of(r) for r in rows])


def scores(y, score, decision):
    return {"rows": int(len(y)), "harmful_share": round(float(np.mean(y)), 3),
            "roc_auc": round(float(roc_auc_score(y, score)), 3),
            "accuracy": round(float(accuracy_score(y, decision)), 3),
            "f1": round(float(f1_score(y, decision)), 3)}


def peers(directory, rows, y):
    """{peer name: {"accuracy"}} and Perspective's ROC AUC on the same rows, joined on msg_id."""
    path = Path(directory) / "toxifrench_dev_peers.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        by_id = {r["msg_id"]: r for r in csv.DictReader(fh)}
    joined = [by_id.get(r["msg_id"]) for r in rows]
    keep = np.array([j is not None for j in joined])
    out = {}
    for column, name in PEER_COLUMNS.items():
        pred = np.array([int(float(j[column])) if j and j.get(column) not in (None, "") else -1 for j in joined])
        ok = keep & (pred >= 0)
        if ok.any():
            out[name] = {"accuracy": round(float(accuracy_score(y[ok], pred[ok])), 3), "rows": int(ok.sum())}
    tox = np.array([float(j["perspective_toxicity"]) if j and j.get("perspective_toxicity") else np.nan
                    for j in joined])
    ok = ~np.isnan(tox)
    if ok.any():
        out["Perspective API"]["roc_auc"] = round(float(roc_auc_score(y[ok], tox[ok])), 3)
    return out


def benchmark(moderator, directory, batch_size=64):
    """{set name: {"file", "product": {...}, "peers": {...}}} for every set present in `directory`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: no external sets here (they live in ../shared/external beside the "
                        "checkout); nothing to measure")
    report = {}
    for name, filename, column, label_of, lang in SETS:
        path = directory / filename
        if not path.exists():
            continue
        rows, texts, y = read_set(path, column, label_of)
        results = []
        for start in progress(iterable=range(0, len(texts), batch_size), desc=filename, unit="batch"):
            # An empty row is still a row: the product answers it like any comment.
            results += moderator.moderate_many([{"text": t if t.strip() else ".", "lang": lang}
                                                for t in texts[start:start + batch_size]])
        harm = np.array([r["flags"]["harm"]["score"] for r in results])
        decided = np.array([int(r["flags"]["harm"]["value"]) for r in results])
        entry = {"file": filename, "product": scores(y, harm, decided),
                 "by_flag_auc": {f: round(float(roc_auc_score(y, [r["flags"][f]["score"] for r in results])), 3)
                                 for f in ("toxic", "profanity", "insult", "identity_attack")}}
        if filename == "toxifrench_dev.csv":
            entry["peers"] = peers(directory, rows, y)
        report[name] = entry
    if not report:
        raise DataError(f"{directory}: none of {', '.join(s[1] for s in SETS)} is there")
    return report


def markdown(report, model_version):
    lines = [f"# The model on text written by strangers (model {model_version})", "",
             "| set | rows | harmful | ROC AUC | accuracy | F1 |", "|---|---|---|---|---|---|"]
    for name, entry in report.items():
        p = entry["product"]
        lines.append(f"| {name} | {p['rows']} | {p['harmful_share']:.0%} | {p['roc_auc']:.3f} | "
                     f"{p['accuracy']:.3f} | {p['f1']:.3f} |")
    for name, entry in report.items():
        if entry.get("peers"):
            lines += ["", f"## Peers on {name}, same rows", "", "| system | accuracy | ROC AUC |", "|---|---|---|",
                      f"| **this product** | **{entry['product']['accuracy']:.3f}** | "
                      f"**{entry['product']['roc_auc']:.3f}** |"]
            for peer, figures in sorted(entry["peers"].items(), key=lambda kv: kv[1]["accuracy"]):
                auc = f"{figures['roc_auc']:.3f}" if "roc_auc" in figures else "-"
                lines.append(f"| {peer} | {figures['accuracy']:.3f} | {auc} |")
    return "\n".join(lines) + "\n"


def write_report(report, out_dir, model_version):
    """Write external.json and external.md; append this run to runs.jsonl; return the number of runs so far."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "external.json").write_text(json.dumps({"model_version": model_version, "sets": report},
                                                      indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "external.md").write_text(markdown(report, model_version), encoding="utf-8")
    runs = out_dir / "runs.jsonl"
    with open(runs, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                             "model_version": model_version,
                             **{name: e["product"] for name, e in report.items()}}) + "\n")
    return sum(1 for _ in open(runs, encoding="utf-8"))
