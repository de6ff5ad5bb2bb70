"""A VM's own kinetics and per-gene expression factors in a policy (``kinetics:``,
``expression:``): what each does to the compiled model's parameters, and to the cell's
behaviour, and the errors a bad one gives."""
import math
import re

import libsbml
import pytest
import sympy
from pysb.bng import generate_equations

from bioxen.backend.compile import compile_design, outputs_spec
from bioxen.backend.model import build_model
from bioxen.backend.network import canonical_key, expand_network
from bioxen.errors import CompileError, PolicyError
from bioxen.frontend import read_design
from bioxen.passes import PIPELINE
from bioxen.runtime.simulate import Outputs, load_simulator, simulate_sbml
from conftest import ROOT, synthetic_policy

VM = """
vms:
  - id: vm1
    genome: {genome}
    ribosomes: {{share: 0.2, pool: orthogonal}}
    genetic_code: recode
"""


def _policy(directory, extra: str = "", resolution: str = "gene"):
    """The one-VM synthetic design, with ``extra`` lines (YAML, braces doubled) added to its VM."""
    directory.mkdir(parents=True, exist_ok=True)
    body = VM + f"    resolution: {resolution}\n" + extra
    return synthetic_policy(directory, "kinetics", body)


def _compiled(directory, extra: str = "", resolution: str = "gene"):
    return compile_design(read_design(_policy(directory, extra, resolution)))


def _parameters(build, prefix: str) -> dict[str, float]:
    return {p.name: p.value for p in build.builder.model.parameters if p.name.startswith(prefix)}


def _after(build, minutes: float = 60.0):
    """libRoadRunner at ``minutes`` of the compiled model."""
    rr = load_simulator(libsbml.writeSBMLToString(build.sbml))
    rr.simulate(0, minutes, 3)
    return rr


def _table(build, minutes: float = 60.0):
    return simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs.from_spec(outputs_spec(build)),
                         minutes, 3).iloc[-1]


def _mrna_by_gene(rr) -> dict[str, float]:
    """Every VM gene's mRNA (free, on ribosomes of any pool, paired with the gate sRNA)."""
    found: dict[str, float] = {}
    for sid in rr.model.getFloatingSpeciesIds():
        match = re.match(r"mRNA_vm1_(SYN__\d+)", sid)
        if match:
            found[match.group(1)] = found.get(match.group(1), 0.0) + rr[sid]
    return found


# -- expression factors ---------------------------------------------------------------------------

def test_an_expression_factor_scales_that_genes_transcription_and_mrna_only(tmp_path):
    wild = _compiled(tmp_path / "wild")
    halved = _compiled(tmp_path / "halved", "    expression: {{synA: 0.5}}\n")   # gene name of SYN_0001
    assert halved.design.vms[0].expression == (("SYN_0001", 0.5),)
    w_wild, w_halved = _parameters(wild, "w_vm1_"), _parameters(halved, "w_vm1_")
    assert w_halved["w_vm1_SYN__0001"] == w_wild["w_vm1_SYN__0001"] / 2      # exactly: not calibrated away
    assert {k: v for k, v in w_halved.items() if k != "w_vm1_SYN__0001"} == \
        {k: v for k, v in w_wild.items() if k != "w_vm1_SYN__0001"}
    before, after = _mrna_by_gene(_after(wild)), _mrna_by_gene(_after(halved))
    assert 0.4 < after["SYN__0001"] / before["SYN__0001"] < 0.6
    for gene in set(before) - {"SYN__0001"}:
        assert after[gene] == pytest.approx(before[gene], rel=0.03)


def test_a_lumped_unit_gets_its_members_scaled_transcription(tmp_path):
    """Operon SYN_0001-SYN_0002 (equal weights): halving one member leaves the unit 3/4."""
    wild = _compiled(tmp_path / "wild", resolution="operon")
    halved = _compiled(tmp_path / "halved", "    expression: {{SYN_0001: 0.5}}\n", resolution="operon")

    def unit(build):
        return next(u for u in build.design.vms[0].units if "SYN_0001" in u.locus_tags)
    assert unit(wild).locus_tags == ("SYN_0001", "SYN_0002")
    assert unit(halved).max_transcription == pytest.approx(0.75 * unit(wild).max_transcription, rel=1e-12)


