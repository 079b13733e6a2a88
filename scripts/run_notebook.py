"""Execute notebooks/evaluation.ipynb on the model in $MODEL_DIR (var/model) and save its outputs.

`make notebook` runs this after training; `make test` re-executes the notebook without saving it
(tests/notebooks/test_evaluation_notebook.py). Everything runs offline in a local kernel.
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "evaluation.ipynb"
CELL_TIMEOUT_S = 600


def execute(path=NOTEBOOK):
    """Run every cell of the notebook at `path` in a fresh kernel; returns the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def main():
    nb = execute()
    nbformat.write(nb, NOTEBOOK)
    print(f"{NOTEBOOK.relative_to(ROOT)} executed and saved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
