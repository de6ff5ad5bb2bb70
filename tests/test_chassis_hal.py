"""The hardware abstraction layer (issue 23): a chassis says what its cell offers each hypervisor
function; a policy is mapped onto it, refused where it asks what the chassis cannot do (with the
alternatives named), and compiled with the chassis's own mechanisms where it leaves them out."""
from __future__ import annotations

import pytest
from Bio import SeqIO
from typer.testing import CliRunner

from bioxen import pipeline
from bioxen.chassis import canonical_name, load_chassis
from bioxen.cli import app
from bioxen.errors import BioxenError, ChassisError
from bioxen.frontend import read_design
from bioxen.hardware import FUNCTIONS
from bioxen.passes import run_passes
from bioxen.runtime.simulate import _roadrunner, advance, simulate_build
from conftest import write_policy, write_synthetic_genbank


def _policy(tmp_path, chassis: str, vm: str = "", extra: str = "", table: int = 4, name: str = "p"):
    genome = write_synthetic_genbank(tmp_path / f"SYN{table:05d}.1.gb", table=table)
    code = "genetic_code: recode, " if table == 4 and chassis != "syn3a" else ""
    return write_policy(tmp_path / f"{name}.yaml", f"""
schema_version: 1
host: {{chassis: {chassis}}}
vms:
  - {{id: vm1, genome: {genome}, {code}{vm}}}
{extra}
""")


@pytest.mark.parametrize("alias, name", [("ecoli", "ecoli_mg1655"), ("E. coli", "ecoli_mg1655"),
                                         ("yeast", "yeast"), ("S. cerevisiae", "yeast"),
                                         ("saccharomyces_cerevisiae", "yeast"), ("JCVI-Syn3A", "syn3a"),
                                         ("minimal", "syn3a")])
def test_chassis_names_users_write(alias, name):
    assert canonical_name(alias) == name
    assert load_chassis(alias).name == name


def test_every_shipped_chassis_declares_every_required_function():
    for name in ("ecoli_mg1655", "syn3a", "yeast"):
        hardware = load_chassis(name).hardware
        for function, spec in FUNCTIONS.items():
            if spec.required:
                assert hardware.offers.get(function), (name, function)
            for mechanism in spec.mechanisms:       # each mechanism offered with a source, or said to be lacking
                assert hardware.has(function, mechanism) or mechanism in hardware.lacks or name == "ecoli_mg1655" \
                    or function == "compartment", (name, mechanism)


@pytest.mark.parametrize("vm, extra, function, mechanism, alternative, key", [
    ("ribosomes: {share: 0.2, pool: orthogonal}", "", "allocate translation", "orthogonal_ribosomes",
     "host_ribosomes", "pool: orthogonal"),
    ("ribosomes: {share: 0.2, controller: true}", "", "allocate translation", "orthogonal_ribosomes",
     "host_ribosomes", "controller: true"),
    ("", "isolation: {gate: mrna}", "gate a VM", "srna_gate", "transcription_gate", "gate: mrna"),
    ("", "isolation: {gate: ribosome}", "gate a VM", "ribosome_gate", "transcription_gate", "gate: ribosome"),
    ("transcription: {pool: orthogonal}", "", "transcribe a VM's genes", "phage_polymerase", "host_polymerase",
     "pool: orthogonal"),
])
def test_yeast_refuses_bacterial_mechanisms_naming_the_alternative(tmp_path, vm, extra, function, mechanism,
                                                                   alternative, key):
    policy = _policy(tmp_path, "yeast", vm, extra)
    with pytest.raises(BioxenError) as caught:
        read_design(policy)
    error = caught.value.errors[0]
    assert f"chassis 'yeast' cannot {function}" in error.message and mechanism in error.message
    assert alternative in error.hint, error.hint
    line = policy.read_text().splitlines()[error.location.line - 1]
    assert key.split(":")[0] in line, (line, error.location)


def test_yeast_refuses_amber_with_the_reason(tmp_path):
    policy = _policy(tmp_path, "yeast", extra="", table=11).read_text().replace(
        "{id: vm1,", "{id: vm1, genetic_code: amber,")
    with pytest.raises(BioxenError, match=r"make a guest's genetic code runnable.*by amber.*Chin et al\. 2003"):
        read_design(write_policy(tmp_path / "amber.yaml", policy))