# -- kinetics -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_faster_rna_polymerase_scales_every_unit_and_the_gate_srna(tmp_path):
    reference = _compiled(tmp_path / "reference", "    kinetics: {{transcription_nt_per_s: 50}}\n")
    default = _compiled(tmp_path / "default")
    doubled = _compiled(tmp_path / "doubled", "    kinetics: {{transcription_nt_per_s: 100}}\n")
    assert _parameters(reference, "w_") == _parameters(default, "w_")     # 50 nt/s is the chassis's
    w_default, w_doubled = _parameters(default, "w_vm1_"), _parameters(doubled, "w_vm1_")
    assert len(w_default) == 7 and w_doubled == {k: 2 * v for k, v in w_default.items()}
    # the gates are sized on the scaled transcription: the ribosome gate (default) and the sRNA gate
    for gate in ("w_gate_vm1", "w_antigate_vm1"):
        assert _parameters(doubled, gate)[gate] == pytest.approx(2 * _parameters(default, gate)[gate], rel=1e-12)
    assert doubled.design.vms[0].srna_transcription == 2 * default.design.vms[0].srna_transcription


def _aa_made_per_min(build, rr) -> float:
    """Σ over every elongation reaction of its flux times the length of what it makes."""
    total = 0.0
    for reaction in build.reaction_ids:
        if reaction.startswith("elongation_"):
            gene = re.sub(r"(_on_(host|o\d+))?(_defective)?$", "", reaction.removeprefix("elongation_"))
            total += rr[reaction] * rr[f"n_{gene}"]
    return total


@pytest.mark.slow
def test_translation_speed_scales_the_vms_elongation_and_counts_in_energy(tmp_path):
    default = _compiled(tmp_path / "default")
    fast = _compiled(tmp_path / "fast", "    kinetics: {{translation_aa_per_s: 30}}\n")
    slow = _compiled(tmp_path / "slow", "    kinetics: {{translation_aa_per_s: 10}}\n")
    model = fast.builder.model
    assert _parameters(fast, "elongation_factor") == {"elongation_factor_vm1": 30 * 60 / 1260}
    assert not _parameters(default, "elongation_factor")
    factor = model.parameters["elongation_factor_vm1"]
    rates = {e.name: e.expr.free_symbols for e in model.expressions if e.name.startswith("translation_rate_")}
    scaled = {name for name, symbols in rates.items() if factor in symbols}
    vm_genes = ("translation_rate_vm1_", "translation_rate_reporter_vm1")    # its genes' and reporter's
    assert scaled == {name for name in rates if name.startswith(vm_genes)}
    assert "translation_rate_host_r" in rates and "translation_rate_protease_vm1" in rates
    energy_use = model.expressions["energy_use_rate_constant"].expr.free_symbols
    assert {factor, model.observables["vm1_ribosomes_elongating"]} <= energy_use
    assert "elongation_factor_vm1" not in str(default.builder.model.expressions["energy_use_rate_constant"].expr)

    flux = {name: _table(build)["vm1_translation_flux"] for name, build in
            (("default", default), ("fast", fast), ("slow", slow))}
    assert flux["fast"] > 1.1 * flux["default"] and flux["slow"] < 0.9 * flux["default"], flux
    for build in (default, fast, slow):       # energy is used per amino acid made
        rr = _after(build)
        made = _aa_made_per_min(build, rr)
        assert rr["energy_use_rate_constant"] * rr["energy_level"] == pytest.approx(made, rel=1e-9)
        # growth counts ribosomes at the host's speed (rules/growth.py): exact without a VM speed
        host_speed = rr["elongation_rate"] * rr["ribosomes_translating"]
        assert rr["growth_rate"] * rr["M"] == pytest.approx(host_speed, rel=1e-9)
        assert (made == pytest.approx(host_speed, rel=1e-9)) == (build is default)


