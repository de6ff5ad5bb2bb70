"""Shared fixtures: the reference data in ../shared and small synthetic genomes."""
from __future__ import annotations

import libsedml  # noqa: F401  before libsbml (see compiler/__init__.py)

import os
import random
from pathlib import Path

import pytest
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord
from Bio import SeqIO

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BIOXEN_SHARED", ROOT.parent / "shared"))
# The reference data set up as the README says (Cello's parts, read by every design with a
# hypervisor, among them), for session fixtures too; tests of life without it remove it themselves.
os.environ.setdefault("BIOXEN_DATA_PATH", str(SHARED / "data"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared (reference data, never committed). Missing data is a failure, not a skip."""
    if not (SHARED / "genomes" / "CP016816.2.gb").is_file():
        pytest.fail(f"reference data not found at {SHARED}; put the shared folder beside the "
                    "checkout or set BIOXEN_SHARED")
    return SHARED


@pytest.fixture
def genome_path(shared, monkeypatch) -> Path:
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    return shared / "genomes"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def _orf(rng: random.Random, codons: int, tga_every: int = 0) -> str:
    sense = [c for c in (a + b + d for a in "ACGT" for b in "ACGT" for d in "ACGT")
             if c not in ("TAA", "TAG", "TGA")]
    body = [rng.choice(sense) for _ in range(codons)]
    if tga_every:
        for i in range(tga_every, codons, tga_every):
            body[i] = "TGA"
    return "ATG" + "".join(body) + "TAA"


def write_synthetic_genbank(path: Path, genes: int = 6, seed: int = 1, table: int = 4,
                            with_rna: bool = True, names: tuple[str, ...] | None = None) -> Path:
    """A small annotated genome: operon-forming CDS pairs, one RNA gene, TGA codons (read as Trp,
    in a table-4 genome only). ``names``: the genes' names (default synA, synB, ...)."""
    rng = random.Random(seed)
    sequence, features, cursor = [], [], 0

    def spacer(n):
        nonlocal cursor
        sequence.append("".join(rng.choice("ACGT") for _ in range(n)))
        cursor += n

    for i in range(genes):
        spacer(20 if i % 2 else 200)  # pairs of genes 20 bp apart form operons
        orf = _orf(rng, 80 + 40 * i, tga_every=25 if table == 4 else 0)
        strand = 1 if i < genes // 2 + 1 else -1
        start = cursor
        sequence.append(orf if strand == 1 else str(Seq(orf).reverse_complement()))
        cursor += len(orf)
        tag = f"SYN_{i + 1:04d}"
        quals = {"locus_tag": [tag], "gene": [names[i] if names else f"syn{chr(65 + i)}"], "product": [f"protein {i + 1}"],
                 "transl_table": [str(table)], "codon_start": ["1"]}
        features.append(SeqFeature(FeatureLocation(start, cursor, strand=strand), type="CDS",
                                   qualifiers=quals))
    if with_rna:
        spacer(300)
        start = cursor
        spacer(76)
        features.append(SeqFeature(FeatureLocation(start, cursor, strand=1), type="tRNA",
                                   qualifiers={"locus_tag": ["SYN_T001"], "product": ["tRNA-Trp"]}))
    spacer(150)
    record = SeqRecord(Seq("".join(sequence)), id="SYN00001.1", name="SYN00001",
                       description="synthetic test genome", features=features,
                       annotations={"molecule_type": "DNA", "topology": "linear"})
    SeqIO.write(record, path, "genbank")
    return path


@pytest.fixture
def synthetic_genbank(tmp_path) -> Path:
    return write_synthetic_genbank(tmp_path / "SYN00001.1.gb")


def write_policy(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n")
    return path


def two_vm_policy(path: Path, genome, until: float, points: int, control: str = "", scheduler: str = "",
                  gate: str | None = None) -> Path:
    """Two VMs of ``genome`` (recoded, orthogonal pools at share 0.15 each), with an optional
    ``control:``/``scheduler:`` block and ``isolation.gate``, simulated ``until`` minutes."""
    isolation = "" if gate is None else f"isolation: {{gate: {gate}}}"
    return write_policy(path, f"""
schema_version: 1
{scheduler}
{isolation}
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
{control}
simulate: {{until: {until:g} min, points: {points}}}
""")


def synthetic_policy(directory: Path, name: str, body: str) -> Path:
    """A policy over a synthetic genome written beside it; ``body`` names the genome ``{genome}``."""
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    return write_policy(directory / f"{name}.yaml", "schema_version: 1\n" + body.strip().format(genome=genome))


@pytest.fixture(scope="session")
def orthogonal_vm_sbml(tmp_path_factory) -> str:
    """The SBML of one synthetic VM on an orthogonal pool (its proteins tagged and counted)."""
    import libsbml
    from bioxen.backend.compile import compile_design
    from bioxen.frontend import read_design
    policy = synthetic_policy(tmp_path_factory.mktemp("orthogonal"), "orthogonal", """
vms:
  - {{id: vm1, genome: {genome}, ribosomes: {{share: 0.2, pool: orthogonal}}, genetic_code: recode}}
""")
    return libsbml.writeSBMLToString(compile_design(read_design(policy)).sbml)


@pytest.fixture(scope="session")
def syn3a_three_vms_gene(shared, tmp_path_factory) -> dict:
    """models/policies/syn3a_three_vms.yaml at gene resolution (three whole Syn3A genomes: 8,393
    species, 25,030 reactions under the ribosome gate), compiled once by ``bioxen compile --formats all``: {"policy": its
    policy, "build": the build directory, "output": what the command printed}."""
    from ruamel.yaml import YAML
    from typer.testing import CliRunner
    from bioxen.cli import app

    directory = tmp_path_factory.mktemp("syn3a_three_vms_gene")
    yaml = YAML(typ="safe")
    policy = yaml.load(ROOT / "models" / "policies" / "syn3a_three_vms.yaml")
    for vm in policy["vms"]:
        vm["resolution"] = "gene"
    policy["simulate"] = {"until": "2 h", "points": 121, "method": "ode"}
    with open(directory / "syn3a_three_vms_gene.yaml", "w") as out:
        yaml.dump(policy, out)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
        env.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
        env.setenv("BIOXEN_OFFLINE", "1")
        env.setenv("BIOXEN_CACHE_DIR", str(directory / "cache"))
        compiled = CliRunner().invoke(app, ["compile", str(directory / "syn3a_three_vms_gene.yaml"),
                                            "-o", str(directory / "build"), "--formats", "all"])
    assert compiled.exit_code == 0, compiled.output
    return {"policy": directory / "syn3a_three_vms_gene.yaml", "build": directory / "build",
            "output": compiled.output}


SMALL_SIMULATE = "simulate:\n  until: 6 h\n  points: 73\n"


def write_small_policy(directory: Path, genome: Path, simulate: str = SMALL_SIMULATE) -> Path:
    """The small one-VM design (a recoded synthetic genome on an orthogonal pool, share 0.2) as
    ``directory/small.yaml``, its genome named relative to it; ``simulate``: its simulate block."""
    return write_policy(directory / "small.yaml", f"""
schema_version: 1
name: small
vms:
  - id: vm1
    genome: {genome.name}
    ribosomes: {{share: 0.2}}
    genetic_code: recode
{simulate}""")


@pytest.fixture
def small_policy(tmp_path, synthetic_genbank) -> Path:
    return write_small_policy(tmp_path, synthetic_genbank)


def pytest_terminal_summary(terminalreporter):
    """Print what the validation tests measured (``record_property("measured", text)``), so the
    numbers reach the log also under xdist, which swallows a worker's ``print``."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, []) if r.when == "call"]
    measured = sorted((r.nodeid, text) for r in reports for key, text in r.user_properties if key == "measured")
    if measured:
        terminalreporter.section("measured")
        for nodeid, text in measured:
            terminalreporter.write_line(f"{nodeid}\n{text}")


@pytest.fixture(autouse=True)
def _keep_text_encoding():
    """COPASI resets LC_CTYPE to "C" when it runs, which makes Python's default text encoding
    ASCII; the library restores it after its own calls, and this restores it after each test."""
    import locale
    ctype = locale.setlocale(locale.LC_CTYPE)
    yield
    locale.setlocale(locale.LC_CTYPE, ctype)


# Test files by their cost on 2 cores, the longest first (measured with --durations, rounded):
# with ``--dist loadfile`` (pyproject's addopts) each file runs on one worker, so its module
# fixtures are built once, and the longest files start first instead of holding one worker at
# the end while the other waits.
LONGEST_FIRST = (
    "test_genome_scale_clients.py",   # three Syn3A VMs: compile, bngsim 2 h, libRoadRunner load (~3 min)
    "test_notebook.py",               # both notebooks (~3 min)
    "test_scaling.py",                # the sweep to 8 VMs, 8 Syn3A VMs (~1 min)
    "test_two_level_scheduling.py",   # three VMs, 8 h of two-level turns, BNG2.pl (~1 min)
    "test_api.py", "test_sweep.py", "test_scheduler.py", "test_syn3a.py", "test_output_safety.py",
    "test_readme.py", "test_hostile_inputs.py", "test_engines.py", "test_hostile_runtime.py", "test_api_fuzz.py",
    "test_cluster.py", "test_language.py", "test_install.py", "test_report.py", "test_profile.py",
    "test_context_switch.py", "test_destroy.py", "test_genetic_code_isolation.py", "test_debugger.py",
    "test_boot.py", "test_transcription_isolation.py", "test_compartments.py",
)


def pytest_collection_modifyitems(session, config, items):
    """Whole files in LONGEST_FIRST order, then the rest in collection order (stable: every
    worker collects the same order, as xdist requires)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def assert_same_columns(table, reference, columns, rtol: float = 1e-4, floor: float = 1e-6) -> None:
    """Two engines' results tables agree on ``columns`` within ``rtol`` (relative to each value,
    with a floor of ``floor`` times the column's largest magnitude)."""
    import numpy as np

    for column in columns:
        ours, theirs = table[column].to_numpy(), reference[column].to_numpy()
        scale = np.maximum(np.abs(theirs), floor * np.abs(theirs).max())
        assert np.max(np.abs(ours - theirs) / scale) < rtol, column
