"""The service's command line: `python -m webhook {users,export-decisions,retrain}`.

These commands touch the store (accounts, moderators' decisions), so they live
with the service; the model's commands (`python -m classifier ...`) never import
the web service. Errors end the command with a one-line message and exit status 2.
"""

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from classifier.config import Settings
from classifier.data import DataError, write_jsonl

EXIT_USAGE = 2


class CLIError(Exception):
    """An error the user can fix; printed without a traceback."""


def _store(settings):
    from .migrate import upgrade
    from .store import Store

    upgrade(settings.database_url)
    return Store(settings.database_url)


def _password(args, prompt):
    import getpass

    # Piped (a script, a deployment tool): the first line is the password, as with --password-stdin.
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(prompt)
    if password != getpass.getpass("again: "):
        raise CLIError("the two passwords differ")
    return password


def cmd_users_add(args, settings):
    from .review.accounts import AccountError, create_user

    password = _password(args, f"password for {args.name}: ")
    try:
        create_user(_store(settings), args.name, password, args.role)
    except AccountError as exc:
        raise CLIError(str(exc)) from None
    print(f"user {args.name} ({args.role}) created")
    return 0


def cmd_users_list(args, settings):
    from .review.accounts import list_users
    from .store import as_utc, utcnow

    rows = list_users(_store(settings))
    print(f"{'name':<24}{'role':<12}{'state':<28}created")
    for name, role, active, locked_until, created in rows:
        locked = as_utc(locked_until)
        state = "disabled" if not active else f"locked until {locked:%Y-%m-%d %H:%M} UTC" \
            if locked and locked > utcnow() else "active"
        print(f"{name:<24}{role:<12}{state:<28}{as_utc(created):%Y-%m-%d}")
    print(f"{len(rows)} accounts", file=sys.stderr)
    return 0


def _account_change(change, done):
    def command(args, settings):
        from .review.accounts import AccountError

        try:
            change(args, _store(settings))
        except AccountError as exc:
            raise CLIError(str(exc)) from None
        print(f"user {args.name} {done}")
        return 0
    return command


def _reset(args, store):
    from .review.accounts import reset_password

    reset_password(store, args.name, _password(args, f"new password for {args.name}: "))


def _disable(args, store):
    from .review.accounts import set_active

    set_active(store, args.name, False)


def _enable(args, store):
    from .review.accounts import set_active

    set_active(store, args.name, True)


def _unlock(args, store):
    from .review.accounts import unlock

    unlock(store, args.name)


def meta_path(decisions_path):
    """Beside the exported decisions: the --since they were exported with, so a retrain keeps it."""
    return Path(decisions_path).with_suffix(".meta.json")


def _since(value):
    if value is None:
        return None
    try:
        since = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CLIError(f"--since must be a date like 2026-11-01, not {value!r}") from None
    return since if since.tzinfo else since.replace(tzinfo=dt.timezone.utc)


def export_decisions(settings, out, since_text=None):
    """Write the store's decided comments as training records to `out`; returns how many."""
    from .review.queue import corrected_records

    records = corrected_records(_store(settings), _since(since_text))
    write_jsonl(out, records)
    meta_path(out).write_text(json.dumps({"since": since_text, "exported": len(records),
                                          "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
                              + "\n", encoding="utf-8")
    return len(records)


def cmd_export_decisions(args, settings):
    out = Path(args.output or settings.moderator_decisions)
    n = export_decisions(settings, out, args.since)
    print(f"{n} moderator decisions written to {out}" + (f" (decided since {args.since})" if args.since else ""))
    return 0


def cmd_retrain(args, settings):
    """Export the store's decisions (with the last export's --since unless given) and train on them."""
    from classifier.cli import main as classifier_main

    out = Path(settings.moderator_decisions)
    since = args.since
    if since is None and meta_path(out).exists():
        since = json.loads(meta_path(out).read_text(encoding="utf-8")).get("since")
    n = export_decisions(settings, out, since)
    print(f"{n} moderator decisions from the store" + (f" (decided since {since})" if since else ""),
          file=sys.stderr)
    return classifier_main(["train", "--decisions", str(out), *args.train_args])


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m webhook",
                                     description="The moderation service's commands: accounts and decisions.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("users", help="moderator accounts of the review queue")
    users = p.add_subparsers(dest="users_command", required=True)
    p = users.add_parser("add", help="create an account", description="Create a review-queue account.")
    p.add_argument("name")
    p.add_argument("--role", choices=("moderator", "admin"), default="moderator")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_users_add)
    p = users.add_parser("list", help="every account: role, active, disabled or locked",
                         description="List the review-queue accounts.")
    p.set_defaults(func=cmd_users_list)
    for name, change, done, what in (
            ("disable", _disable, "disabled; their sessions have ended", "refuse sign-in and end every session"),
            ("enable", _enable, "enabled", "allow a disabled account to sign in again"),
            ("reset-password", _reset, "has a new password; their sessions have ended and any lock is lifted",
             "set a new password (asked twice, or --password-stdin)"),
            ("unlock", _unlock, "unlocked", "lift the lock after too many failed sign-ins")):
        p = users.add_parser(name, help=what, description=what[0].upper() + what[1:] + ".")
        p.add_argument("name")
        if name == "reset-password":
            p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        p.set_defaults(func=_account_change(change, done))

    p = sub.add_parser("export-decisions", help="moderators' decisions as training-data JSONL",
                       description="Write decided comments in the training-data schema: a moderator's corrected "
                                   "labels win; a rejection's reason says which flags; the latest decision of a "
                                   "text wins over earlier ones.")
    p.add_argument("--since", help="only decisions from this date (ISO, e.g. 2026-11-01); `retrain` keeps it")
    p.add_argument("--output", help="JSONL file (default: $MODERATOR_DECISIONS, which `train` reads)")
    p.set_defaults(func=cmd_export_decisions)

    p = sub.add_parser("retrain", help="export the moderators' decisions, then train on the corpus and them",
                       description="export-decisions (with the last export's --since unless given), then "
                                   "`python -m classifier train --decisions` with any further arguments "
                                   "(e.g. --out DIR, --augment N).")
    p.add_argument("--since", help="only decisions from this date (default: the last export's)")
    p.set_defaults(func=cmd_retrain)  # any other argument goes to `python -m classifier train`
    return parser


def main(argv=None):
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "retrain":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.train_args = extra
    try:
        return args.func(args, Settings.from_env())
    except (CLIError, DataError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
