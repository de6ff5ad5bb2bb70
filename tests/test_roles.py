"""Meaning travels as data: every component carries its role from the rules to the back ends.

One small three-VM design (two orthogonal pools, one with the feedback controller and its own
elongation speed, one VM on host ribosomes, proteases, sRNA gates, the ATP guard,
chloramphenicol) is compiled once; a round-robin clock is added to its model directly (the clock
pass is slow). The SBO terms and the VM, gene and cross-talk accounts read from roles must
equal what the names said before roles existed: the name tables below are that old reading,
kept here only as the reference.
"""
from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from bioxen.backend.compile import compile_design, locus_map, outputs_spec
from bioxen.backend.model import build_model
from bioxen.commands import inducer_name
from bioxen.errors import CompileError
from bioxen.frontend import read_design
from bioxen.ir import RingClock
from bioxen.roles import KINDS, MOLECULE_KINDS, RULE_KINDS, Role
from bioxen.rules import Builder
from conftest import synthetic_policy

BACKEND = Path(__file__).resolve().parents[1] / "compiler" / "backend"

# sbml.py's prefix tables before roles (first match wins): the reference the roles must reproduce
OLD_MONOMER_SBO = (("mRNA_", 250), ("rRNA_", 250), ("sRNA_", 250), ("RNA_", 250), ("gate_", 250), ("antigate_", 250),
                   ("ribosomal_protein", 252), ("ribosome_inventory", 245), ("stalled_ribosome", 296),
                   ("ribosome", 296), ("protein_", 252), ("defective_protein", 252),
                   ("fluorescent_", 252), ("clock_repressor", 252), ("energy", 247), ("nutrient", 247))
OLD_RULE_SBO = (("transcription", 183), ("elongation", 184), ("translation_consumes", 176),
                ("translation", 184), ("initiation", 177), ("assembly", 177), ("pairing", 177),
                ("stalling", 177), ("disassembly", 180), ("dissociation", 180), ("unbinding", 180),
                ("decay", 179), ("proteolysis", 179), ("dilution", 179), ("maturation", 182),
                ("nutrient_import", 185), ("catabolism", 176))


def _old_sbo(name: str, table, default: int) -> int:
    return next((term for prefix, term in table if name.startswith(prefix)), default)


def _old_owned_by(monomer: str, vm: str) -> bool:
    return monomer.startswith((f"mRNA_{vm}_", f"protein_{vm}_", f"RNA_{vm}_")) or monomer in (
        f"sRNA_{vm}", f"gate_{vm}", f"antigate_{vm}", f"mRNA_reporter_{vm}", f"protein_reporter_{vm}",
        f"fluorescent_reporter_{vm}")


def _old_ribosomes(monomers) -> int:
    return sum(name == "ribosome" or name.startswith("ribosome_o") for name in monomers)


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    policy = synthetic_policy(tmp_path_factory.mktemp("roles"), "roles", """
name: roles
host: {{chloramphenicol: 2 uM}}
scheduler: {{policy: priority, atp_guard: {{threshold: 4}}}}
vms:
  - id: vm1
    genome: {genome}
    genetic_code: recode
    priority: 2
    essential: [SYN_0001]
    ribosomes: {{share: 0.15, pool: orthogonal, controller: true}}
    kinetics: {{translation_aa_per_s: 15}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, priority: 1, ribosomes: {{share: 0.15, pool: orthogonal}}}}
  - {{id: vm3, genome: {genome}, genetic_code: recode, priority: 1, ribosomes: {{share: 0.1, pool: host}}}}
""")
    return compile_design(read_design(policy))


@pytest.fixture(scope="module")
def clocked(build) -> Builder:
    """The design's model with a three-node clock ring gating its VMs (made by the rules)."""
    design = dataclasses.replace(build.design, clock=RingClock(
        quantum=30.0, turns=("vm1", "vm2", "vm3"), nodes=3, node_of=(0, 1, 2), degradation=0.05,
        gate_threshold=100.0, period=90.0))
    builder, _ = build_model(design)
    return builder


def _every_component_has_a_role(builder: Builder) -> None:
    model = builder.model
    missing = [c.name for c in [*model.monomers, *model.rules] if c.name not in builder.roles]
    assert not missing, f"components without a role: {missing[:10]}"
    assert all(builder.roles[m.name].kind in MOLECULE_KINDS for m in model.monomers)
    assert all(builder.roles[r.name].kind in RULE_KINDS for r in model.rules)
    assert {role.kind for role in builder.roles.values()} <= set(KINDS)


