"""A matrix too big for memory: float32 rows appended to a file and read back in chunks.

Adapting to a newsroom's archive of a million comments computes a few hundred
numbers per comment once, then passes over them several times (folds, epochs).
Plain reads and writes (not a memory map) keep those rows in the page cache,
which the kernel can drop, not in the process's resident memory.
"""

import numpy as np


class DiskRows:
    """Rows of `dim` float32 values in `path`; `select` (a boolean mask over all rows) makes a view."""

    def __init__(self, path, dim, select=None):
        self.path = path
        self.dim = dim
        self.select = select
        self._count = 0

    def append(self, block):
        block = np.ascontiguousarray(block, dtype=np.float32)
        if block.ndim != 2 or block.shape[1] != self.dim:
            raise ValueError(f"expected rows of {self.dim} values, got shape {block.shape}")
        with open(self.path, "ab") as fh:
            fh.write(block.tobytes())
        self._count += len(block)

    @property
    def total(self):
        return self._count if self.select is None else len(self.select)

    def __len__(self):
        return self.total if self.select is None else int(self.select.sum())

    def view(self, select):
        """The rows where `select` is true (select has one entry per row of the whole file)."""
        view = DiskRows(self.path, self.dim, np.asarray(select, dtype=bool))
        view._count = self._count
        return view

    def chunks(self, size, rng=None, with_index=False):
        """Yield blocks of up to `size` rows (in a shuffled order of blocks when `rng` is given).

        with_index: yield (indices among this view's rows, block) instead of blocks.
        """
        total = self._count
        starts = np.arange(0, total, size)
        if rng is not None:
            starts = rng.permutation(starts)
        # Position of each selected row within the view, to index labels given for the view.
        offsets = None if self.select is None else np.cumsum(self.select) - 1
        with open(self.path, "rb") as fh:
            for start in starts:
                stop = min(start + size, total)
                fh.seek(int(start) * self.dim * 4)
                block = np.frombuffer(fh.read((stop - start) * self.dim * 4), dtype=np.float32)
                block = block.reshape(stop - start, self.dim)
                index = np.arange(start, stop)
                if self.select is not None:
                    keep = self.select[start:stop]
                    block, index = block[keep], offsets[start:stop][keep]
                if len(block) == 0:
                    continue
                yield (index, block) if with_index else block

    def load(self):
        """All this view's rows in memory, in order."""
        blocks = list(self.chunks(65_536))
        return np.vstack(blocks) if blocks else np.zeros((0, self.dim), dtype=np.float32)
