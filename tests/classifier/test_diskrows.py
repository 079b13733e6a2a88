"""Rows kept on disk read back exactly, whole, by view and in shuffled chunks."""

import numpy as np

from classifier.diskrows import DiskRows


def test_rows_read_back_exactly_in_chunks_and_views(tmp_path):
    data = np.random.default_rng(0).normal(size=(1003, 7)).astype(np.float32)
    rows = DiskRows(tmp_path / "rows.f32", 7)
    for start in range(0, 1003, 100):
        rows.append(data[start:start + 100])
    assert len(rows) == 1003
    assert np.array_equal(rows.load(), data)
    select = np.arange(1003) % 3 == 1
    view = rows.view(select)
    assert len(view) == select.sum() and np.array_equal(view.load(), data[select])
    seen = np.zeros(len(view), dtype=int)
    for index, block in view.chunks(64, rng=np.random.default_rng(1), with_index=True):
        assert np.array_equal(block, data[select][index])
        seen[index] += 1
    assert (seen == 1).all()


def test_a_block_of_the_wrong_width_is_refused(tmp_path):
    rows = DiskRows(tmp_path / "rows.f32", 3)
    try:
        rows.append(np.zeros((2, 4)))
    except ValueError as exc:
        assert "3 values" in str(exc)
    else:
        raise AssertionError("a block of 4 columns went into rows of 3")