def test_every_monomer_and_rule_has_a_role(build, clocked):
    for builder in (build.builder, clocked):
        _every_component_has_a_role(builder)
    kinds = {role.kind for role in clocked.roles.values()}
    assert {"repressor", "protease", "srna", "orthogonal_ribosome", "stalled_ribosome", "fluorescent_protein",
            "degron_counter", "inducer", "proteolysis_rate", "stalling", "maturation", "pairing"} <= kinds


def test_sbo_terms_from_roles_are_what_the_names_said(build, clocked):
    for builder in (build.builder, clocked):
        for monomer in builder.model.monomers:
            assert builder.roles[monomer.name].sbo == _old_sbo(monomer.name, OLD_MONOMER_SBO, 245), monomer.name
        for rule in builder.model.rules:
            assert builder.roles[rule.name].sbo == _old_sbo(rule.name, OLD_RULE_SBO, 176), rule.name
    model = build.sbml.getModel()
    for sid, cp in zip(build.species_ids, build.builder.model.species):
        terms = [_old_sbo(mp.monomer.name, OLD_MONOMER_SBO, 245) for mp in cp.monomer_patterns]
        expected = terms[0] if len(terms) == 1 else (297 if all(t == 252 for t in terms) else 296)
        assert model.getSpecies(sid).getSBOTerm() == expected, sid
    for rid, r in zip(build.reaction_ids, build.builder.model.reactions_bidirectional):
        assert model.getReaction(rid).getSBOTerm() == _old_sbo(r["rule"][0], OLD_RULE_SBO, 176), rid


def test_inducers_are_the_parameters_commands_change(build):
    model = build.sbml.getModel()
    inducers = {name for name, role in build.builder.roles.items() if role.kind == "inducer"}
    assert inducers == {inducer_name(command, vm) for command in ("create", "destroy", "pause", "boot")
                        for vm in ("vm1", "vm2", "vm3")}
    assert all(not model.getParameter(name).getConstant() for name in inducers)


def test_vm_species_are_the_vms_molecules(build):
    spec, builder = outputs_spec(build), build.builder
    species = dict(zip(build.species_ids, build.builder.model.species))
    for vm in ("vm1", "vm2", "vm3"):
        listed = spec["vms"][vm]["species"]
        expected = {}
        for sid, cp in species.items():
            names = [mp.monomer.name for mp in cp.monomer_patterns]
            if any(_old_owned_by(name, vm) for name in names):
                expected[sid] = _old_ribosomes(names)
        assert listed == expected
        for sid, held in listed.items():
            roles = builder.species_roles(species[sid])
            assert any(role.vm == vm for role in roles)
            assert held == sum(role.kind in ("ribosome", "orthogonal_ribosome") for role in roles)
        kinds = {role.kind for sid in listed for role in builder.species_roles(species[sid]) if role.vm == vm}
        assert kinds == {"mRNA", "protein", "rna", "srna", "fluorescent_protein"}
        assert max(listed.values()) == 1        # an mRNA holds one ribosome at a time


def test_crosstalk_accounts_from_roles(build):
    spec, builder = outputs_spec(build)["crosstalk"], build.builder
    rules = [r.name for r in builder.model.rules]
    pools = {"vm1": "o1", "vm2": "o2", "vm3": "host"}
    for vm, o in zip(("vm1", "vm2", "vm3"), build.outputs):
        account = spec["vms"][vm]
        assert account["offtarget_elongations"] == [r for r in o.elongation_rules if "_on_" in r]
        assert {builder.roles[r].pool for r in account["offtarget_elongations"]} == set(pools.values()) - {pools[vm]}
        tag = build.design.vms[int(vm[-1]) - 1].parts.tag_name
        assert account["tagged"] == f"tagged_{tag}"
        assert account["foreign_proteolysis"] == [f"proteolysis_rate_{tag}_by_{other}" for other in pools
                                                  if other != vm and f"proteolysis_rate_{tag}_by_{other}" in
                                                  {e.name for e in builder.model.expressions}]
    host = spec["host_offtarget_elongations"]
    assert host == [r for r in rules if r.startswith("elongation_host_") and "_on_" in r]
    assert host and {builder.roles[r].pool for r in host} == {"o1", "o2"}


