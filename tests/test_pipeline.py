"""The pipeline driver (bioxen.pipeline): the quick cache key is the full one, a cache hit reads
no genome and imports no simulator or sequence parser, and a policy given as data reads as the file."""
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bioxen import cache, pipeline
from bioxen.errors import BioxenError
from bioxen.frontend import input_files, read_design
from conftest import ROOT, write_policy, write_synthetic_genbank

SBML = ("sbml",)
HEAVY = ("pysb", "sympy", "scipy.signal", "libsbml", "Bio.SeqIO")


@pytest.fixture
def fasta_policy(tmp_path, synthetic_genbank) -> Path:
    """A FASTA + GFF3 genome (its annotation named in the policy): reading it assumes a linear
    topology, which compile warns about."""
    from Bio import SeqIO
    from BCBio import GFF

    record = SeqIO.read(synthetic_genbank, "genbank")
    record.annotations.pop("topology", None)
    SeqIO.write(record, tmp_path / "syn.fasta", "fasta")
    with open(tmp_path / "features.gff3", "w") as handle:
        GFF.write([record], handle, include_fasta=False)
    return write_policy(tmp_path / "fasta.yaml", """
schema_version: 1
name: fasta
vms:
  - {id: vm1, genome: syn.fasta, annotation: features.gff3, ribosomes: {share: 0.2}, genetic_code: recode}
simulate: {until: 1 h, points: 13}
""")


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "models" / "policies").glob("*.yaml")))
@pytest.mark.slow
def test_the_quick_key_hashes_exactly_what_read_design_records(name, genome_path, shared, monkeypatch):
    """Shipped policies: accessions, expression tables found in BIOXEN_DATA_PATH, several VMs.
    Each VM whose policy names an expression table, and only those, records it."""
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    policy = ROOT / "models" / "policies" / name
    design = read_design(policy)
    assert input_files(policy) == (design.name, design.inputs)
    with_table = [vm["id"] for vm in YAML(typ="safe").load(policy)["vms"] if vm.get("expression_table")]
    assert [i.role.removesuffix(".expression_table") for i in design.inputs
            if i.role.endswith(".expression_table")] == with_table
    assert cache.key_of(input_files(policy)[1], SBML) == cache.build_key(design, SBML)


def test_the_quick_key_of_a_fasta_genome_includes_its_annotation(fasta_policy):
    design = read_design(fasta_policy)
    assert [i.role for i in design.inputs] == ["policy", "chassis", "parts", "cello.Eco1C2G2T2.UCF.json",
                                               "cello.Eco2C1G3T1.UCF.json", "cello.Eco2C1G3T1.input.json",
                                               "vm1.genome", "vm1.annotation"]
    assert input_files(fasta_policy) == (design.name, design.inputs)
    variant = fasta_policy.read_text().replace("share: 0.2", "share: 0.3")
    assert input_files(fasta_policy, variant) == (design.name, read_design(fasta_policy, variant).inputs)


def test_a_genome_to_download_takes_the_full_path(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(tmp_path))
    policy = write_policy(tmp_path / "remote.yaml", "schema_version: 1\nvms:\n  - {id: vm1, genome: CP999999.1}\n")
    assert input_files(policy) is None
    with pytest.raises(BioxenError, match="not available locally"):
        pipeline.build(policy, tmp_path / "out", SBML)


def test_a_cached_build_reads_no_genome_and_repeats_the_warnings(fasta_policy, tmp_path, monkeypatch):
    first = pipeline.build(fasta_policy, tmp_path / "a", SBML)
    assert not first.cached and first.build is not None and first.design is not None
    assert any("topology linear assumed" in w and w.startswith("VM 'vm1': ") for w in first.warnings), first.warnings

    def no_genome(*args, **kwargs):
        raise AssertionError("a cache hit parsed a genome")

    monkeypatch.setattr("bioxen.genome.read.read_genome", no_genome)
    monkeypatch.setattr("bioxen.genome.resolve.read_genome", no_genome)
    second = pipeline.build(fasta_policy, tmp_path / "b", SBML)
    assert second.cached and second.design is None and second.build is None
    assert (second.key, second.warnings, second.network) == (first.key, first.warnings, first.network)
    assert second.network["species"] > 0
    for name in ("model.xml", "outputs.json", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    again = pipeline.build(fasta_policy, tmp_path / "b", SBML)      # already in place: left as it is
    assert again.cached and (tmp_path / "b" / "model.xml").read_bytes() == (tmp_path / "a" / "model.xml").read_bytes()


def test_a_changed_genome_is_a_miss(small_policy, synthetic_genbank, tmp_path):
    first = pipeline.build(small_policy, tmp_path / "a", SBML)
    write_synthetic_genbank(synthetic_genbank, genes=8)         # two genes more, same file name
    second = pipeline.build(small_policy, tmp_path / "b", SBML)
    assert not second.cached and second.key != first.key
    assert second.network["species"] > first.network["species"]


def test_a_cache_hit_imports_no_simulator_or_sequence_parser(small_policy, tmp_path):
    # The key includes the compiler's fingerprint, which this process memoizes at its first
    # build of the session: hash bioxen's source now, as the fresh process will.
    cache.compiler_fingerprint.cache_clear()
    first = pipeline.build(small_policy, tmp_path / "a", SBML)
    script = (f"import json, sys, time\nstart = time.perf_counter()\nfrom bioxen import cache, pipeline\n"
              f"built = pipeline.build({str(small_policy)!r}, {str(tmp_path / 'b')!r}, {SBML!r})\n"
              f"print(json.dumps([built.cached, built.key, [m for m in {HEAVY!r} if m in sys.modules], "
              f"time.perf_counter() - start, cache.compiler_fingerprint()]))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ),
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    cached, key, heavy, seconds, fingerprint = json.loads(result.stdout.splitlines()[-1])
    assert fingerprint == cache.compiler_fingerprint(), \
        "bioxen's source changed between the two builds (edited meanwhile), so their keys rightly differ: run again"
    assert (cached, key, heavy) == (True, first.key, []), result.stdout
    print(f"cache hit in a fresh process: {seconds:.2f} s after start-up")


def _without_locations(design):
    """The design with every policy location dropped (a mapping has no file lines)."""
    vms = tuple(dataclasses.replace(vm, location=None, expression_location=None, name_locations=())
                for vm in design.vms)
    control = tuple(dataclasses.replace(c, location=None) for c in design.control)
    return dataclasses.replace(design, vms=vms, control=control, inputs=design.inputs[1:])


def test_a_policy_given_as_data_reads_as_its_file(small_policy):
    data = YAML(typ="safe").load(small_policy.read_text())
    from_data = pipeline.load(data, base_dir=small_policy.parent)
    from_file = pipeline.load(small_policy)
    assert from_data.inputs[0].role == "policy" and Path(from_data.inputs[0].path).parent == small_policy.parent
    assert _without_locations(from_data) == _without_locations(from_file)
    assert pipeline.check(data, base_dir=small_policy.parent).vms[0].units


def test_an_entry_without_its_record_is_served_by_reading_the_design(small_policy, tmp_path):
    first = pipeline.build(small_policy, tmp_path / "a", SBML)
    (cache.root() / first.key / cache.ENTRY).unlink()         # stored before records were kept
    second = pipeline.build(small_policy, tmp_path / "b", SBML)
    assert second.cached and second.design is not None and second.build is None
    assert cache.entry_info(first.key)["name"] == "small"     # recorded again: the next hit is quick
    assert pipeline.build(small_policy, tmp_path / "c", SBML).design is None
