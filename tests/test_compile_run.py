"""`bioxen compile/simulate/run` end to end on a small synthetic genome."""
import json
import subprocess

import libsbml
import numpy as np
import pandas as pd
import pytest
from pysb.pathfinder import get_path
from typer.testing import CliRunner

from bioxen.backend.sbml import ANNOTATION_NS, check_consistency
from bioxen.cli import app

runner = CliRunner()


@pytest.fixture
def built(tmp_path, small_policy):
    out = tmp_path / "build"
    result = runner.invoke(app, ["run", str(small_policy), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_run_writes_every_output_and_summarises(built):
    out, output = built
    for name in ("model.xml", "model.bngl", "manifest.json", "locus_map.json", "results.csv", "results.png"):
        assert (out / name).is_file(), name
    assert "host doubling time, alone" in output and "burden" in output and "steady state" in output
    table = pd.read_csv(out / "results.csv")
    assert {"time_min", "growth_rate_per_min", "ribosomes_free", "energy", "vm1_protein_total",
            "vm1_translation_flux"} <= set(table.columns)
    assert table["time_min"].iloc[-1] == pytest.approx(360)


def test_sbml_is_consistent_and_traceable_to_locus_tags(built):
    out, _ = built
    doc = libsbml.readSBMLFromFile(str(out / "model.xml"))
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    assert check_consistency(doc) == []
    model = doc.getModel()
    protein = model.getSpecies("protein_vm1_SYN__0001")
    assert ANNOTATION_NS in protein.getAnnotationString() and "SYN_0001" in protein.getAnnotationString()
    locus = json.loads((out / "locus_map.json").read_text())
    assert locus["species"]["mRNA_vm1_SYN__0001__ribosome_o1"] == ["SYN_0001"]  # on its own o-pool
    assert locus["reactions"]["elongation_vm1_SYN__0001"] == ["SYN_0001"]
    tagged = {t for tags in locus["species"].values() for t in tags}
    assert tagged == {f"SYN_{i:04d}" for i in range(1, 7)} | {"SYN_T001"}


def test_manifest_records_inputs_tools_counts_and_timings(built, small_policy, synthetic_genbank):
    import hashlib
    out, _ = built
    manifest = json.loads((out / "manifest.json").read_text())
    roles = {i["role"]: i for i in manifest["inputs"]}
    assert roles["vm1.genome"]["sha256"] == hashlib.sha256(synthetic_genbank.read_bytes()).hexdigest()
    assert roles["policy"]["sha256"] == hashlib.sha256(small_policy.read_bytes()).hexdigest()
    assert manifest["tools"]["pysb"] and manifest["tools"]["libroadrunner"]
    assert manifest["network"]["species"] > 30 and manifest["network"]["expanded_by"] == "bioxen"
    assert {"parse", "passes", "rules", "network", "sbml", "write_sbml"} <= set(manifest["timings_s"])


def test_bngl_runs_in_bng2_and_agrees_with_roadrunner(built, tmp_path):
    out, _ = built
    work = tmp_path / "bng"
    work.mkdir()
    (work / "model.bngl").write_text((out / "model.bngl").read_text())
    subprocess.run(["perl", get_path("bng"), "model.bngl"], cwd=work, check=True, capture_output=True,
                   timeout=300)
    with open(work / "model.gdat") as handle:
        header = handle.readline().lstrip("#").split()
    gdat = pd.DataFrame(np.loadtxt(work / "model.gdat"), columns=header)
    ours = pd.read_csv(out / "results.csv")
    assert gdat["time"].iloc[-1] == pytest.approx(360)
    assert gdat["vm1_protein_total"].iloc[-1] == pytest.approx(ours["vm1_protein_total"].iloc[-1], rel=1e-3)
    assert gdat["ribosomes_free"].iloc[-1] == pytest.approx(ours["ribosomes_free"].iloc[-1], rel=1e-3)


@pytest.mark.slow
def test_simulate_command_ssa_is_reproducible(built, tmp_path):
    out, _ = built
    runs = []
    for name in ("a.csv", "b.csv"):
        result = runner.invoke(app, ["simulate", str(out), "--until", "0.05 min", "--points", "3",
                                     "--method", "ssa", "--seed", "7", "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        runs.append(pd.read_csv(tmp_path / name))
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert np.all(np.mod(runs[0]["ribosomes_free"], 1) == 0)  # counts, not concentrations


def test_simulate_rejects_a_directory_that_is_not_a_build(tmp_path):
    result = runner.invoke(app, ["simulate", str(tmp_path)])
    assert result.exit_code == 1 and "not a BioXen build" in result.output


def test_failed_compile_leaves_no_partial_output(tmp_path, synthetic_genbank):
    policy = tmp_path / "p.yaml"
    policy.write_text(f"schema_version: 1\nvms:\n  - {{id: vm1, genome: {synthetic_genbank}, "
                      "resolution: subsystem}\n")
    result = runner.invoke(app, ["compile", str(policy), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "needs an expression table" in result.output
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_expression_table_for_another_genome_is_rejected(tmp_path, synthetic_genbank):
    table = tmp_path / "other.csv"
    table.write_text("locus_tag,protein_count,mrna_count\nOTHER_1,10,1\n")
    policy = tmp_path / "p.yaml"
    policy.write_text(f"schema_version: 1\nvms:\n  - {{id: vm1, genome: {synthetic_genbank}, "
                      f"expression_table: {table}, genetic_code: recode}}\n")
    result = runner.invoke(app, ["compile", str(policy), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "names none of the genome's locus tags" in result.output


def test_bad_expression_table_values_name_the_line(tmp_path):
    from bioxen.errors import TableError
    from bioxen.table import read_expression_table
    table = tmp_path / "t.csv"
    table.write_text("locus_tag,protein_count\nA_1,10\nA_2,-3\nA_2,4\n")
    with pytest.raises(TableError) as info:
        read_expression_table(table)
    assert f"{table}:3: error: protein_count must be a non-negative number" in str(info.value)
    assert f"{table}:4: error: locus_tag A_2 repeats line 3" in str(info.value)
