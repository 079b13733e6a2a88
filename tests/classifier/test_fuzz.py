"""Property-based fuzzing of the text normaliser, the shouting rule and the policy on hostile Unicode.

Bar: no exception, no hang over 2 s, and the invariants below, on any input.
"""

import time

from hypothesis import given, settings, strategies as st

from classifier.labels import BEHAVIOUR_FLAGS, DECISIONS
from classifier.normalise import normalise
from classifier.policy import Policy
from classifier.shouting import is_shouting

EMOJI = ["🐀", "👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "🇸🇾", "#️⃣", "🦠", "❤️"]
HOSTILE = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(["\u202e", "\u200f", "\u200b", "\u2066", "\u0301", "\u0308", "\ufe0f",
                                      "a", "E", "ع", " ", "\n", "\ud800", "\udfff", "\x00", "\x07"]), max_size=400),
    st.lists(st.sampled_from(EMOJI + ["rat", "R@TS", "b.a.c.t.e.r.i.e.s", " "]), max_size=80).map("".join),
    st.integers(min_value=1, max_value=100_000).map(lambda n: "A" * n),
    st.integers(min_value=1, max_value=20_000).map(lambda n: "é\u0301" * n),
)


def timed(fn, *args):
    started = time.perf_counter()
    out = fn(*args)
    assert time.perf_counter() - started < 2.0, "over 2 s"
    return out


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_normaliser_never_fails_and_keeps_offsets(text):
    n = timed(normalise, text)
    assert n.lang in ("fr", "en", "ar")
    assert len(n.match_text) == len(n.offsets) and all(0 <= o < len(text) for o in n.offsets)
    assert "\x00" not in n.text and not any(0xD800 <= ord(c) <= 0xDFFF for c in n.text)
    for hit in n.emoji:
        assert text[hit.start:hit.end] == hit.emoji


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_shouting_rule_never_fails(text):
    assert timed(is_shouting, text) in (True, False)


SCORES = st.fixed_dictionaries({f: st.floats(min_value=0, max_value=1) for f in BEHAVIOUR_FLAGS})
THRESHOLDS = st.fixed_dictionaries({f: st.floats(min_value=0.05, max_value=1) for f in BEHAVIOUR_FLAGS})


@settings(max_examples=500, deadline=None)
@given(SCORES, THRESHOLDS, st.booleans(), st.floats(min_value=0, max_value=0.5))
def test_policy_always_decides_and_raising_a_flag_never_softens(scores, thresholds, shouting, margin):
    policy = Policy({"dehumanising": "reject", "threat": "reject", "identity_attack": "review",
                     "insult": "review", "shouting": "review"}, margin=margin)
    values = {f: scores[f] >= thresholds[f] for f in BEHAVIOUR_FLAGS} | {"shouting": shouting}
    verdict = policy.decide(values, scores, thresholds)
    assert verdict.decision in DECISIONS
    for flag in BEHAVIOUR_FLAGS:
        stronger = policy.decide(values | {flag: True}, scores, thresholds)
        assert DECISIONS.index(stronger.decision) >= DECISIONS.index(verdict.decision)