def test_syn3a_refuses_a_compartment(tmp_path):
    policy = _policy(tmp_path, "syn3a", "compartment: {shell: encapsulin}")
    with pytest.raises(BioxenError, match="cannot give a VM a compartment of its own by encapsulin"):
        read_design(policy)


def test_ecoli_defaults_are_the_policy_schema_defaults(tmp_path):
    design = run_passes(read_design(_policy(tmp_path, "ecoli_mg1655")))
    assert design.vms[0].pool == "orthogonal" and design.gate == "ribosome" and design.wiring is not None


def test_yeast_takes_its_own_mechanisms_where_the_policy_is_silent(tmp_path):
    design = run_passes(read_design(_policy(tmp_path, "yeast")))
    vm = design.vms[0]
    assert vm.pool == "host" and design.gate == "transcription"
    assert design.wiring is None                          # commands on inducible promoters, no Cello sensors
    assert vm.parts.tag_name == "pdt2"                    # a TEV-site N-degron (TIPI), not mf-Lon's pdt1
    assert vm.parts.host_table == 1


def test_yeast_parts_are_sized_for_its_cell(tmp_path):
    ecoli = read_design(_policy(tmp_path, "ecoli_mg1655", name="e")).parts
    yeast = read_design(_policy(tmp_path, "yeast", name="y")).parts
    assert yeast.protease["Km"].value == pytest.approx(42 * ecoli.protease["Km"].value)
    assert yeast.protease["max_transcription"].value == pytest.approx(42 * ecoli.protease["max_transcription"].value)
    assert yeast.srna["pairing"].value == pytest.approx(ecoli.srna["pairing"].value / 42)
    assert yeast.orthogonal_ribosomes["orrna_threshold"] == ecoli.orthogonal_ribosomes["orrna_threshold"]
    assert yeast.protease["kcat"] == ecoli.protease["kcat"]


def test_a_table_4_guest_runs_native_in_syn3a_and_its_image_says_table_4(tmp_path):
    policy = _policy(tmp_path, "syn3a")
    assert pipeline.check(policy).vms[0].parts.genetic_code == "native"
    pipeline.build(policy, tmp_path / "out", ("sbml", "dna"))
    image = SeqIO.read(tmp_path / "out" / "vm_vm1.gb", "genbank")
    cds = [f for f in image.features if f.type == "CDS"]
    assert cds and all(f.qualifiers["transl_table"] == ["4"] for f in cds)
    assert all("*" not in f.qualifiers["translation"][0] for f in cds)


def test_a_table_11_guest_in_syn3a_is_refused_then_recoded_stop_by_stop(tmp_path):
    policy = _policy(tmp_path, "syn3a", table=11)
    with pytest.raises(BioxenError, match=r"TGA as stop \(host: W\).*host \(table 4\)"):
        pipeline.check(policy)
    recoded = write_policy(tmp_path / "r.yaml", policy.read_text().replace("{id: vm1,", "{id: vm1, genetic_code: recode,"))
    pipeline.build(recoded, tmp_path / "out", ("dna",))
    image = SeqIO.read(tmp_path / "out" / "vm_vm1.gb", "genbank")
    for f in (f for f in image.features if f.type == "CDS"):
        dna = str(f.extract(image.seq))
        codons = [dna[i:i + 3] for i in range(0, len(dna), 3)]
        assert "TGA" not in codons, f.qualifiers.get("locus_tag")      # no stop Syn3A would read as Trp


def test_yeast_pause_shuts_the_vms_transcription_and_its_translation_falls(tmp_path):
    """The transcription gate: PAUSE at 200 min; the VM's transcription falls to the gate's
    residual at once, its translation as its mRNAs go; RESUME brings it back."""
    policy = _policy(tmp_path, "yeast", extra="""control:
  - {at: 200 min, command: PAUSE_VM, vm: vm1}
  - {at: 500 min, command: RESUME_VM, vm: vm1}
simulate: {until: 800 min}""")
    out = tmp_path / "out"
    pipeline.build(policy, out, ("sbml",))
    rr = _roadrunner((out / "model.xml").read_text())
    gate = {int(t): g for t, g in advance(rr, 0, 800, 801, ["time", "transcription_gate_vm1"])}
    assert gate[199] == pytest.approx(1.0) and gate[201] == pytest.approx(0.02) and gate[501] == pytest.approx(1.0)
    table = simulate_build(out, 800, 801, "ode", None).set_index("time_min")["vm1_translation_flux"]
    before = table.loc[199]
    assert table.loc[260] < 0.6 * before            # falling with the mRNAs (yeast t1/2 20 min, held by ribosomes)
    assert table.loc[490] < 0.2 * before
    assert table.loc[800] > 0.8 * before            # RESUME


