import pytest

from classifier.config import Settings
from classifier.policy import Policy, PolicyError

THRESHOLDS = {"dehumanising": 0.5, "identity_attack": 0.5, "insult": 0.5, "threat": 0.5}


@pytest.fixture
def policy():
    return Policy.from_file(Settings().policy_path)


def values(**raised):
    base = dict.fromkeys(("dehumanising", "identity_attack", "insult", "threat", "shouting"), False)
    return base | raised


def test_default_policy_of_the_contract(policy):
    assert policy.decide(values(dehumanising=True)).decision == "reject"
    assert policy.decide(values(threat=True, insult=True)).decision == "reject"
    assert policy.decide(values(identity_attack=True)).decision == "review"
    assert policy.decide(values(insult=True)).decision == "review"
    assert policy.decide(values(shouting=True)).decision == "review"
    assert policy.decide(values()).decision == "approve"


def test_low_confidence_goes_to_review(policy):
    scores = dict.fromkeys(THRESHOLDS, 0.0) | {"threat": 0.45}
    verdict = policy.decide(values(), scores, THRESHOLDS)
    assert verdict.decision == "review" and verdict.reasons == ("low_confidence:threat",)


def test_a_near_miss_on_a_flag_that_only_holds_approves(policy):
    scores = dict.fromkeys(THRESHOLDS, 0.0) | {"identity_attack": THRESHOLDS["identity_attack"] - 0.01}
    verdict = policy.decide(values(), scores, THRESHOLDS)
    assert verdict.decision == "approve" and verdict.reasons == ()


def test_a_rejecting_flag_raised_by_a_hair_holds_instead(policy):
    scores = dict.fromkeys(THRESHOLDS, 0.0) | {"dehumanising": 0.55}
    verdict = policy.decide(values(dehumanising=True), scores, THRESHOLDS)
    assert verdict.decision == "review" and verdict.reasons == ("dehumanising", "low_confidence:dehumanising")
    scores["dehumanising"] = 0.6  # threshold + margin: confident
    assert policy.decide(values(dehumanising=True), scores, THRESHOLDS).decision == "reject"
    # An insult just above its threshold was going to review anyway: nothing changes.
    scores = dict.fromkeys(THRESHOLDS, 0.0) | {"insult": 0.52}
    assert policy.decide(values(insult=True), scores, THRESHOLDS).reasons == ("insult",)


def test_confident_civil_comment_is_approved(policy):
    scores = dict.fromkeys(THRESHOLDS, 0.05)
    assert policy.decide(values(), scores, THRESHOLDS).decision == "approve"


def test_newsroom_can_change_the_mapping_and_thresholds(tmp_path):
    path = tmp_path / "strict.toml"
    path.write_text('version = "strict"\n[decisions]\ninsult = "reject"\n[thresholds]\ninsult = 0.3\n'
                    '[uncertainty]\nmargin = 0.0\n')
    policy = Policy.from_file(path)
    assert policy.decide(values(insult=True)).decision == "reject"
    assert policy.threshold("insult", THRESHOLDS) == 0.3
    assert policy.threshold("threat", THRESHOLDS) == 0.5
    assert policy.version == "strict"


@pytest.mark.parametrize("body, message", [
    ('[decisions]\nspam = "reject"\n', "unknown flag"),
    ('[decisions]\ninsult = "delete"\n', "unknown decision"),
    ('[thresholds]\ninsult = 2\n', "threshold"),
    ('[decisions\n', "not valid TOML"),
])
def test_bad_policy_files_say_what_is_wrong(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(PolicyError, match=message):
        Policy.from_file(path)


def test_missing_policy_file():
    with pytest.raises(PolicyError, match="not found"):
        Policy.from_file("/nonexistent/policy.toml")
