"""Comment moderation for French-language news sites: stance and behaviour of reader comments.

Python API:
    from classifier import load_moderator
    moderator = load_moderator()            # Settings.from_env(): model, policy, encoder
    moderator.moderate("texte du commentaire", topic="syria-aleppo-2016")
"""

__version__ = "0.2.0"


def load_moderator(settings=None):
    """Load the trained model and policy named by `settings` (default: the environment)."""
    from .config import Settings
    from .pipeline import Moderator

    return Moderator.load(settings or Settings.from_env())