def test_chassis_cli_lists_and_shows_all_three(tmp_path, monkeypatch):
    from bioxen import cli

    monkeypatch.setattr(cli.console, "width", 250)
    runner = CliRunner()
    listed = runner.invoke(app, ["chassis", "list"])
    assert listed.exit_code == 0, listed.output
    for name in ("ecoli_mg1655", "syn3a", "yeast"):
        assert name in listed.output
    shown = runner.invoke(app, ["chassis", "show", "yeast"])
    assert shown.exit_code == 0 and "orthogonal_ribosomes" in shown.output and "Shine-Dalgarno" in shown.output
    state = runner.invoke(app, ["chassis", "steady-state", "syn3a"])
    assert state.exit_code == 0 and "protein_host_q" in state.output
    unknown = runner.invoke(app, ["chassis", "show", "zebrafish"])
    assert unknown.exit_code != 0 and "unknown chassis 'zebrafish'" in unknown.output and "yeast" in unknown.output


def test_a_profile_naming_an_unknown_mechanism_is_refused_at_its_line(tmp_path, monkeypatch):
    text = (load_chassis("yeast").source and open(load_chassis("yeast").source).read())
    bad = tmp_path / "myhost.yaml"
    bad.write_text(text.replace("name: yeast", "name: myhost").replace("      host_ribosomes:", "      warp_drive:"))
    with pytest.raises(ChassisError, match="unknown mechanism.*warp_drive"):
        load_chassis(str(bad))


def test_runtimes_run_on_each_chassis_with_its_cell_cycle(tmp_path):
    """The runtime API's names (``yeast``, ``ecoli``, ``minimal``), its VM on the chassis's own
    mechanisms, the chassis's growth temperature and its replication forks."""
    from bioxen.api import GenomicVirtualizationManager
    from bioxen.errors import ConfigError

    genome = write_synthetic_genbank(tmp_path / "SYN00005.1.gb", genes=2, table=4, with_rna=False)
    periods = {}
    for alias, pool, code, temperature in (("ecoli", "orthogonal", "recode", 37), ("yeast", "host", "recode", 30),
                                           ("minimal", "host", "native", 37)):
        manager = GenomicVirtualizationManager(chassis=alias, work_dir=tmp_path / alias)
        runtime = manager.load_genome_runtime(str(genome), "small")
        vm = pipeline.check(runtime.policy_path).vms[0]
        assert (vm.pool, vm.parts.genetic_code) == (pool, code), alias
        context = manager.create_cellular_context(runtime, {"temperature": temperature})
        context.run(60)
        assert context.status()["vm_protein"] > 0
        periods[alias] = context.checkpoint().c_period_min
        wrong = 37 if temperature == 30 else 30
        with pytest.raises(ConfigError, match=f"temperature {wrong} is outside"):
            manager.create_cellular_context(runtime, {"temperature": wrong})
    assert periods["yeast"] == pytest.approx(periods["ecoli"] * 100 / 27)       # 27 bp/s forks against 100


def test_each_chassis_names_its_host_metabolism(shared, monkeypatch, tmp_path):
    """E. coli: COBRApy's core model; Syn3A: iMB155; yeast: Yeast9, fetched (not shipped: 11.8 MB)."""
    from bioxen.api.metabolism import host_flux_balance
    from bioxen.errors import MetabolismError

    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(tmp_path / "cache"))
    ecoli, syn3a = host_flux_balance(load_chassis("ecoli")), host_flux_balance(load_chassis("syn3a"))
    assert ecoli.status == syn3a.status == "optimal"
    assert ecoli.growth_per_h == pytest.approx(0.8739, rel=1e-3) and syn3a.reactions == 340
    assert syn3a.host_growth_per_h == pytest.approx(60 * 0.6931 / 105, rel=0.01)
    with pytest.raises(MetabolismError, match=r"yeast-GEM\.xml not found") as caught:
        host_flux_balance(load_chassis("yeast"))
    assert "bioxen data fetch yeast-gem" in caught.value.errors[0].hint


