"""Hostile inputs (issue 15): every policy, chassis, parts library, expression table and genome a
user can hand BioXen ends in a result or a located BioxenError, never another exception, in
bounded time, and changes no file.

Hypothesis drives 5,290 mutated inputs (derandomized: the same ones on every run); explicit
cases pin each problem measured in the issue, and `bioxen check` refuses what compile refuses.
"""
from __future__ import annotations

import copy
import gzip
import hashlib
import io
import json
import math
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from ruamel.yaml import YAML
from typer.testing import CliRunner

from bioxen.backend.compile import compile_design
from bioxen.chassis import DEFAULT_DIR as CHASSIS_DIR, load_chassis
from bioxen.cli import app
from bioxen.errors import BioxenError, ChassisError, GenomeError, PartsError, PolicyError, TableError
from bioxen.frontend import read_design
from bioxen.pipeline import check as check_design
from bioxen.genome import read_genome
from bioxen.parts import DEFAULT_DIR as PARTS_DIR, load_parts
from bioxen.policy import load_policy
from bioxen.table import read_expression_table
from conftest import write_synthetic_genbank

runner = CliRunner()

GENOME = "SYN00001.1.gb"
BASE_POLICY = f"""\
schema_version: 1
name: hostile
vms:
  - id: vm1
    genome: {GENOME}
    expression_table: table.csv
    ribosomes: {{share: 0.2}}
    genetic_code: recode
    essential: [synA]
    knockouts: [synC]
    expression: {{synB: 2}}
control:
  - {{at: 60 min, command: PAUSE_VM, vm: vm1}}
  - {{at: 2 h, command: RESUME_VM, vm: vm1}}
simulate:
  until: 6 h
  points: 73
"""
TABLE = "locus_tag,protein_count,mrna_count,subsystem\nSYN_0001,100,2,a\nSYN_0002,50,1,b\nSYN_0003,,,b\n"
FUZZ = dict(deadline=timedelta(seconds=5), derandomize=True, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                   HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])
MAX_MESSAGE = 2_000   # characters of one diagnostic: user values are shown clipped


# --- the design directory and what may not change ---------------------------------------------

@pytest.fixture(scope="module")
def design(tmp_path_factory):
    """A directory with a small genome, an expression table and a valid policy over them; downloads
    off, genome lookups confined to it. The ViennaRNA screen is warmed up here (~1 s, once)."""
    directory = tmp_path_factory.mktemp("hostile")
    write_synthetic_genbank(directory / GENOME, genes=4)
    (directory / "table.csv").write_text(TABLE)
    (directory / "policy.yaml").write_text(BASE_POLICY)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BIOXEN_OFFLINE", "1")
        env.setenv("BIOXEN_GENOME_PATH", str(directory))
        for name in ("BIOXEN_DATA_PATH", "BIOXEN_CHASSIS_PATH", "BIOXEN_MAX_GENOME_BYTES"):
            env.delenv(name, raising=False)
        check_design(directory / "policy.yaml")
        yield directory


def _snapshot(*directories: Path, skip: tuple[str, ...] = ()) -> dict:
    """Every file under the directories (but ``skip``), with its size, mtime and content hash."""
    found = {}
    for directory in directories:
        for path in sorted(directory.rglob("*")) if directory.exists() else ():
            if path.name not in skip and path.is_file():
                stat = path.stat()
                found[str(path)] = (stat.st_size, stat.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
            elif path.is_dir():
                found[str(path)] = "dir"
    return found


def _outcome(read, *args):
    """``read(*args)``'s result, or its BioxenError (checked to be a clear one); any other
    exception fails the example."""
    try:
        return read(*args)
    except BioxenError as exc:
        assert exc.errors and all(d.message for d in exc.errors)
        assert all(len(str(d)) < MAX_MESSAGE for d in exc.errors), str(exc)[:500]
        assert "Traceback" not in str(exc)
        return exc


class _Tally:
    """Counts outcomes of a fuzz test and guards the files around it."""

    def __init__(self, record, *watched: Path, skip=()):
        self.record, self.watched, self.skip = record, watched, skip
        self.counts = {"result": 0, "error": 0}
        self.before = _snapshot(*watched, skip=skip)
        self.cwd = sorted(os.listdir(Path.cwd()))
        self.start = time.perf_counter()

    def __call__(self, outcome):
        self.counts["error" if isinstance(outcome, BioxenError) else "result"] += 1
        return outcome

    def check(self, name: str, least: int):
        elapsed = time.perf_counter() - self.start
        self.record("measured", f"{name}: {sum(self.counts.values())} examples, {self.counts['result']} "
                                f"results, {self.counts['error']} BioxenErrors, {elapsed:.1f} s")
        assert sum(self.counts.values()) >= least
        assert _snapshot(*self.watched, skip=self.skip) == self.before
        assert sorted(os.listdir(Path.cwd())) == self.cwd


# --- policies: structured mutations of a valid policy -----------------------------------------

WORDS = ["0 s", "0 min", "-1 min", "1e400 h", "1e-300 min", "6", "6 h", "90 s", "4 uM", ".", "..", "/", "~",
         "~nobody/x.gb", "CP016816.2", "NC_000913.3", "SYN_0001", "SYN_0002", "synA", "synB", "synC", GENOME,
         "table.csv", "policy.yaml", "ecoli_mg1655", "isolation", "PAUSE_VM", "RESUME_VM", "DESTROY_VM",
         "CREATE_VM", "SET_RESOURCE_LIMIT", "ribosomes", "round_robin", "priority", "fair_share", "internal",
         "orthogonal", "host", "dormant", "running", "ssa", "ode", "gene", "operon", "subsystem", "suppressor",
         "recode", "vm1", "vm2", "\x00", "\u202e", "é", "\U0001d518", "\ufeff", "a\nb", "'", '"', "*a", "&a",
         "x" * 300, "9" * 400]
KEYS = ["schema_version", "name", "host", "vms", "isolation", "scheduler", "control", "simulate", "id",
        "genome", "annotation", "expression_table", "resolution", "operons", "ribosomes", "share", "pool",
        "controller", "genetic_code", "priority", "start", "essential", "knockouts", "kinetics", "expression",
        "until", "points", "method", "seed", "at", "command", "vm", "resource", "quantum", "clock", "atp_guard",
        "threshold", "policy", "chassis", "nutrient_quality", "chloramphenicol", "parts", "min_ratio",
        "crosstalk_cutoff", "mrna_half_life", "translation_aa_per_s", "synA", "<<"]
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-2**80, max_value=2**80),
    st.floats(), st.sampled_from([0.0, -0.0, 1e-300, 1e300, 0.2, 0.5, 1.0, 2.0]),
    st.sampled_from(WORDS), st.text(max_size=12))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=3)), max_leaves=8)


