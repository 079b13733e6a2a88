"""Decision policy: from flag scores to approve / review / reject.

The mapping and thresholds come from a TOML file (resources/policy.toml by
default), so a newsroom changes the policy without retraining. Stance is never
an input here: a newsroom moderates behaviour, not opinions.
"""

import tomllib
from dataclasses import dataclass

from .labels import DECISIONS, HARM_FLAGS, NEWSROOM_FLAG, RULE_FLAGS

_SEVERITY = {name: i for i, name in enumerate(DECISIONS)}


class PolicyError(ValueError):
    """The policy file is missing or says something the product cannot apply."""


@dataclass(frozen=True)
class Verdict:
    decision: str
    reasons: tuple  # e.g. ("dehumanising",) or ("low_confidence:insult",)


class Policy:
    """A policy: `decisions` maps flag -> decision; `thresholds` maps flag -> score or "model"."""

    def __init__(self, decisions, thresholds=None, margin=0.1, uncertain_decision="review", version="custom"):
        known = set(HARM_FLAGS) | set(RULE_FLAGS) | {NEWSROOM_FLAG}
        for flag, decision in decisions.items():
            if flag not in known:
                raise PolicyError(f"unknown flag {flag!r} in policy decisions; known: {sorted(known)}")
            if decision not in DECISIONS:
                raise PolicyError(f"unknown decision {decision!r} for {flag!r}; use one of {DECISIONS}")
        if uncertain_decision not in DECISIONS:
            raise PolicyError(f"unknown uncertainty decision {uncertain_decision!r}")
        thresholds = dict(thresholds or {})
        for flag, value in thresholds.items():
            if flag not in (*HARM_FLAGS, NEWSROOM_FLAG):
                raise PolicyError(f"thresholds apply to model flags {(*HARM_FLAGS, NEWSROOM_FLAG)}, not {flag!r}")
            if value != "model" and not (isinstance(value, (int, float)) and 0 < value <= 1):
                raise PolicyError(f"threshold for {flag!r} must be \"model\" or a number in (0, 1], not {value!r}")
        if not isinstance(margin, (int, float)) or not 0 <= margin < 1:
            raise PolicyError(f"uncertainty margin must be a number in [0, 1), not {margin!r}")
        self.decisions = dict(decisions)
        self.thresholds = thresholds
        self.margin = float(margin)
        self.uncertain_decision = uncertain_decision
        self.version = str(version)

    @classmethod
    def from_file(cls, path):
        try:
            with open(path, "rb") as fh:
                doc = tomllib.load(fh)
        except FileNotFoundError:
            raise PolicyError(f"policy file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"policy file {path} is not valid TOML: {exc}") from None
        uncertainty = doc.get("uncertainty", {})
        return cls(
            decisions=doc.get("decisions", {}),
            thresholds=doc.get("thresholds", {}),
            margin=uncertainty.get("margin", 0.1),
            uncertain_decision=uncertainty.get("decision", "review"),
            version=doc.get("version", "custom"),
        )

    def threshold(self, flag, model_thresholds):
        value = self.thresholds.get(flag, "model")
        if value == "model":
            # A model trained before a flag existed has no threshold for it: the flag is never raised.
            return float(model_thresholds.get(flag, 1.01))
        return float(value)

    def raised(self, flag, score=None, threshold=None):
        """(decision, reasons) that one raised flag asks for on its own."""
        target = self.decisions.get(flag, "approve")
        if target == "approve":
            return "approve", ()
        # A flag raised by a hair does not reject on its own: a moderator sees it first.
        if (_SEVERITY[target] > _SEVERITY[self.uncertain_decision] and score is not None
                and threshold is not None and score < threshold + self.margin):
            return self.uncertain_decision, (flag, f"low_confidence:{flag}")
        return target, (flag,)

    def decide(self, values, scores=None, thresholds=None):
        """Decide from raised flags.

        values: {flag: bool} for every flag that is raised or not.
        scores, thresholds: {flag: float} for model flags; a score within
        `margin` of its threshold counts as low confidence, for the flags whose
        decision is stricter than `uncertain_decision`: just below the threshold, a
        comment that would be approved is held; just above it, the flag holds the
        comment instead of rejecting it.
        """
        decision, reasons = "approve", []
        for flag, raised in values.items():
            if raised:
                target, why = self.raised(flag, scores.get(flag) if scores else None,
                                          thresholds.get(flag) if thresholds else None)
                reasons.extend(why)
                decision = stricter(decision, target)
        for flag in HARM_FLAGS:
            if values.get(flag) or scores is None or flag not in scores:
                continue
            target = self.decisions.get(flag, "approve")
            limit = thresholds[flag]
            # Only a near miss on a flag that would decide more than the uncertain decision (a
            # rejecting flag) holds the comment: a near miss on a flag that only holds would hold
            # a comment for a flag the model did not raise, with nothing for a moderator to check.
            if _SEVERITY[target] > _SEVERITY[self.uncertain_decision] and limit - self.margin <= scores[flag] < limit:
                reasons.append(f"low_confidence:{flag}")
                decision = stricter(decision, self.uncertain_decision)
        return Verdict(decision, tuple(reasons))


def stricter(a, b):
    """The stricter of two decisions."""
    return a if _SEVERITY[a] >= _SEVERITY[b] else b