def test_a_data_set_published_inside_a_wheel_is_taken_from_it(tmp_path, monkeypatch):
    """yeast-gem's file is a member of the wheel its URL names: fetch takes that member from the
    archive (or the file itself) and checks it against the published SHA-256."""
    import zipfile

    from bioxen.data.fetch import fetch

    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(tmp_path / "cache"))
    wheel = tmp_path / "other.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("yEscher/yeastModel/input_model/yeast-GEM.xml", "<sbml/>")
    with pytest.raises(BioxenError, match=r"is not yeast-GEM\.xml as published: 7 bytes"):
        fetch("yeast-gem", str(wheel))
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("README", "no model here")
    with pytest.raises(BioxenError, match=r"holds no yEscher/yeastModel/input_model/yeast-GEM\.xml"):
        fetch("yeast-gem", str(wheel))
    assert not (tmp_path / "cache" / "data" / "yeast-GEM.xml").exists()


def test_round_robin_in_yeast_takes_turns_by_transcription(tmp_path):
    """Round robin on a chassis whose gate is the transcription gate: the VMs' promoters open in turn."""
    genome = write_synthetic_genbank(tmp_path / "SYN00006.1.gb", table=4)
    policy = write_policy(tmp_path / "rr.yaml", f"""
schema_version: 1
host: {{chassis: yeast}}
scheduler: {{policy: round_robin, quantum: 60 min}}
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
simulate: {{until: 360 min}}
""")
    out = tmp_path / "out"
    pipeline.build(policy, out, ("sbml",))
    rr = _roadrunner((out / "model.xml").read_text())
    table = advance(rr, 0, 360, 361, ["time", "transcription_gate_vm1", "transcription_gate_vm2"])
    turns = [(g1 > 0.5, g2 > 0.5) for _, g1, g2 in table[5::10]]
    assert all(a != b for a, b in turns), turns                       # one VM's promoters open at a time
    assert {a for a, _ in turns} == {True, False}                     # and each has its turns


