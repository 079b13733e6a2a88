"""`make run` until the webhook lands: moderate the five seed comments and a few of ours.

The seed comments are readers' text, read from ../shared/seeds/ when it is
there (as on CI); they are not copied into the product.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier import load_moderator  # noqa: E402
from classifier.seeds import SEED_FILE, seed_comments  # noqa: E402,F401  (SEED_FILE: tests skip without it)

OWN_EXAMPLES = [
    "Pensées pour les civils d'Alep, que les couloirs humanitaires s'ouvrent enfin.",
    "Bravo à l'armée syrienne, Alep est libérée des terroristes.",
    "Honte au régime et à ses alliés qui bombardent les hôpitaux.",
    "Ces rats 🐀 d'en face, il faut nettoyer la ville de cette vermine.",
    "ARRETEZ DE NOUS MENTIR SUR CE QUI SE PASSE A ALEP",
]


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
