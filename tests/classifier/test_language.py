import json
from collections import Counter

from classifier.data import corpus_files
from classifier.language import detect_language
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_three_languages_and_arabizi():
    assert detect_language("Tout cela est tragique, pensons aux civils d'Alep.") == "fr"
    assert detect_language("This is a tragedy, think of the civilians in Aleppo.") == "en"
    assert detect_language("هذا مؤسف جدا، الله يحمي المدنيين") == "ar"
    assert detect_language("ya 7aram, shou 3am ysir b halab") == "ar"


def test_short_or_empty_text_defaults_to_french():
    assert detect_language("") == "fr"
    assert detect_language("ok !") == "fr"


def test_detection_agrees_with_the_corpus_labels():
    rows = [json.loads(line) for path in corpus_files(ROOT / "training_data") for line in open(path, encoding="utf-8")]
    hits = Counter(detect_language(r["text"]) == r["lang"] for r in rows)
    assert hits[True] / len(rows) >= 0.95, hits