def _flow(value) -> str:
    """YAML flow text of a plain value (strings as JSON strings: YAML double-quoted scalars)."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_flow, value)) + "]"
    return "{" + ", ".join(f"{_flow(k)}: {_flow(v)}" for k, v in value.items()) + "}"


def _to_yaml(tree) -> str:
    """Top-level keys one per line (so errors have lines to point at), values in flow style;
    ~20 times faster than ruamel's emitter."""
    if not isinstance(tree, dict):
        return _flow(tree) + "\n"
    return "".join(f"{_flow(key)}: {_flow(value)}\n" for key, value in tree.items())


def _paths(node, prefix=()):
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield from _paths(child, prefix + (key,))


def _parent(tree, path):
    for key in path[:-1]:
        tree = tree[key]
    return tree


def _mutate(tree, draw):
    """One structured mutation: replace, delete, add or repeat something somewhere in the tree."""
    path = draw(st.sampled_from(list(_paths(tree))[1:]))
    parent, key = _parent(tree, path), path[-1]
    operation = draw(st.sampled_from(["replace", "replace", "delete", "add", "repeat"]))
    if operation == "replace":
        parent[key] = draw(_values)
    elif operation == "delete":
        del parent[key]
    elif operation == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from(KEYS) | st.text(max_size=6))] = draw(_values)
    elif isinstance(parent, list):
        parent.insert(key, parent[key])
    else:
        parent[key] = draw(_values)


BASE_TREE = YAML(typ="safe", pure=True).load(BASE_POLICY)


@st.composite
def mutated_policies(draw) -> str:
    tree = copy.deepcopy(BASE_TREE)
    for _ in range(draw(st.integers(1, 3))):
        _mutate(tree, draw)
    return _to_yaml(tree)


@pytest.mark.slow
def test_mutated_policies_end_in_a_design_or_a_clear_error(design, record_property):
    policy = design / "policy.yaml"
    tally = _Tally(record_property, design, skip=("policy.yaml",))

    @settings(max_examples=1_000, **FUZZ)
    @given(mutated_policies())
    def run(text):
        policy.write_text(text, encoding="utf-8")
        tally(_outcome(check_design, policy))

    run()
    tally.check("structured policy mutations", 1_000)


# --- policies: text and byte mutations ----------------------------------------------------------

SNIPPETS = ["&a ", "*a", "<<: *a\n", "!!binary ", "!foo ", "!!python/object:os.system ", "? ", "- ", ": ", "{",
            "}", "[", "]", "\t", "\x00", "\x85", "\ufeff", "\x1b", "%YAML 1.1\n", "---\n", "...\n", "'", '"',
            "\\", "#", "|", ">", "0x" + "f" * 60, "9" * 5_000, ".nan", ".inf", "-.inf", "1e400", "~", "null",
            "2001-02-30", "&x [*x]", "\n  ", "\n", ": &b [*b, *b]", "- &l [*l]", "\u2028", "\ud800"]


@st.composite
def mutated_policy_bytes(draw) -> bytes:
    text = BASE_POLICY
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "insert", "delete", "truncate", "line", "repeat"]))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(SNIPPETS) | st.text(max_size=8)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
        elif kind == "truncate":
            text = text[:at]
        elif kind == "repeat":
            text = text[:at] + text[at:at + draw(st.integers(1, 80))] * 2 + text[at + 80:]
        else:
            lines = text.split("\n")
            lines[at % len(lines)] = draw(st.sampled_from(SNIPPETS) | st.text(max_size=20))
            text = "\n".join(lines)
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-16", "utf-8-sig", "latin-1", "cp1252"]))
    return text.encode(encoding, errors="replace") if encoding != "utf-8" else text.encode("utf-8", "surrogatepass")


@pytest.mark.slow
def test_policy_text_and_byte_mutations_end_in_a_design_or_a_clear_error(design, record_property):
    policy = design / "policy.yaml"
    tally = _Tally(record_property, design, skip=("policy.yaml",))

    @settings(max_examples=1_100, **FUZZ)
    @given(mutated_policy_bytes() | st.binary(max_size=600) | st.binary(max_size=300).map(
        lambda b: b"schema_version: 1\nvms:\n  - " + b))
    def run(raw):
        policy.write_bytes(raw)
        tally(_outcome(check_design, policy))

    run()
    tally.check("policy text and byte mutations", 1_100)


def _mostly(usual, *rare):
    """A choice that is usually one of ``usual`` (a list) and sometimes one of ``rare``."""
    return st.sampled_from(list(usual) * 4 + list(rare))


