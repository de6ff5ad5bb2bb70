"""The notebooks run from top to bottom on the reference data."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _outputs(name: str, shared: Path, monkeypatch) -> list:
    """Every output of the notebook's code cells, after running it in a fresh kernel (no errors)."""
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    path = NOTEBOOKS / name
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=1200, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return outputs


@pytest.mark.slow
def test_quickstart_notebook_runs(shared, monkeypatch):
    outputs = _outputs("01_quickstart.ipynb", shared, monkeypatch)
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert any("Against the founding expectations" in o["data"]["text/html"] for o in html)


@pytest.mark.slow
def test_genomic_virtualization_notebook_runs(shared, monkeypatch):
    outputs = _outputs("02_genomic_virtualization.ipynb", shared, monkeypatch)
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "daughters sum to the mother: True" in text
    assert "knockout: 0.0000 /h" in text and "GrowthArrest" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)
