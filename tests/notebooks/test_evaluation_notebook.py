"""The evaluation notebook runs offline, top to bottom, on the test session's model."""

import nbformat

from scripts.run_notebook import NOTEBOOK, execute


def images(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]


def test_the_committed_notebook_holds_its_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)
    assert len(images(nb)) >= 5


def test_the_notebook_re_executes_on_the_session_model(settings, monkeypatch):
    # The kernel inherits the environment: the notebook reads MODEL_DIR like every command does.
    monkeypatch.setenv("MODEL_DIR", str(settings.model_dir))
    nb = execute(NOTEBOOK)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs) + "".join(
        o.get("data", {}).get("text/markdown", "") for o in outputs)
    # Each section printed its own figures: the metrics table, the suite and audit verdicts, the worst errors.
    assert "| dehumanising |" in text
    assert "stance on syria-aleppo-2016: macro-F1" in text
    assert "every functionality >=" in text and "bpsn_auc:" in text
    assert "| 20 |" in text  # the twentieth worst error
    assert len(images(nb)) >= 5
