import pytest

from classifier.pipeline import DEFAULT_PHASES, Moderator
from classifier.seeds import SEED_DECISIONS, SEED_FILE, seed_comments


@pytest.mark.skipif(not SEED_FILE.exists(), reason="../shared/seeds/ is absent: the seed comments are readers' "
                    "text and are not copied into the product (CI always has them)")
def test_seed_comments_get_the_contract_decisions(moderator):
    comments = seed_comments()
    assert len(comments) == 5
    results = moderator.moderate_many([{"id": i, "text": t, "topic": "syria-aleppo-2016"}
                                       for i, t in enumerate(comments)])
    got = [r["decision"] for r in results]
    assert got == list(SEED_DECISIONS), [(r["decision"], r["reasons"], t[:60]) for r, t in zip(results, comments)]
    assert results[2]["flags"]["shouting"]["value"] is True


def test_result_has_the_documented_shape(moderator):
    r = moderator.moderate("Ces rats wahabites 🐀 doivent être éradiqués d'Alep.", topic="syria-aleppo-2016", id="c1")
    assert set(r) >= {"id", "decision", "stance", "flags", "evidence", "model_version"}
    assert r["id"] == "c1" and r["decision"] == "reject"
    assert r["flags"]["dehumanising"]["value"] is True and r["flags"]["toxic"]["value"] is True
    assert 0.0 <= r["flags"]["dehumanising"]["score"] <= 1.0
    assert r["stance"]["topic"] == "syria-aleppo-2016"
    assert r["stance"]["label"] in r["stance"]["scores"]


def test_flagged_comment_carries_readable_evidence(moderator):
    text = "Ces cafards 🐀 d'Alep-Est, il faut nettoyer la ville de cette vermine."
    r = moderator.moderate(text)
    cues = [e for e in r["evidence"] if e["kind"] == "cue"]
    assert {"cafards", "🐀", "vermine"} <= {e["text"] for e in cues}
    for e in cues:
        assert text[e["start"]:e["end"]] == e["text"]
    near = [e for e in r["evidence"] if e["kind"] == "neighbour"]
    assert len(near) == 3 and all(-1 <= e["similarity"] <= 1 for e in near)


def test_civil_comments_are_approved_without_evidence(moderator):
    r = moderator.moderate("Pensées pour les familles d'Alep, que la trêve tienne enfin.")
    assert r["decision"] == "approve" and r["evidence"] == []


def test_batch_and_single_give_the_same_answer(moderator):
    texts = ["Bravo à l'armée qui reprend la ville.", "Quelle honte, ces bombardements d'hôpitaux.",
             "TU N'ES QU'UN PAUVRE IMBECILE PAYE PAR LE REGIME"]
    batch = moderator.moderate_many([{"text": t} for t in texts])
    for text, r in zip(texts, batch):
        single = moderator.moderate(text)
        assert single["decision"] == r["decision"]
        assert single["flags"]["toxic"]["score"] == pytest.approx(r["flags"]["toxic"]["score"], abs=1e-3)


def test_stance_never_changes_the_decision(moderator):
    def forced(label):
        def stance_phase(mod, batch):
            for c in batch:
                c.stance = {"topic": c.topic, "label": label, "scores": {}}
        return stance_phase

    text = "Ces gens-là sont des traîtres vendus."
    decisions = set()
    for label in ("pro_regime", "pro_opposition", "neutral"):
        phases = [forced(label) if p.__name__ == "stance_phase" else p for p in DEFAULT_PHASES]
        mod = Moderator(moderator.model, moderator.policy, moderator.encoder, phases=phases)
        decisions.add(mod.moderate(text)["decision"])
    assert len(decisions) == 1


def test_topic_without_stance_model_has_null_stance(moderator):
    r = moderator.moderate("Le match d'hier était superbe.", topic="sport-culture-2099")
    assert r["stance"] == {"topic": "sport-culture-2099", "label": None, "scores": {}}


def test_a_phase_can_be_added_without_touching_the_others(moderator):
    def spam_phase(mod, batch):
        for c in batch:
            if "http" in c.text:
                c.decision, c.reasons = "review", c.reasons + ("link",)

    mod = Moderator(moderator.model, moderator.policy, moderator.encoder, phases=[*DEFAULT_PHASES, spam_phase])
    r = mod.moderate("Lisez ceci http://example.org")
    assert r["decision"] == "review" and "link" in r["reasons"]
