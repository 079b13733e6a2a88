"""Which topic a story belongs to, for stance: from the request, else from the newsroom's rules.

Stance is analysis of one debate (a topic) with its own labels, so a comment is
only given a stance when its topic is known and has a stance model. The topic
comes from the request (`topic`), or from rules in a TOML file
(`resources/topics.toml`, or $TOPICS_FILE) matching the story's id or URL with
shell-style patterns, first rule first. With no topic, stance is null: the
comment is moderated all the same (stance never changes a decision).

    [[rule]]
    topic = "syria-aleppo-2016"
    story_ids = ["alep-*", "syrie-2016-*"]
    urls = ["https://www.example.com/moyen-orient/syrie/*"]
"""

from dataclasses import dataclass
from fnmatch import fnmatchcase

from .data import DataError, read_toml


@dataclass(frozen=True)
class TopicRule:
    topic: str
    story_ids: tuple = ()
    urls: tuple = ()

    def matches(self, story_id, url):
        return (story_id is not None and any(fnmatchcase(story_id, p) for p in self.story_ids)) or \
            (url is not None and any(fnmatchcase(url, p) for p in self.urls))


class TopicMap:
    """Rules from story id or URL to topic."""

    def __init__(self, rules=()):
        self.rules = tuple(rules)

    @classmethod
    def from_file(cls, path):
        doc = read_toml(path)
        rules = []
        for i, rule in enumerate(doc.get("rule", []), start=1):
            topic = rule.get("topic")
            if not isinstance(topic, str) or not topic:
                raise DataError(f"{path}: rule {i} needs a topic (a non-empty string)")
            lists = {}
            for key in ("story_ids", "urls"):
                value = rule.get(key, [])
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise DataError(f"{path}: rule {i} ({topic}): {key} must be a list of patterns")
                lists[key] = tuple(value)
            if not lists["story_ids"] and not lists["urls"]:
                raise DataError(f"{path}: rule {i} ({topic}) matches nothing: give story_ids or urls")
            rules.append(TopicRule(topic, **lists))
        return cls(rules)

    def topic_for(self, story_id=None, url=None):
        """The first matching rule's topic, or None."""
        return next((r.topic for r in self.rules if r.matches(story_id, url)), None)
