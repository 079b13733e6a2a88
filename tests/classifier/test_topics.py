"""Topic rules: a story's id or URL gives its topic; bad rules are named."""

import pytest

from classifier.config import Settings
from classifier.data import DataError
from classifier.topics import TopicMap


def test_first_matching_rule_gives_the_topic(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text('[[rule]]\ntopic = "syria-aleppo-2016"\nstory_ids = ["alep-*"]\n'
                    'urls = ["https://journal.example/syrie/*"]\n'
                    '[[rule]]\ntopic = "monde"\nurls = ["https://journal.example/*"]\n', encoding="utf-8")
    topics = TopicMap.from_file(path)
    assert topics.topic_for("alep-2016-12-13") == "syria-aleppo-2016"
    assert topics.topic_for(None, "https://journal.example/syrie/article-1") == "syria-aleppo-2016"
    assert topics.topic_for("x", "https://journal.example/sport/match") == "monde"
    assert topics.topic_for("x", "https://other.example/") is None and topics.topic_for() is None


@pytest.mark.parametrize("content, message", [
    ('[[rule]]\nstory_ids = ["a"]\n', "rule 1 needs a topic"),
    ('[[rule]]\ntopic = "t"\n', "rule 1 (t) matches nothing"),
    ('[[rule]]\ntopic = "t"\nurls = "https://x/*"\n', "urls must be a list of patterns"),
    ('[[rule]\n', "invalid TOML"),
])
def test_bad_rules_are_named(tmp_path, content, message):
    path = tmp_path / "topics.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as error:
        TopicMap.from_file(path)
    assert message in str(error.value)


def test_the_shipped_file_has_no_rule_until_a_newsroom_writes_one():
    assert TopicMap.from_file(Settings().topics_path).rules == ()
