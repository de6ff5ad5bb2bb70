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


def test_the_library_has_a_degron_and_a_protease_for_each_of_eight_vms():
    """Issue 19: eight VMs, each with its own tag and protease; the recognition matrix is square
    (proteases x tags), each protease recognises its own tag fully and the others at most 1e-4.
    A tag not read in a source says so (R: recalled, A: assumed)."""
    parts = load_parts("isolation")
    assert len(parts.tags) >= 8 and len({t.protease for t in parts.tags}) == len(parts.tags)
    matrix = parts.recognition
    assert len(matrix) == len(parts.tags) and all(len(row) == len(parts.tags) for row in matrix)
    for i, row in enumerate(matrix):
        assert row[i] == 1.0 and max(v for j, v in enumerate(row) if j != i) <= 1e-4
    for tag in parts.tags:
        assert tag.terminus in ("C", "N")
        assert tag.source.startswith("V:") or "R" in tag.source.split(":")[0], tag


def test_bad_recognition_matrix_is_reported_with_the_file(tmp_path):
    text = (ROOT / "compiler" / "data" / "parts" / "isolation.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    first_row = next(l for l in text.splitlines(keepends=True) if l.startswith("    - [1.0,"))
    bad.write_text(text.replace(first_row, ""))
    with pytest.raises(PartsError) as info:
        load_parts(str(bad))
    matrix = text.splitlines().index(next(l for l in text.splitlines() if l.strip().startswith("matrix:"))) + 1
    assert f"{bad}:{matrix + 1}:5: error: invalid parts library" in str(info.value)  # at the matrix
    assert "recognition.matrix must be 8x8" in str(info.value)


def test_unknown_library_lists_the_known_ones():
    with pytest.raises(PartsError) as info:
        load_parts("isolaton")
    assert "unknown parts library 'isolaton' (known: isolation)" in str(info.value)
