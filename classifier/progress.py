"""Progress bars for long work, on stderr and only when someone is watching."""

import sys

from tqdm import tqdm


def progress(**kwargs):
    """A tqdm bar that stays quiet when stderr is not a terminal (CI logs, pipes)."""
    kwargs.setdefault("disable", not sys.stderr.isatty())
    kwargs.setdefault("file", sys.stderr)
    return tqdm(**kwargs)
