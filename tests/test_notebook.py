"""The quickstart notebook runs from top to bottom on the reference data."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_quickstart.ipynb"


@pytest.mark.slow
def test_quickstart_notebook_runs(shared, monkeypatch):
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=1200, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert any("Against the founding expectations" in o["data"]["text/html"] for o in html)


@pytest.mark.slow
def test_genomic_virtualization_notebook_runs(shared, monkeypatch):
    path = NOTEBOOK.parent / "02_genomic_virtualization.ipynb"
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=1200, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "daughters sum to the mother: True" in text
    assert "knockout: 0.0000 /h" in text and "GrowthArrest" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)
