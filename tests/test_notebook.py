"""The notebooks run from top to bottom on the reference data, from a directory outside the
checkout (their kernel's working directory is a fresh temporary directory)."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def _outputs(name: str, shared: Path, tmp_path: Path, monkeypatch) -> list:
    """Every output of the notebook's code cells, after running it in a fresh kernel (no errors)
    whose working and temporary directory is ``tmp_path``, with the reference data found through
    the variables the notebook names."""
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))      # what the notebook writes stays in the test's directory
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=1200, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return outputs


@pytest.mark.slow
def test_quickstart_notebook_runs(shared, tmp_path, monkeypatch):
    outputs = _outputs("01_quickstart.ipynb", shared, tmp_path, monkeypatch)
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    # the report is shown in a frame (its 5 MB of inlined plotly.js stay out of the notebook)
    assert any("<iframe" in o["data"]["text/html"] and "report.html" in o["data"]["text/html"] for o in html)
    # the policy it writes is the repository's example, so the two cannot drift apart
    written, = tmp_path.glob("bioxen-quickstart-*/syn3a_three_vms.yaml")
    example = ROOT / "models" / "policies" / "syn3a_three_vms.yaml"
    assert YAML(typ="safe").load(written.read_text()) == YAML(typ="safe").load(example.read_text())
    report = written.parent / "build" / "report.html"
    assert "Against the founding expectations" in report.read_text()


@pytest.mark.slow
def test_genomic_virtualization_notebook_runs(shared, tmp_path, monkeypatch):
    outputs = _outputs("02_genomic_virtualization.ipynb", shared, tmp_path, monkeypatch)
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "daughters sum to the mother: True" in text
    assert "knockout: 0.0000 /h" in text and "GrowthArrest" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)
