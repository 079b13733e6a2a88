"""Every kind of answer we give Coral, run through Coral's own response validation (real joi)."""

import hashlib
import hmac
import json

import pytest

from webhook.coral import REJECTION_CODES, answer

from tests.webhook.peers import coral_reads

SECRET = "coral-secret"


def signed(text, action="NEW"):
    raw = json.dumps({"action": action, "comment": {"body": text, "parentID": None},
                      "author": {"id": "u1", "role": "COMMENTER"}, "story": {"id": "s1", "url": "https://x.org/a"},
                      "site": {"id": "site1"}, "tenantID": "t1", "tenantDomain": "x.org"}, indent=2,
                     ensure_ascii=False).encode("utf-8")  # as Coral sends it: JSON.stringify(body, null, 2)
    return raw, "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


def post(app, text, action="NEW"):
    raw, signature = signed(text, action)
    return app.test_client().post("/v1/coral/moderate", data=raw, content_type="application/json",
                                  headers={"X-Coral-Signature": signature})


COMMENTS = {
    "approve": "<p>Merci pour ce reportage, très complet.</p>",
    "review": "VOUS ETES TOUS DES MENTEURS ET DES HYPOCRITES ICI",
    "reject": "<p>Ces cafards 🐀 doivent être éradiqués de la ville</p>",
    "bypass": "Pour moi x<y. Ces rats doivent être éradiqués d'Alep",
}


def synthetic(decision, flag, lang):
    flags = {f: {"score": 0.9 if f == flag else 0.01, "value": f == flag}
             for f in ("dehumanising", "identity_attack", "insult", "threat", "profanity", "shouting", "toxic")}
    return {"decision": decision, "reasons": [flag] if flag else [], "lang": lang, "flags": flags,
            "evidence": [{"kind": "cue", "text": "mot", "flag": flag, "start": 0, "end": 3}] if flag else []}


def test_no_answer_of_ours_fails_coral_schema(make_app, capsys):
    answers, kinds = [], []
    for approve in ("NONE", "APPROVED"):
        app = make_app(coral_signing_secrets=(SECRET,), coral_approve_answer=approve)
        for kind, text in COMMENTS.items():
            for action in ("NEW", "EDIT"):
                r = post(app, text, action)
                answers.append((r.status_code, r.get_data(as_text=True)))
                kinds.append(f"{kind}/{action}/approve={approve}")
    # Every rejection reason code and explanation language, and a rejection without evidence.
    with make_app().app_context():
        for flag, _ in REJECTION_CODES + ((None, "OTHER"),):
            for lang in ("fr", "en", "ar", None):
                r = answer(synthetic("reject", flag, lang), "NONE")
                answers.append((r.status_code, r.get_data(as_text=True)))
                kinds.append(f"reject:{flag}/{lang}")
        r = answer(synthetic("review", "insult", "fr"), "NONE")
        answers.append((r.status_code, r.get_data(as_text=True)))
        kinds.append("review:insult")
    verdicts = coral_reads(answers)
    failed = [(k, v["error"]) for k, v in zip(kinds, verdicts) if v["outcome"] == "failed"]
    with capsys.disabled():
        print(f"\nCoral schema: {len(answers)} answers of {len(set(k.split('/')[0] for k in kinds))} kinds, "
              f"{len(failed)} failed; outcomes: "
              + ", ".join(f"{o} {sum(v['outcome'] == o for v in verdicts)}" for o in ("no opinion", "accepted")))
    assert failed == []
    accepted = [v["value"] for v in verdicts if v["outcome"] == "accepted"]
    assert {a.get("status") for a in accepted} == {"APPROVED", "SYSTEM_WITHHELD", "REJECTED"}
    codes = {a["moderationAction"]["rejectionReason"]["code"] for a in accepted if "moderationAction" in a}
    assert codes == {code for _, code in REJECTION_CODES} | {"OTHER"}


def test_the_old_empty_tags_answer_is_what_coral_refused():
    # The peer check itself must catch the defect it is here for.
    (verdict,) = coral_reads([(200, json.dumps({"status": "REJECTED", "actions": [], "tags": []}))])
    assert verdict["outcome"] == "failed" and "tags" in verdict["error"]


@pytest.mark.parametrize("text", ["{}", ""])
def test_no_opinion_is_what_coral_skips(text):
    assert coral_reads([(200, text)])[0]["outcome"] == "no opinion"