@st.composite
def designs(draw) -> str:
    """Valid-shaped policies over the small genome whose choices the front end and the passes
    judge (resolutions, pools, genetic codes, gene lists, commands, schedulers); about half pass."""
    def genes(usual, *rare):
        return st.lists(_mostly(usual, *rare), max_size=2, unique=True)

    vm = st.fixed_dictionaries({
          "id": st.just("vm1"), "genome": st.just(GENOME), "resolution": _mostly(["gene", "operon", "subsystem"]),
          "ribosomes": st.fixed_dictionaries({"share": st.sampled_from([0.1, 0.5]),
                                              "pool": st.sampled_from(["orthogonal", "host"])}),
          "genetic_code": _mostly(["recode"], None, "suppressor"), "start": _mostly(["running"], "dormant"),
          "knockouts": genes(["synB", "SYN_T001"], "nosuch", "synA"), "essential": genes(["synA", "SYN_0004"], "synB"),
          "expression": genes(["synC", "SYN_0001"], "nosuch", "synB").map(lambda g: dict.fromkeys(g, 2.0)),
          "expression_table": _mostly(["table.csv"], None)})
    commands = st.fixed_dictionaries({"at": _mostly(["30 min", "1 h", "2 h"], "7 h", "0 min"), "vm": st.just("vm1"),
                                      "command": _mostly(["PAUSE_VM", "RESUME_VM"], "CREATE_VM", "DESTROY_VM")})
    policy = {"schema_version": 1, "vms": [{k: v for k, v in draw(vm).items() if v is not None}],
              "control": draw(st.lists(commands, max_size=2, unique_by=lambda c: c["at"])),
              "scheduler": draw(_mostly([{}], {"policy": "round_robin", "quantum": "2 h"})),
              "simulate": {"until": "6 h", "points": 13}}
    return _to_yaml(policy)


@pytest.mark.slow
def test_check_ok_means_compile_ok(design, record_property):
    """Parity, as a property: a policy `check` accepts compiles, and one `check` refuses fails in
    compile with the same errors (compile reads the design and runs the same passes)."""
    policy = design / "policy.yaml"
    tally = _Tally(record_property, design, skip=("policy.yaml",))

    @settings(max_examples=40, **FUZZ)
    @given(designs())
    def run(text):
        policy.write_text(text)
        checked = tally(_outcome(check_design, policy))
        try:
            compile_design(read_design(policy))
        except BioxenError as exc:
            assert isinstance(checked, BioxenError), f"check passed, compile refused: {exc}"
            assert [str(d) for d in exc.errors] == [str(d) for d in checked.errors]
        else:
            assert not isinstance(checked, BioxenError), f"check refused, compile passed: {checked}"

    run()
    tally.check("check/compile parity", 40)
    assert tally.counts["result"] >= 10 and tally.counts["error"] >= 10   # both sides exercised


# --- genomes: GenBank and EMBL mutations --------------------------------------------------------

QUALIFIER_VALUES = ['"abc"', "abc", "99", "0", "-1", '""', "4", "11", "1.5", "9" * 400, '"', '"a"b"', "1", "2", "3",
                    '"x"', "\U0001d518", '"SYN_0001"', '"SYN_0002"', '"\x00"']
LOCATIONS = ["0..10", "10..5", "<1..>50", "complement(50..1)", "join(1..5,7..9)", "order(1..2,5..6)", "1^2",
             "99999..100000", "1..2044", "abc", "", "1..", "..3", "complement(join(1..3,5..))", "5", "-5..10",
             "join(complement(1..5),9..12)", "SYN00001.1:1..5", "1..99999999999999999999"]


def _flat_file_text(directory: Path, kind: str) -> str:
    """The synthetic genome as GenBank or EMBL (written by Biopython) text."""
    from Bio import SeqIO

    genbank = write_synthetic_genbank(directory / "base.gb", genes=4)
    if kind == "genbank":
        return genbank.read_text()
    SeqIO.write(SeqIO.read(genbank, "genbank"), directory / "base.embl", "embl")
    return (directory / "base.embl").read_text()


@st.composite
def mutated_flat_file(draw, base: str, lead: str = "     ") -> bytes:
    """``base`` (GenBank, or EMBL with ``lead`` "FT   ": the same columns) mutated 1-3 times."""
    lines = base.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        kind = draw(st.sampled_from(["qualifier", "qualifier", "location", "feature", "repeat", "delete",
                                     "line", "sequence", "truncate"]))
        if kind == "qualifier":
            qualifiers = [i for i, l in enumerate(lines) if l.lstrip().startswith("/")] or [index]
            index = draw(st.sampled_from(qualifiers))
            key = lines[index].split("=")[0]
            lines[index] = f"{key}={draw(st.sampled_from(QUALIFIER_VALUES) | st.text(max_size=8))}"
        elif kind == "location":
            features = [i for i, l in enumerate(lines) if l.startswith(lead) and l[5:6].strip()] or [index]
            index = draw(st.sampled_from(features))
            lines[index] = lines[index][:21] + draw(st.sampled_from(LOCATIONS) | st.text(max_size=10))
        elif kind == "feature":
            features = [i for i, l in enumerate(lines) if l.startswith(lead) and l[5:6].strip()] or [index]
            index = draw(st.sampled_from(features))
            key = draw(st.sampled_from(["CDS", "tRNA", "rRNA", "gene", "misc_feature", "", "C D S"]))
            lines[index] = f"{lead}{key:<16}" + lines[index][21:]
        elif kind == "repeat":
            span = draw(st.integers(1, 8))
            lines[index:index] = lines[index:index + span]
        elif kind == "delete":
            del lines[index:index + draw(st.integers(1, 4))]
        elif kind == "line":
            lines[index] = draw(st.text(max_size=40))
        elif kind == "sequence":
            at = draw(st.integers(0, max(len(line) - 1, 0)))
            lines[index] = line[:at] + draw(st.sampled_from("NXRYacgt0-* ") | st.text(max_size=3)) + line[at + 1:]
        else:
            lines = lines[:index]
        if not lines:
            break
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@pytest.mark.slow
@pytest.mark.parametrize("kind,suffix,lead,examples", [("genbank", ".gb", "     ", 2_000),
                                                       ("embl", ".embl", "FT   ", 1_000)], ids=["GenBank", "EMBL"])