@pytest.mark.slow
def test_half_lives_set_the_vms_decay_rates_and_lower_its_mrna_and_protein(tmp_path):
    default = _compiled(tmp_path / "default")
    proteins = _compiled(tmp_path / "proteins", "    kinetics: {{protein_half_life: 10 min}}\n")
    mrnas = _compiled(tmp_path / "mrnas", "    kinetics: {{mrna_half_life: 30 s}}\n")
    assert _parameters(proteins, "d_protein_pdt1")["d_protein_pdt1"] == pytest.approx(math.log(2) / 10)
    decays = _parameters(mrnas, "d_mRNA_")
    assert decays["d_mRNA_vm1_SYN__0001"] == decays["d_mRNA_reporter_vm1"] == pytest.approx(math.log(2) / 0.5)
    assert decays["d_mRNA_protease_vm1"] == _parameters(default, "d_mRNA_protease_vm1")["d_mRNA_protease_vm1"]
    assert _parameters(default, "d_mRNA_vm1_SYN__0001")["d_mRNA_vm1_SYN__0001"] == 0.1      # the chassis's
    assert _table(proteins)["vm1_protein_total"] < 0.6 * _table(default)["vm1_protein_total"]
    assert sum(_mrna_by_gene(_after(mrnas)).values()) < 0.75 * sum(_mrna_by_gene(_after(default)).values())


def test_own_expansion_equals_bionetgen_with_kinetics(tmp_path):
    """The rewritten growth law and the shared factor survive BNGL export and BNG2.pl."""
    design = read_design(_policy(tmp_path, "    kinetics: {{translation_aa_per_s: 30, mrna_half_life: 2 min}}\n"
                                           "    expression: {{synB: 2}}\n"))
    for _, apply in PIPELINE:
        design = apply(design)
    ours, _ = build_model(design)
    assert expand_network(ours.model) == "bioxen"
    reference, _ = build_model(design)
    generate_equations(reference.model)

    def reactions(model):
        names = {sympy.Symbol(f"__s{i}"): sympy.Symbol(canonical_key(cp)) for i, cp in enumerate(model.species)}
        return sorted(str(sympy.expand(r["rate"].xreplace(names))) for r in model.reactions)
    assert reactions(ours.model) == reactions(reference.model)


# -- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("extra, error, line, message", [
    ("    expression: {{lacZ: 0.5, synA: 2}}\n", CompileError, 8,
     "VM 'vm1': expression factors name genes the genome lacks: lacZ"),
    ("    knockouts: [synB]\n    expression: {{SYN_0002: 0.5}}\n", CompileError, 9,
     "genes both knocked out and given an expression factor: SYN_0002"),
    ("    expression: {{synA: 0}}\n", PolicyError, 8, "an expression factor must be > 0"),
    ("    kinetics: {{translation_speed: 15}}\n", PolicyError, 8, "unknown key 'translation_speed'"),
    ("    kinetics: {{translation_aa_per_s: -15}}\n", PolicyError, 8,
     "translation_aa_per_s: Input should be greater than 0"),
    ("    kinetics: {{transcription_nt_per_s: 500}}\n", PolicyError, 8,
     "transcription_nt_per_s: Input should be less than or equal to 200"),
    ("    kinetics: {{mrna_half_life: 0 s}}\n", PolicyError, 8, "a half-life must be longer than 0"),
    ("    kinetics: {{protein_half_life: 60}}\n", PolicyError, 8, "has no unit"),
])
def test_bad_kinetics_and_expression_are_errors_at_their_line(tmp_path, extra, error, line, message):
    policy = _policy(tmp_path, extra)
    with pytest.raises(error) as raised:
        compile_design(read_design(policy))
    text = str(raised.value)
    assert message in text and f"{policy}:{line}:" in text, text
    if "expression factor must be" in message:
        assert "knockouts" in text
    if "unknown key" in message:
        assert "translation_aa_per_s" in text        # the hint lists the allowed keys


def test_transcription_speed_needs_the_chassiss_reference_speed(tmp_path):
    chassis = (ROOT / "compiler" / "data" / "chassis" / "ecoli_mg1655.yaml").read_text()
    kept = [line for line in chassis.splitlines() if not line.lstrip().startswith("transcription_elongation:")]
    (tmp_path / "chassis_lacking.yaml").write_text("\n".join(kept) + "\n")
    policy = synthetic_policy(tmp_path, "lacking", "host: {{chassis: chassis_lacking.yaml}}\n" + VM.lstrip() +
                              "    kinetics: {{transcription_nt_per_s: 60}}\n")
    with pytest.raises(PolicyError, match=f"{policy}:8:.*transcription_nt_per_s is relative to the guest "
                                          "quantity 'transcription_elongation', which chassis"):
        read_design(policy)
