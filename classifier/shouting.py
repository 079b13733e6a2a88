"""The shouting rule of the label contract: a rule, not a model."""

MIN_LETTERS = 20
MIN_UPPER_SHARE = 0.70


def letter_counts(text):
    """Return (letters, uppercase letters) of `text`, counted with str.isalpha/isupper."""
    letters = upper = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if ch.isupper():
                upper += 1
    return letters, upper


def is_shouting(text):
    """True when >= 70% of the letters are uppercase and there are >= 20 letters.

    Acronyms alone (ONU, OSDH) cannot trigger it: a sentence that carries them
    still has mostly lowercase letters.
    """
    letters, upper = letter_counts(text)
    return letters >= MIN_LETTERS and upper >= MIN_UPPER_SHARE * letters
