"""The seed article's five reader comments and the decisions the label contract gives them (section 5).

The comments are readers' text: read from ../shared/seeds/ when it is there (as
on CI), never copied into the product, so `seed_comments()` is empty elsewhere.
"""

import re

from .config import PROJECT_ROOT

SEED_FILE = PROJECT_ROOT.parent / "shared" / "seeds" / "001_ab6d8ac031c8a1be.txt"
SEED_DECISIONS = ("approve", "reject", "review", "approve", "reject")
"""Section 5 of the label contract: decisions for the five comments, in page order."""


def seed_comments(path=SEED_FILE):
    if not path.exists():
        return []
    _, _, tail = path.read_text(encoding="utf-8").partition("Tous les commentaires")
    return [m.group(1).strip() for m in re.finditer(r"^\s*\u2022\s+(.+)$", tail, flags=re.M)]


def seed_decisions(moderator):
    """(decisions the moderator gives the seed comments, how many match the contract); ([], 0) without seeds."""
    comments = seed_comments()
    got = [r["decision"] for r in moderator.moderate_many([{"text": t} for t in comments])]
    return got, sum(g == want for g, want in zip(got, SEED_DECISIONS))
