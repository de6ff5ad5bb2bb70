"""Parts libraries: every value sourced, bad files named with what is wrong."""
import pytest

from bioxen.errors import PartsError
from bioxen.parts import load_parts
from conftest import ROOT


def test_isolation_library_is_complete_and_sourced():
    parts = load_parts("isolation")
    groups = (parts.orthogonal_ribosomes, parts.srna, parts.protease, parts.genetic_code)
    assert all(q.source and q.units for group in groups for q in group.values())
    assert len(parts.tags) == len(parts.recognition) >= 3
    assert all(parts.recognition[i][i] == 1.0 for i in range(len(parts.tags)))
    assert len({t.peptide for t in parts.tags}) == len(parts.tags)  # one tag per VM slot
    placeholders = [t.name for t in parts.tags if "PLACEHOLDER" in t.source]
    assert "pdt1" not in placeholders  # the M. florum tmRNA tag is a published sequence


def test_bad_recognition_matrix_is_reported_with_the_file(tmp_path):
    text = (ROOT / "compiler" / "data" / "parts" / "isolation.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("    - [1.0,   0.0001, 0.0001, 0.0001]\n", ""))
    with pytest.raises(PartsError) as info:
        load_parts(str(bad))
    matrix = text.splitlines().index(next(l for l in text.splitlines() if l.strip().startswith("matrix:"))) + 1
    assert f"{bad}:{matrix + 1}:5: error: invalid parts library" in str(info.value)  # at the matrix
    assert "recognition.matrix must be 4x4" in str(info.value)


def test_unknown_library_lists_the_known_ones():
    with pytest.raises(PartsError) as info:
        load_parts("isolaton")
    assert "unknown parts library 'isolaton' (known: isolation)" in str(info.value)