def test_gene_accounts_from_roles(build):
    accounts, builder = outputs_spec(build)["hypervisor"], build.builder
    model = builder.model
    rules = [r.name for r in model.rules]
    assert {"controller_o1", "atp_guard", "protease_vm3", "reporter_vm2"} <= set(accounts)
    for gene, account in accounts.items():
        assert account["elongation_reactions"] == [
            r for r in rules if r == f"elongation_{gene}" or r.startswith(f"elongation_{gene}_on_")
            or r == f"elongation_{gene}_defective"]
        assert account["length_aa"] == model.parameters[f"n_{gene}"].value
        translating = {}
        for sid, cp in zip(build.species_ids, model.species):
            names = [mp.monomer.name for mp in cp.monomer_patterns]
            if f"mRNA_{gene}" in names and _old_ribosomes(names):
                translating[sid] = _old_ribosomes(names)
        assert account["translating"] == translating and translating


def test_locus_map_says_what_each_species_is_made_of(build):
    """Species ids join monomer names with ``__``, which mangled gene names contain too: the
    composition is data in locus_map.json, never split from the id."""
    found = locus_map(build)
    ambiguous = [sid for sid in found["species_monomers"] if sid.count("__") >= len(found["species_monomers"][sid])]
    assert "mRNA_vm1_SYN__0001__ribosome_o1" in ambiguous
    assert found["species_monomers"]["mRNA_vm1_SYN__0001__ribosome_o1"] == ["mRNA_vm1_SYN__0001", "ribosome_o1"]
    assert found["monomer_roles"]["mRNA_vm1_SYN__0001"] == {"kind": "mRNA", "vm": "vm1", "gene": "vm1_SYN__0001",
                                                             "pool": "o1", "sbo": 250}
    assert found["monomer_roles"]["ribosome_o1"] == {"kind": "orthogonal_ribosome", "pool": "o1", "sbo": 296}
    assert list(found["species_monomers"]) == list(found["species"])
    assert {m for monomers in found["species_monomers"].values() for m in monomers} <= set(found["monomer_roles"])


def test_a_component_without_a_role_is_a_clear_error():
    import doctest

    import bioxen.roles
    assert doctest.testmod(bioxen.roles).failed == 0
    builder = Builder("norole")
    builder.monomer("mystery")
    with pytest.raises(CompileError, match="'mystery' has no role"):
        builder.role_of("mystery")
    with pytest.raises(ValueError, match="unknown role kind 'mrna'"):
        Role("mrna")


# Name parsing the back ends must not do: (file, functions checked (None: the whole file)).
NO_NAME_PARSING = {
    "compile.py": ("_ribosomes_held", "_vm_species", "_gene_accounts", "_crosstalk_spec"),
    "model.py": None,
    "sbml.py": None,
}
PARSING_METHODS = {"startswith", "endswith", "removeprefix", "removesuffix", "split", "rsplit", "partition"}


def _parsing(tree) -> list[str]:
    """String methods that take names apart, and ``"literal" in name`` tests."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PARSING_METHODS:
            found.append(f"line {node.lineno}: .{node.func.attr}(")
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str) \
                and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            found.append(f"line {node.lineno}: {node.left.value!r} in ...")
    return found


@pytest.mark.parametrize("file", sorted(NO_NAME_PARSING))
def test_back_ends_do_not_parse_component_names(file):
    tree = ast.parse((BACKEND / file).read_text(encoding="utf-8"))
    functions = NO_NAME_PARSING[file]
    scopes = [tree] if functions is None else \
        [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name in functions]
    assert functions is None or len(scopes) == len(functions)
    assert [hit for scope in scopes for hit in _parsing(scope)] == []


def test_builder_puts_each_component_in_its_models_set_as_pysb_does():
    """Builder adds components to the model's set of their kind (as Model.add_component does):
    each belongs to the model, a second of the same name is refused, and a kind the Builder
    has no set for still goes through PySB."""
    from pysb import Tag
    from pysb.core import ComponentDuplicateNameError

    from bioxen.rules import Builder

    b = Builder("sets")
    m = b.monomer("m", ["s"])
    k = b.parameter("k", 1.0, "1/min")
    e = b.expression("e", k * 2)
    o = b.observable("o_total", m())
    r = b.rule("decay_m", m() >> None, k)
    tag = b._add(Tag("x", _export=False))
    for component, kind in ((m, "monomers"), (k, "parameters"), (e, "expressions"), (o, "observables"),
                            (r, "rules"), (tag, "tags")):
        assert getattr(b.model, kind)[component.name] is component and component.model() is b.model
    assert set(b.model.components) == {m, k, e, o, r, tag}
    with pytest.raises(ComponentDuplicateNameError):
        b.parameter("k", 2.0)
