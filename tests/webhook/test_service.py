"""The service between the endpoints, the pipeline and the store."""

from webhook.service import PIPELINE_CHUNK


def test_a_big_batch_goes_through_the_pipeline_in_chunks(app):
    """A batch's memory is that of one chunk: 500 comments of 4 KB at once took 1.2 GB in one worker."""
    sizes = []
    moderator = app.extensions["moderator"]
    # The stored path keeps each comment's embedding, so it calls moderate_and_embed.
    original = moderator.moderate_and_embed
    moderator.moderate_and_embed = lambda comments: sizes.append(len(comments)) or original(comments)
    comments = [{"id": f"c{i}", "text": f"Merci pour l'article numéro {i}."} for i in range(2 * PIPELINE_CHUNK + 5)]
    try:
        results = app.extensions["service"].moderate(comments, client="local", source="native")
    finally:
        moderator.moderate_and_embed = original
    assert sizes == [PIPELINE_CHUNK, PIPELINE_CHUNK, 5]
    assert [r["id"] for r in results] == [c["id"] for c in comments]
    assert app.extensions["store"].count() == len(comments)
