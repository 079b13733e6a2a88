"""The product's label contract (docs/labels.md): names used everywhere.

Changing a name here is a breaking change for the CMS, the store and the
training data, so every other module imports them from this one place.
"""

BEHAVIOUR_FLAGS = ("dehumanising", "identity_attack", "insult", "threat")
"""The harm flags whose union is `toxic`."""

PROFANITY = "profanity"
"""Vulgar or obscene language, aimed at someone or not: a model flag outside `toxic`'s union."""

HARM_FLAGS = BEHAVIOUR_FLAGS + (PROFANITY,)
"""The five flags of "rude or harmful" in Perspective's sense (TOXICITY and the external benchmark)."""

MODEL_FLAGS = HARM_FLAGS + ("toxic", "harm")
"""Flags with a trained head. `toxic` and `harm` have their own heads for a ranking score: `toxic`
the union of BEHAVIOUR_FLAGS, `harm` the union of HARM_FLAGS (Perspective's TOXICITY)."""


def label(rec, flag):
    """A record's gold value for any model flag, the two unions included."""
    # A labelled file written before profanity existed (an old moderators' export) lacks it: false.
    if flag == "harm":
        return bool(rec["toxic"] or rec.get("profanity", False))
    return bool(rec.get(flag, False))

NEWSROOM_FLAG = "newsroom"
"""A model adapted to a newsroom's archive (adapt.py) adds this flag: its moderators would remove the
comment. The archive rarely says why, so it is a flag of its own and changes none of the others."""

RULE_FLAGS = ("shouting",)
"""Flags decided by a fixed rule, never by a model."""

ALL_FLAGS = HARM_FLAGS + RULE_FLAGS + ("toxic",)

DECISIONS = ("approve", "review", "reject")

LANGUAGES = ("fr", "en", "ar")

DEFAULT_TOPIC = "syria-aleppo-2016"

STANCE_LABELS = {
    # A topic's label set normally comes from its training data; the default
    # topic's set is fixed by the contract so the data can be checked against it.
    DEFAULT_TOPIC: ("pro_regime", "pro_opposition", "neutral"),
}

RECORD_FIELDS = (
    "text", "lang", "topic", "stance",
    "dehumanising", "identity_attack", "insult", "threat", "profanity", "shouting", "toxic",
    "source",
)
