"""`make run` until the webhook lands: moderate the five seed comments and a few of ours.

The seed comments are readers' text, read from ../shared/seeds/ when it is
there (as on CI); they are not copied into the product.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier import load_moderator  # noqa: E402

SEED_FILE = ROOT.parent / "shared" / "seeds" / "001_ab6d8ac031c8a1be.txt"
OWN_EXAMPLES = [
    "Pensées pour les civils d'Alep, que les couloirs humanitaires s'ouvrent enfin.",
    "Bravo à l'armée syrienne, Alep est libérée des terroristes.",
    "Honte au régime et à ses alliés qui bombardent les hôpitaux.",
    "Ces rats 🐀 d'en face, il faut nettoyer la ville de cette vermine.",
    "ARRETEZ DE NOUS MENTIR SUR CE QUI SE PASSE A ALEP",
]


def seed_comments():
    if not SEED_FILE.exists():
        return []
    _, _, tail = SEED_FILE.read_text(encoding="utf-8").partition("Tous les commentaires")
    return [m.group(1).strip() for m in re.finditer(r"^\s*\u2022\s+(.+)$", tail, flags=re.M)]


def main():
    moderator = load_moderator()
    comments = seed_comments() or OWN_EXAMPLES
    source = "seed comments from ../shared/seeds" if comments is not OWN_EXAMPLES else "the product's own examples"
    print(f"model {moderator.model.version}, policy {moderator.policy.version}: {source}\n")
    for result, text in zip(moderator.moderate_many([{"text": t} for t in comments]), comments):
        raised = [name for name, f in result["flags"].items() if f["value"]]
        print(f"{result['decision']:<8} stance={result['stance']['label']:<15} flags={','.join(raised) or '-':<40} "
              f"{text[:70]!r}")


if __name__ == "__main__":
    main()