def test_mutated_flat_files_end_in_a_genome_or_a_clear_error(tmp_path, record_property, kind, suffix, lead, examples):
    base = _flat_file_text(tmp_path, kind)
    genome, packed = tmp_path / f"mutated{suffix}", tmp_path / f"mutated{suffix}.gz"
    tally = _Tally(record_property, tmp_path, skip=(genome.name, packed.name))

    @settings(max_examples=examples, **FUZZ)
    @given(mutated_flat_file(base, lead) | st.binary(max_size=400) | st.binary(max_size=300).map(
        lambda b: base[:600].encode() + b), st.integers(0, 9))
    def run(raw, how):
        if how < 2:   # gzipped, or gzipped and cut short
            data = gzip.compress(raw)
            packed.write_bytes(data if how == 0 else data[: len(data) // 2])
            tally(_outcome(read_genome, packed))
        else:
            genome.write_bytes(raw)
            tally(_outcome(read_genome, genome))

    run()
    tally.check(f"{kind} mutations", examples)


@pytest.mark.parametrize("embedded", [False, True], ids=["beside FASTA", "with its ##FASTA"])
def test_mutated_gff_annotations_end_in_a_genome_or_a_clear_error(tmp_path, record_property, embedded):
    from BCBio import GFF
    from Bio import SeqIO

    record = SeqIO.read(write_synthetic_genbank(tmp_path / "base.gb", genes=4), "genbank")
    SeqIO.write(record, tmp_path / "syn.fasta", "fasta")
    out = io.StringIO()
    GFF.write([record], out, include_fasta=embedded)     # embedded: the rows, then ##FASTA and the sequence
    rows = out.getvalue().split("\n")
    gff = tmp_path / "syn.gff3"
    genome = gff if embedded else tmp_path / "syn.fasta"
    tally = _Tally(record_property, tmp_path, skip=("syn.gff3",))

    @settings(max_examples=400, **FUZZ)
    @given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 8),
                              st.sampled_from(["", ".", "-1", "0", "abc", "99999", "+", "?", "ID=SYN_0001",
                                               "phase=7", "transl_table=99", "codon_start=x", "\x00", "%zz"])
                              | st.text(max_size=6)), min_size=1, max_size=3))
    def run(edits):
        lines = list(rows)
        for row, column, value in edits:
            columns = lines[row % len(lines)].split("\t")
            columns[column % len(columns)] = value
            lines[row % len(lines)] = "\t".join(columns)
        gff.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        tally(_outcome(read_genome, genome))

    run()
    tally.check(f"GFF3 mutations ({'with' if embedded else 'beside'} its sequence)", 400)


# --- expression tables, chassis profiles, parts libraries ----------------------------------------

def test_mutated_expression_tables_end_in_a_table_or_a_clear_error(tmp_path, record_property):
    table = tmp_path / "table.csv"
    tally = _Tally(record_property, tmp_path, skip=("table.csv",))
    cells = st.sampled_from(["", "NA", "nan", "inf", "-inf", "-1", "1e400", "1e308", "0x10", "1_000", '"', '""',
                             "\x00", "SYN_0001", "locus_tag", ",", "\n", "\r", "é"]) | st.text(max_size=6)

    @settings(max_examples=500, **FUZZ)
    @given(st.lists(st.tuples(st.integers(0, 100), cells), min_size=1, max_size=4) | st.binary(max_size=200))
    def run(edits):
        if isinstance(edits, bytes):
            table.write_bytes(edits)
        else:
            text = TABLE
            for at, cell in edits:
                at = at * len(text) // 100
                text = text[:at] + cell + text[at:]
            table.write_text(text, encoding="utf-8", errors="surrogatepass")
        tally(_outcome(read_expression_table, table))

    run()
    tally.check("expression table mutations", 500)


def _data_file_mutations(path: Path, source: Path, load, count: int, record, name: str):
    tree = YAML(typ="safe", pure=True).load(source.read_text())
    tally = _Tally(record, path.parent, skip=(path.name,))

    @settings(max_examples=count, **FUZZ)
    @given(st.data())
    def run(data):
        mutated = copy.deepcopy(tree)
        numbers = [path for path in _paths(mutated) if path and path[-1] == "value"]
        for _ in range(data.draw(st.integers(1, 2))):
            if data.draw(st.booleans()):   # a number out of range, or not a number
                where = data.draw(st.sampled_from(numbers))
                _parent(mutated, where)["value"] = data.draw(st.floats() | st.integers() | _scalars)
            else:
                _mutate(mutated, data.draw)
        path.write_text(_to_yaml(mutated), encoding="utf-8", errors="surrogatepass")
        tally(_outcome(load, str(path)))

    path.write_text(_to_yaml(tree))
    assert not isinstance(_outcome(load, str(path)), BioxenError)   # unmutated, it loads
    run()
    tally.check(name, count)


@pytest.mark.slow
def test_mutated_chassis_profiles_end_in_a_chassis_or_a_clear_error(tmp_path, record_property):
    _data_file_mutations(tmp_path / "chassis.yaml", CHASSIS_DIR / "ecoli_mg1655.yaml", load_chassis, 150,
                         record_property, "chassis mutations")


@pytest.mark.slow
def test_mutated_parts_libraries_end_in_a_library_or_a_clear_error(tmp_path, record_property):
    _data_file_mutations(tmp_path / "parts.yaml", PARTS_DIR / "isolation.yaml", load_parts, 100,
                         record_property, "parts library mutations")


# --- explicit cases: each problem measured in issue 15 ------------------------------------------

