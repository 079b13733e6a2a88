"""`python -m webhook`: accounts, moderators' decisions exported for training, retraining on them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from classifier.data import corpus_files, load_records, write_jsonl

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def service(settings, tmp_path):
    """A store with a running app's decisions in it, and the service's CLI on the same store."""
    from webhook import create_app

    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    env = dict(os.environ, MODEL_DIR=str(settings.model_dir), DATABASE_URL=db,
               MODERATOR_DECISIONS=str(tmp_path / "decisions.jsonl"))

    def cli(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "webhook", *args], cwd=ROOT, env=env, input=stdin,
                              capture_output=True, text=True, timeout=600)

    app = create_app(type(settings)(model_dir=settings.model_dir, database_url=db, journal_dir=tmp_path / "journal",
                                    allow_unauthenticated_loopback=True), background=False)
    return cli, app, tmp_path


def held(app, comment_id, text, **extra):
    result = app.test_client().post("/v1/moderate", json={"id": comment_id, "text": text, **extra}).json
    assert result["decision"] == "review", result
    store = app.extensions["store"]
    return next(r.id for r in store.queue(500) if r.comment_id == comment_id)


def test_users_add_checks_names_and_passwords(service):
    cli, _, _ = service
    out = cli("users", "add", "amira", "--role", "admin", "--password-stdin", stdin="a long password\n")
    assert out.returncode == 0, out.stderr
    again = cli("users", "add", "amira", "--password-stdin", stdin="a long password\n")
    assert again.returncode == 2 and "already exists" in again.stderr
    short = cli("users", "add", "bob", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least" in short.stderr


def test_exported_decisions_follow_reasons_latest_decisions_and_topics(service):
    cli, app, tmp = service
    from webhook.review.accounts import authenticate
    from webhook.review.queue import decide

    assert cli("users", "add", "amira", "--password-stdin", stdin="a long password\n").returncode == 0
    store = app.extensions["store"]
    uid = authenticate(store, "amira", "a long password")[0]
    insult = "Espèce d imbécile, tu n as rien compris à cet article."
    spam = "Espèce d imbécile, achetez mes montres sur mon site, promo imbattable."
    a = held(app, "c1", insult, topic="syria-aleppo-2016")
    b = held(app, "c2", spam)
    decide(store, [a], uid, "reject", "HATE_SPEECH")
    decide(store, [b], uid, "reject", "SPAM")
    # The same text held again in another story, approved later: the latest decision wins.
    c = held(app, "c3", insult, story={"id": "s2"})
    decide(store, [c], uid, "approve")
    out = cli("export-decisions", "--output", str(tmp / "out.jsonl"))
    assert out.returncode == 0, out.stderr
    records = {r["text"]: r for r in map(json.loads, (tmp / "out.jsonl").read_text(encoding="utf-8").splitlines())}
    assert len(records) == 2
    assert records[insult]["insult"] is False and records[insult]["toxic"] is False  # approved last
    assert records[spam]["toxic"] is False and records[spam]["insult"] is False  # spam is not a behaviour
    assert records[spam]["topic"] is None and records[spam]["source"].startswith("moderator:")
    bad = cli("export-decisions", "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_a_hate_speech_rejection_is_an_identity_attack_not_an_insult():
    from webhook.review.queue import rejection_flags

    model = {"insult": {"value": True}, "identity_attack": {"value": False}}
    assert rejection_flags("HATE_SPEECH", model) == {"dehumanising": False, "identity_attack": True,
                                                     "insult": False, "threat": False, "profanity": False}
    assert rejection_flags("HARASSMENT_BULLYING", model)["insult"] is True
    assert not any(rejection_flags("SPAM", model).values())
    assert rejection_flags("OTHER", model)["insult"] is True


def test_retrain_keeps_the_last_exports_since(service, settings):
    cli, app, tmp = service
    from webhook.review.accounts import authenticate
    from webhook.review.queue import decide

    assert cli("users", "add", "amira", "--password-stdin", stdin="a long password\n").returncode == 0
    store = app.extensions["store"]
    decide(store, [held(app, "c1", "Espèce d imbécile, tu n as rien compris à cet article.")],
           authenticate(store, "amira", "a long password")[0], "approve")
    out = cli("export-decisions", "--since", "2099-01-01")
    assert out.returncode == 0 and "0 moderator decisions" in out.stdout
    small = tmp / "data"
    small.mkdir()
    write_jsonl(small / "sample.jsonl", load_records(corpus_files(ROOT / "training_data"))[::12])
    retrain = cli("retrain", "--data", str(small), "--out", str(tmp / "model"), "--augment", "0")
    assert retrain.returncode == 0, retrain.stderr
    assert "0 moderator decisions from the store (decided since 2099-01-01)" in retrain.stderr
    assert (tmp / "decisions.jsonl").read_text(encoding="utf-8") == ""
    card = json.loads((tmp / "model" / "model_card.json").read_text(encoding="utf-8"))
    assert card["moderator_corrections"] == 0


def test_a_story_matching_a_topic_rule_gets_that_topics_stance(settings, tmp_path):
    from webhook import create_app

    rules = tmp_path / "topics.toml"
    rules.write_text('[[rule]]\ntopic = "syria-aleppo-2016"\nurls = ["https://journal.example/syrie/*"]\n',
                     encoding="utf-8")
    app = create_app(type(settings)(model_dir=settings.model_dir, database_url=f"sqlite:///{tmp_path / 'db'}",
                                    journal_dir=tmp_path / "journal", topics_path=rules,
                                    allow_unauthenticated_loopback=True), background=False)
    client = app.test_client()
    text = "Bravo à l'armée syrienne, Alep est enfin libérée."
    matched = client.post("/v1/moderate", json={"id": "a", "text": text,
                                                "story": {"id": "s", "url": "https://journal.example/syrie/1"}}).json
    assert matched["stance"]["topic"] == "syria-aleppo-2016" and matched["stance"]["label"] is not None
    other = client.post("/v1/moderate", json={"id": "b", "text": text, "story": {"id": "s2"}}).json
    assert other["stance"] == {"topic": None, "label": None, "scores": {}}


def test_users_list_disable_enable_reset_and_unlock(service):
    cli, app, _ = service
    from webhook.review.accounts import AccountError, authenticate

    store = app.extensions["store"]
    assert cli("users", "add", "amira", "--password-stdin", stdin="a long password\n").returncode == 0
    assert "amira" in cli("users", "list").stdout and "active" in cli("users", "list").stdout

    assert cli("users", "disable", "amira").returncode == 0
    assert "disabled" in cli("users", "list").stdout
    with pytest.raises(AccountError):
        authenticate(store, "amira", "a long password")
    assert cli("users", "enable", "amira").returncode == 0
    assert authenticate(store, "amira", "a long password")[2] == "amira"

    for _ in range(5):
        with pytest.raises(AccountError):
            authenticate(store, "amira", "not the password")
    assert "locked until" in cli("users", "list").stdout
    assert cli("users", "unlock", "amira").returncode == 0
    assert authenticate(store, "amira", "a long password")[2] == "amira"

    out = cli("users", "reset-password", "amira", "--password-stdin", stdin="another long password\n")
    assert out.returncode == 0, out.stderr
    assert authenticate(store, "amira", "another long password")[2] == "amira"
    with pytest.raises(AccountError):
        authenticate(store, "amira", "a long password")
    short = cli("users", "reset-password", "amira", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least" in short.stderr
    missing = cli("users", "disable", "nobody")
    assert missing.returncode == 2 and "no user 'nobody'" in missing.stderr