@pytest.mark.slow
@pytest.mark.parametrize("name", ["syn3a_host", "yeast_host"])
def test_each_chassis_policy_compiles_runs_and_reports(name, genome_path, shared, monkeypatch, tmp_path):
    """models/policies/<chassis>_host.yaml: `bioxen run` end to end; PAUSE at 3 h shuts the VM's
    transcription and its translation falls by RESUME at 5 h, then recovers."""
    import json

    import pandas as pd

    from conftest import ROOT

    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    out = tmp_path / name
    result = CliRunner().invoke(app, ["run", str(ROOT / "models" / "policies" / f"{name}.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert (out / "report.html").is_file() and metrics
    # the DNA's lifetime takes the chassis's recombination: Syn3A has no RecA
    assert metrics["dna"]["lifetime"]["recombination"] == {"syn3a_host": "recA-", "yeast_host": "recA+"}[name]
    flux = pd.read_csv(out / "results.csv").set_index("time_min")["vm1_translation_flux"]
    assert flux.loc[299] < 0.5 * flux.loc[179]
    assert flux.loc[480] > 0.8 * flux.loc[179]


def _user_profile(tmp_path, edit) -> str:
    """A copy of the shipped E. coli profile, renamed, with ``edit`` applied to its text."""
    text = open(load_chassis("ecoli").source).read().replace("name: ecoli_mg1655", "name: myhost")
    path = tmp_path / "myhost.yaml"
    path.write_text(edit(text))
    return str(path)


def test_a_profile_written_before_the_hal_is_the_bacterial_host(tmp_path):
    """A user's own profile without a hardware section keeps every mechanism and table 11, so
    designs on it compile as before."""
    legacy = _user_profile(tmp_path, lambda t: t[:t.index("# What this cell offers")])   # the last section
    chassis = load_chassis(legacy)
    assert chassis.genetic_code == 11 and chassis.volume == 1.0
    assert chassis.hardware.has("translation", "orthogonal_ribosomes") and chassis.hardware.degron_tags is None
    design = run_passes(read_design(_policy(tmp_path, legacy)))
    assert design.vms[0].pool == "orthogonal" and design.gate == "ribosome" and design.vms[0].parts.tag_name == "pdt1"


def test_a_profile_naming_a_tag_the_library_lacks_is_refused_at_the_policy_chassis(tmp_path):
    bad = _user_profile(tmp_path, lambda t: t.replace("  genetic_code: 11\n", "  genetic_code: 11\n  degron_tags: [pdt2, pdt99]\n"))
    with pytest.raises(BioxenError, match=r"degron_tags 'pdt99' are not tags of parts library isolation") as caught:
        read_design(_policy(tmp_path, bad))
    assert caught.value.errors[0].location.line == 2        # host: {chassis: ...}


def test_a_profile_offering_and_lacking_one_mechanism_is_refused(tmp_path):
    bad = _user_profile(tmp_path, lambda t: t.replace("  offers:\n", "  lacks: {host_ribosomes: why not}\n  offers:\n"))
    with pytest.raises(ChassisError, match="host_ribosomes is also offered"):
        load_chassis(bad)


def test_yeast_refuses_two_level_round_robin(tmp_path):
    policy = _policy(tmp_path, "yeast", extra="""scheduler: {policy: round_robin, quantum: 10 min, groups: [[vm1], [vm2]],
            group_quantum: 30 min}""").read_text().replace(
        "vms:\n", "vms:\n  - {id: vm2, genome: SYN00004.1.gb, genetic_code: recode}\n")
    with pytest.raises(BioxenError, match="cannot allocate translation by orthogonal_ribosomes"):
        read_design(write_policy(tmp_path / "groups.yaml", policy))


def test_bioxen_check_refuses_with_the_line_and_exit_code(tmp_path):
    policy = _policy(tmp_path, "yeast", "ribosomes: {share: 0.2, pool: orthogonal}")
    result = CliRunner().invoke(app, ["check", str(policy)])
    assert result.exit_code != 0 and f"{policy.name}:4:" in result.output and "host_ribosomes" in result.output


def test_recoding_picks_codons_the_host_reads_as_meant():
    """A guest stop in a host whose code reads TAA and TAG as Gln (table 6) becomes TGA, its only stop."""
    from bioxen.backend.images import amino_acid, host_codon

    assert host_codon("TAA", 11, host=6) == "TGA" and host_codon("TGA", 4) == "TGG"
    for codon in ("TAA", "TAG", "TGA", "CTG", "ATA", "AGA"):
        for guest, host in ((11, 4), (4, 11), (11, 6), (11, 3), (2, 11)):
            assert amino_acid(host_codon(codon, guest, host), host) == amino_acid(codon, guest), (codon, guest, host)


def test_a_runtime_on_a_chassis_given_by_path(tmp_path):
    from bioxen.api import GenomicVirtualizationManager

    copy = tmp_path / "my_yeast.yaml"
    copy.write_text(open(load_chassis("yeast").source).read().replace("name: yeast", "name: lab_yeast"))
    genome = write_synthetic_genbank(tmp_path / "SYN00007.1.gb", genes=2, table=4, with_rna=False)
    runtime = GenomicVirtualizationManager(chassis=str(copy), work_dir=tmp_path / "w").load_genome_runtime(str(genome), "g")
    design = pipeline.check(runtime.policy_path)
    assert design.chassis.name == "lab_yeast" and design.vms[0].pool == "host"


def test_an_older_parts_library_needs_the_residual_only_for_the_transcription_gate(tmp_path):
    import re

    library = open(read_design(_policy(tmp_path, "ecoli", name="e")).parts.source).read()
    older = tmp_path / "older.yaml"
    older.write_text(re.sub(r"\ntranscription_gate:\n  residual: [^\n]*", "", library))
    for chassis, works in (("ecoli", True), ("yeast", False)):
        policy = _policy(tmp_path, chassis, extra=f"isolation: {{parts: {older}}}", name=chassis)
        if works:
            pipeline.compile(pipeline.load(policy))
        else:
            with pytest.raises(BioxenError, match="needs transcription_gate.residual"):
                pipeline.compile(pipeline.load(policy))


def test_the_transcription_gate_is_said_to_be_model_only_on_every_chassis(tmp_path):
    from bioxen.backend.isolation import design_warnings

    design = run_passes(read_design(_policy(tmp_path, "ecoli", extra="isolation: {gate: transcription}")))
    assert any("transcription gate" in w and "model only" in w for w in design_warnings(design))