def _billion_laughs() -> str:
    lines = ['schema_version: 1', 'lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\nvms: *i\n"


def _policy(directory: Path, text: str | bytes = BASE_POLICY, *edits) -> Path:
    """The base policy (with its genome and table) in ``directory``; ``edits``: (old, new) pairs."""
    write_synthetic_genbank(directory / GENOME, genes=4)
    (directory / "table.csv").write_text(TABLE)
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    path = directory / "policy.yaml"
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    return path


def _line_of(path: Path, fragment: str, nth: int = 1) -> int:
    lines = [i for i, line in enumerate(path.read_text().splitlines(), start=1) if fragment in line]
    return lines[nth - 1]


def _refused(read, path, kind=BioxenError) -> str:
    start = time.perf_counter()
    with pytest.raises(kind) as info:
        read(path)
    assert time.perf_counter() - start < 10
    assert "Traceback" not in str(info.value) and all(len(str(d)) < MAX_MESSAGE for d in info.value.errors)
    return str(info.value)


POLICY_CASES = [
    # id, edits to the base policy, the line holding the error (a fragment of it), expected text
    ("until zero", [("until: 6 h", "until: 0 s")], "until:", "until: a duration here must be longer than 0"),
    ("until infinite", [("until: 6 h", "until: 1e400 h")], "until:", "until: must be a finite number"),
    ("points zero", [("points: 73", "points: 0")], "points:", "points: Input should be greater than or equal to 2"),
    ("points one", [("points: 73", "points: 1")], "points:", "greater than or equal to 2"),
    ("quantum zero", [("simulate:", "scheduler: {policy: round_robin, quantum: 0 min}\nsimulate:")], "quantum",
     "quantum: a duration here must be longer than 0"),
    ("quantum negative", [("simulate:", "scheduler: {policy: round_robin, quantum: -5 min}\nsimulate:")], "quantum",
     "quantum: cannot read duration '-5 min'"),
    ("quantum tiny", [("simulate:", "scheduler: {policy: round_robin, quantum: 1e-6 min}\nsimulate:"),
                      ("control:\n  - {at: 60 min, command: PAUSE_VM, vm: vm1}\n  - {at: 2 h, command: RESUME_VM, "
                       "vm: vm1}\n", "")], "quantum", "makes 3.6e+08 turns in the 360 min run; at most 10,000"),
    ("half-life zero", [("genetic_code: recode", "genetic_code: recode\n    kinetics: {mrna_half_life: 0 s}")],
     "mrna_half_life", "a half-life must be longer than 0"),
    ("command at infinity", [("at: 2 h", "at: 1e400 min")], "1e400", "at: must be a finite number"),
    ("expression nan", [("synB: 2", "synB: .nan")], "synB: .nan", "synB: Input should be a finite number (got nan)"),
    ("expression inf", [("synB: 2", "synB: .inf")], "synB: .inf", "synB: Input should be a finite number (got inf)"),
    ("share inf", [("share: 0.2", "share: .inf")], "share", "share: Input should be a finite number"),
    ("atp guard nan", [("simulate:", "scheduler: {policy: priority, atp_guard: {threshold: .nan}}\nsimulate:")],
     "threshold", "threshold: Input should be a finite number"),
    ("min_ratio inf", [("simulate:", "isolation: {min_ratio: .inf}\nsimulate:")], "min_ratio",
     "min_ratio: Input should be a finite number"),
    ("crosstalk nan", [("simulate:", "isolation: {crosstalk_cutoff: .nan}\nsimulate:")], "crosstalk",
     "crosstalk_cutoff: Input should be a finite number"),
    ("nutrient inf", [("simulate:", "host: {nutrient_quality: .inf}\nsimulate:")], "nutrient",
     "nutrient_quality: Input should be a finite number"),
    ("chloramphenicol inf", [("simulate:", "host: {chloramphenicol: 1e400 uM}\nsimulate:")], "chloramphenicol",
     "chloramphenicol: must be a finite number"),
    ("knockout twice", [("knockouts: [synC]", "knockouts: [synC, synD, synC]")], "knockouts",
     "knockouts: 'synC' is listed twice (first as item 1)"),
    ("essential twice", [("essential: [synA]", "essential: [synA, synA]")], "essential",
     "essential: 'synA' is listed twice"),
    ("gene in two operons", [("genetic_code: recode", "genetic_code: recode\n    operons: [[SYN_0001, SYN_0001]]")],
     "operons", "'SYN_0001' is listed twice"),
    ("huge integer", [("points: 73", "points: " + "1" * 5_000)], "points:", "more than 4,300 digits"),
    ("seed too big", [("points: 73", "points: 73\n  seed: 99999999999999999999")], "seed",
     "seed: Input should be less than or equal to 4294967295"),
    ("impossible date", [("name: hostile", "name: hostile\ndescription: 2001-02-30")], "2001-02-30",
     "cannot read value '2001-02-30': day is out of range for month"),
    ("NUL in a file name", [(f"genome: {GENOME}", 'genome: "x\\0.gb"')], "genome:",
     "genome: a file name cannot hold a NUL character"),
    ("genome is a directory", [(f"genome: {GENOME}", "genome: subdir")], "genome:",
     "VM 'vm1': genome 'subdir' is a directory, not a genome file"),
    ("genome is a pipe", [(f"genome: {GENOME}", "genome: pipe.gb")], "genome:",
     "VM 'vm1': genome 'pipe.gb' is not a regular file (a device, pipe or socket)"),
    ("genome is a device", [(f"genome: {GENOME}", "genome: /dev/zero")], "genome:",
     "VM 'vm1': genome '/dev/zero' is not a regular file (a device, pipe or socket)"),
    ("genome missing", [(f"genome: {GENOME}", "genome: missing.gb")], "genome:",
     "VM 'vm1': genome 'missing.gb' is neither an existing file nor an accession"),
    ("unknown chassis", [("simulate:", "host: {chassis: nosuch}\nsimulate:")], "chassis",
     "unknown chassis 'nosuch' (known: ecoli_mg1655"),
    ("alias bomb", None, "f: &f", "policy: more than 100,000 YAML values here (counting every value an alias"),
    ("recursive alias", [("vms:", "loop: &l [*l]\nvms:")], "loop",
     "a YAML alias refers to a structure that contains it"),
    ("deep aliases", [("vms:", "a: &a " + "[" * 56 + "]" * 56 + "\nb: &b [*a]\nc: &c [*b]\nd: &d [*c]\n"
                                 "e: &e " + "[" * 9 + "*d" + "]" * 9 + "\nvms:")], "e: &e",
     "policy: YAML nested more than 64 levels deep here"),
    ("duplicate key", [("simulate:", "name: again\nsimulate:")], "name: again", 'found duplicate key "name"'),
    ("tab indentation", [("    genetic_code", "\tgenetic_code")], "\tgenetic_code", "invalid YAML"),
    ("control character", [("name: hostile", "name: host\x1bile")], "name: host",
     "invalid YAML: character U+001B is not allowed"),
]


@pytest.mark.parametrize("edits,line,expected", [case[1:] for case in POLICY_CASES],
                         ids=[case[0] for case in POLICY_CASES])
def test_each_measured_policy_problem_is_a_located_error(tmp_path, monkeypatch, edits, line, expected):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    (tmp_path / "subdir").mkdir()
    os.mkfifo(tmp_path / "pipe.gb")       # a reader would wait for a writer for ever
    policy = _policy(tmp_path, _billion_laughs()) if edits is None else _policy(tmp_path, BASE_POLICY, *edits)
    message = _refused(check_design, policy)
    assert f"{policy}:{_line_of(policy, line)}:" in message and expected in message, message


@pytest.mark.parametrize("raw,expected,where", [
    ("\ufeff" + BASE_POLICY, None, None),   # a UTF-8 BOM is fine
    (BASE_POLICY.encode("utf-16"), "policy is UTF-16 text, not UTF-8", ":1:1:"),
    (BASE_POLICY.encode().replace(b"hostile", b"host\xffile"), "policy is not UTF-8 text (byte 0xff)", ":2:11:"),
    (BASE_POLICY.encode().replace(b"hostile", b"host\x00ile"), "policy holds a NUL character", ":2:11:"),
    (bytes(range(256)) * 4, "policy is not UTF-8 text (byte 0x80)", ":2:118:"),
    (b"schema_version: 1\n" + b"#" * 1_000_000, "policy is 1,000,018 bytes; the limit is 1,000,000 bytes", ": error"),
    (BASE_POLICY.encode()[:200], "invalid YAML", ":"),
], ids=["BOM", "UTF-16", "Latin-1 byte", "NUL", "binary", "over 1 MB", "truncated"])
def test_policy_bytes_that_are_not_a_policy(tmp_path, monkeypatch, raw, expected, where):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    policy = _policy(tmp_path, raw)
    if expected is None:
        assert check_design(policy).name == "hostile"
        return
    message = _refused(check_design, policy, PolicyError)
    assert f"{policy}{where}" in message and expected in message, message


def test_a_policy_that_is_a_directory_or_missing(tmp_path):
    assert f"{tmp_path}: error: policy is a directory, not a file" in _refused(load_policy, tmp_path, PolicyError)
    missing = tmp_path / "missing.yaml"
    assert f"{missing}: error: policy not found" in _refused(load_policy, missing, PolicyError)
    os.mkfifo(tmp_path / "pipe.yaml")
    for odd in (tmp_path / "pipe.yaml", Path("/dev/zero")):
        assert f"{odd}: error: policy is not a regular file" in _refused(load_policy, odd, PolicyError)


def test_the_alias_bomb_is_refused_at_once_and_its_message_is_short(tmp_path):
    policy = _policy(tmp_path, _billion_laughs())
    assert len(policy.read_bytes()) < 1_400     # 1.3 KB that expands to 10^9 strings
    start = time.perf_counter()
    message = _refused(load_policy, policy, PolicyError)
    assert time.perf_counter() - start < 1 and len(message) < 400


# chassis: (edit of the E. coli profile, the line of the error, expected text)
CHASSIS_CASES = [
    ("syntax error", ("  gmax:     {value: 1260,", "  gmax:     {value: [1260,"), "gmax:", "invalid YAML"),
    ("gmax negative", ("{value: 1260,", "{value: -1,"), "gmax:", "parameters.gmax must be > 0 (it is a size, a "
                                                                  "threshold or a Hill coefficient), not -1"),
    ("M zero", ("{value: 1.0e8,", "{value: 0,"), "  M:", "parameters.M must be > 0"),
    ("rate negative", ("d_m:      {value: 0.1,", "d_m:      {value: -0.1,"), "d_m:", "parameters.d_m must be >= 0"),
    ("nan", ("d_m:      {value: 0.1,", "d_m:      {value: .nan,"), "d_m:", "value: Input should be a finite number"),
    ("inf", ("K_q:      {value: 152219,", "K_q:      {value: .inf,"), "K_q:", "Input should be a finite number"),
    ("guest lacks a key", ("  mrna_decay:", "  mrna_decay_typo:"), "guest:", "chassis lacks guest: mrna_decay"),
    ("steady state negative", ("  energy: 10.7123", "  energy: -1"), "energy: -1", "steady_state.energy must be >= 0"),
    ("steady state nan", ("  energy: 10.7123", "  energy: .nan"), "energy: .nan", "Input should be a finite number"),
    ("speed zero", ("transcription_elongation: {value: 50,", "transcription_elongation: {value: 0,"),
     "transcription_elongation", "guest.transcription_elongation must be > 0"),
]


@pytest.mark.parametrize("edit,line,expected", [c[1:] for c in CHASSIS_CASES], ids=[c[0] for c in CHASSIS_CASES])
def test_each_chassis_problem_is_a_located_error(tmp_path, monkeypatch, edit, line, expected):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    text = (CHASSIS_DIR / "ecoli_mg1655.yaml").read_text()
    assert edit[0] in text
    chassis = tmp_path / "bad_chassis.yaml"
    chassis.write_text(text.replace(edit[0], edit[1], 1))
    message = _refused(load_chassis, str(chassis), ChassisError)
    assert f"{chassis}:{_line_of(chassis, line)}:" in message and expected in message, message
    policy = _policy(tmp_path, BASE_POLICY, ("simulate:", "host: {chassis: bad_chassis.yaml}\nsimulate:"))
    assert message in _refused(check_design, policy, ChassisError)   # the same error through the policy


PARTS_CASES = [
    ("inf", ("orrna_decay:     {value: 0.1,", "orrna_decay: {value: .inf,"), "orrna_decay",
     "Input should be a finite number"),
    ("negative", ("kcat:            {value: 1.0,", "kcat: {value: -1.0,"), "kcat: {", "protease.kcat must be >= 0"),
    ("length zero", ("{value: 784,", "{value: 0.0,"), "{value: 0.0,", "protease.length must be > 0"),
    ("fraction over 1", ("uga_decoding:    {value: 0.2,", "uga_decoding: {value: 1.5,"), "uga_decoding",
     "genetic_code.uga_decoding is a fraction: between 0 and 1"),
    ("matrix nan", ("    - [1.0,    0.0001,", "    - [.nan,    0.0001,"), "[.nan",
     "Input should be a finite number"),
]


@pytest.mark.parametrize("edit,line,expected", [c[1:] for c in PARTS_CASES], ids=[c[0] for c in PARTS_CASES])
def test_each_parts_problem_is_a_located_error(tmp_path, edit, line, expected):
    text = (PARTS_DIR / "isolation.yaml").read_text()
    assert edit[0] in text
    parts = tmp_path / "parts.yaml"
    parts.write_text(text.replace(edit[0], edit[1], 1))
    message = _refused(load_parts, str(parts), PartsError)
    assert f"{parts}:{_line_of(parts, line)}:" in message and expected in message, message


@pytest.mark.parametrize("content,expected,where", [
    (TABLE.replace("100,2", "inf,2"), "protein_count must be a non-negative number, not 'inf'", ":2:"),
    (TABLE.replace("100,2", "1e400,2"), "protein_count must be a non-negative number, not '1e400'", ":2:"),
    (TABLE.replace("50,1", "50,nan"), None, None),   # nan reads as missing, like NA
    (TABLE.encode("utf-16"), "expression table is UTF-16 text, not UTF-8", ":1:1:"),
    (TABLE.encode().replace(b"a\n", b"\xe9\n"), "expression table is not UTF-8 text (byte 0xe9)", ":2:"),
    (TABLE + "SYN_0004," + "9" * 200_000 + ",1,c\n", "invalid CSV: field larger than field limit", ":"),
    (TABLE + 'SYN_0004,"1,1,c\n', None, None),
], ids=["inf", "overflow", "nan is missing", "UTF-16", "Latin-1", "huge field", "open quote"])
def test_expression_table_problems(tmp_path, content, expected, where):
    table = tmp_path / "table.csv"
    table.write_bytes(content if isinstance(content, bytes) else content.encode())
    if expected is None:   # read, or refused clearly
        _outcome(read_expression_table, table)
        return
    message = _refused(read_expression_table, table, TableError)
    assert f"{table}{where}" in message and expected in message, message


def test_expression_table_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("bioxen.table.MAX_TABLE_BYTES", 100)
    table = tmp_path / "table.csv"
    table.write_text(TABLE * 2)
    size = len(TABLE) * 2
    assert f"expression table is {size} bytes; the limit is 100 bytes" in _refused(read_expression_table, table)


# genome: (edit of the synthetic GenBank text, the line of the error, expected texts)
GENOME_CASES = [
    ("transl_table abc", ("/transl_table=4", '/transl_table="abc"'), "CDS ",
     ["CDS SYN_0001: /transl_table=abc is not an NCBI translation table", "expected one of 1, 2, 3, 4, 5, 6, 9"]),
    ("transl_table 99", ("/transl_table=4", "/transl_table=99"), "CDS ",
     ["CDS SYN_0001: /transl_table=99 is not an NCBI translation table", "33"]),
    ("codon_start x", ("/codon_start=1", '/codon_start="x"'), "CDS ",
     ["CDS SYN_0001: /codon_start=x is not a reading frame", "expected 1, 2 or 3"]),
    ("codon_start 4", ("/codon_start=1", "/codon_start=4"), "CDS ",
     ["CDS SYN_0001: /codon_start=4 is not a reading frame"]),
    ("repeated locus tag", ('/locus_tag="SYN_0002"', '/locus_tag="SYN_0001"'), ("CDS ", 2),
     ["locus tag SYN_0001 names two features: CDS 201..", " and CDS ", "give each gene its own /locus_tag"]),
    ("location past the end", ("     CDS             201..446", "     CDS             201..999446"), "CDS ",
     ["CDS SYN_0001: location [200:999446](+) is not a span of the 2,", "bp sequence"]),
    ("location backwards", ("     CDS             201..446", "     CDS             446..201"), "CDS ",
     ["CDS SYN_0001: location cannot be read (Biopython could not parse it)"]),
    ("location inside out", ("     CDS             201..446", "     CDS             999201..446"), "CDS             999201",
     ["invalid GenBank file: End location (446) must be greater than or equal to start location (999200)"]),
    ("location in another record", ("     CDS             201..446", "     CDS             join(201..300,X99999.1:1..146)"),
     "CDS ", ["CDS SYN_0001: its location join", "reaches into other records (X99999.1), which this file does not hold"]),
    ("unclosed qualifier", ('/product="protein 2"', '/product="protein 2'), ("CDS ", 2),
     ["invalid GenBank file: Problem with 'CDS' feature:"]),
    # not DNA: a protein record (a GenPept file, LOCUS in aa) and residues or gaps in the sequence
    ("protein record", (" bp    DNA ", " aa        "), "LOCUS",
     ["record 1 (SYN00001.1) is a protein sequence, not a genome: its LOCUS line gives its length in aa",
      "give the VM the nucleotide record"]),
    ("residues in the sequence", ("      121 gcggtg", "      121 efilpq"), "      121 ",
     ["record 1 (SYN00001.1): base 121 is 'E', not an IUPAC nucleotide code; the sequence holds 6 such "
      "letter(s): EFILPQ", "a VM's genome must be DNA"]),
    ("alignment gap", ("      181 ct", "      181 c-"), "      181 ",
     ["base 182 is '-', not an IUPAC nucleotide code", "alignment (gaps '-')"]),
]


@pytest.mark.parametrize("edit,line,expected", [c[1:] for c in GENOME_CASES], ids=[c[0] for c in GENOME_CASES])
def test_each_genome_problem_names_the_file_line_and_feature(tmp_path, monkeypatch, edit, line, expected):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    genome = write_synthetic_genbank(tmp_path / GENOME, genes=4)
    text = genome.read_text()
    assert edit[0] in text
    genome.write_text(text.replace(edit[0], edit[1], 1))
    fragment, nth = line if isinstance(line, tuple) else (line, 1)
    where = f"{genome}:{_line_of(genome, fragment, nth)}" if fragment else f"{genome}"   # Biopython's: no line
    message = _refused(read_genome, genome, GenomeError)
    assert f"{where}: error:" in message and all(e in message for e in expected), message
    policy = tmp_path / "policy.yaml"
    (tmp_path / "table.csv").write_text(TABLE)
    policy.write_text(BASE_POLICY)
    assert f"{where}: error: VM 'vm1': " in _refused(check_design, policy)


def test_genome_size_limits(tmp_path, monkeypatch):
    genome = write_synthetic_genbank(tmp_path / GENOME, genes=4)
    size = genome.stat().st_size
    monkeypatch.setenv("BIOXEN_MAX_GENOME_BYTES", "1000")
    assert f"genome file is {size:,} bytes; the limit is 1,000 bytes" in _refused(read_genome, genome)
    packed = tmp_path / "bomb.gb.gz"
    packed.write_bytes(gzip.compress(b"LOCUS" + b" " * 10_000_000))   # 10 KB that unpack to 10 MB
    monkeypatch.setenv("BIOXEN_MAX_GENOME_BYTES", "1000000")
    assert "genome file unpacks to more than 1,000,000 bytes" in _refused(read_genome, packed)
    monkeypatch.setenv("BIOXEN_MAX_GENOME_BYTES", "lots")
    assert "BIOXEN_MAX_GENOME_BYTES='lots' is not a number of bytes" in _refused(read_genome, genome)


@pytest.mark.parametrize("content,expected", [
    (None, "genome file is a directory, not a file"),
    (b"\xff\xfeL\x00O\x00", "genome file is UTF-16 text, not UTF-8"),
    (b"LOCUS \x00\x01\x02", "genome file holds a NUL character"),
    (b"LOCUS \x80\x81", "genome file is not UTF-8 text (byte 0x80)"),
    (b"\x1f\x8b\x08\x00garbage", "cannot read gzipped genome file"),
], ids=["directory", "UTF-16", "NUL", "binary", "broken gzip"])
def test_genome_files_that_are_not_genomes(tmp_path, content, expected):
    genome = tmp_path / ("genome.gb.gz" if content and content.startswith(b"\x1f\x8b") else "genome.gb")
    genome.mkdir() if content is None else genome.write_bytes(content)
    assert expected in _refused(read_genome, genome, GenomeError)


# --- check refuses what compile refuses ----------------------------------------------------------

# What `bioxen check` used to pass and `bioxen compile` refused (issue 15), and more of the
# front end's and the passes' checks.
PARITY_CASES = [
    ("unknown chassis", [("simulate:", "host: {chassis: nosuch}\nsimulate:")], "unknown chassis 'nosuch'"),
    ("bad chassis file", [("simulate:", "host: {chassis: bad_chassis.yaml}\nsimulate:")], "invalid YAML"),
    ("command after until", [("at: 2 h", "at: 7 h")], "comes after the simulation ends"),
    ("pause after destroy", [("command: PAUSE_VM", "command: DESTROY_VM")], "the VM is destroyed at 60 min"),
    ("unknown knockout", [("knockouts: [synC]", "knockouts: [nosuch]")], "knocked-out genes the genome lacks: nosuch"),
    ("essential knockout", [("knockouts: [synC]", "knockouts: [synA]")], "genes both essential and knocked out"),
    ("missing genome", [(f"genome: {GENOME}", "genome: missing.gb")], "is neither an existing file nor an accession"),
    ("genome directory", [(f"genome: {GENOME}", "genome: subdir")], "is a directory, not a genome file"),
    ("knocked-out gene with a factor", [("synB: 2", "synC: 2")], "both knocked out and given an expression factor"),
    ("operon of unknown genes", [("genetic_code: recode", "genetic_code: recode\n    resolution: operon\n"
                                                           "    operons: [[nosuch]]")], "operon lists genes"),
    ("no genetic code", [("    genetic_code: recode\n", "")], "uses translation table 4"),
    ("isolation too strict", [("simulate:", "isolation: {min_ratio: 1e9}\nsimulate:")], "cannot isolate 1 VM(s)"),
]


@pytest.mark.parametrize("edits,expected", [c[1:] for c in PARITY_CASES], ids=[c[0] for c in PARITY_CASES])
@pytest.mark.slow
def test_check_refuses_what_compile_refuses(tmp_path, monkeypatch, edits, expected):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    (tmp_path / "subdir").mkdir()
    (tmp_path / "bad_chassis.yaml").write_text("name: bad\nparameters: {gmax: [\n")
    policy = _policy(tmp_path, BASE_POLICY, *edits)
    checked = runner.invoke(app, ["check", str(policy)])
    compiled = runner.invoke(app, ["compile", str(policy), "-o", str(tmp_path / "out"), "--no-cache"])
    assert checked.exit_code == compiled.exit_code == 1, (checked.output, compiled.output)
    assert expected in checked.output and "Traceback" not in checked.output + compiled.output
    errors = [line for line in checked.output.splitlines() if "error:" in line]
    assert errors and errors == [line for line in compiled.output.splitlines() if "error:" in line]
    assert not (tmp_path / "out").exists()


def test_check_says_ok_with_a_summary(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    policy = _policy(tmp_path)
    result = runner.invoke(app, ["check", str(policy)])
    assert result.exit_code == 0, result.output
    assert (f"{policy}: ok (1 VM(s), 4 expressed gene(s), 2 timed command(s), chassis ecoli_mg1655)"
            in " ".join(result.output.split()))
    assert sorted(p.name for p in tmp_path.iterdir()) == [GENOME, "policy.yaml", "table.csv"]

