"""model.net: BioNetGen's network file, written from the compiler's own network.

Checked against the file BNG2.pl writes for the same rules (generate_network on model.bngl),
and run in bngsim against libRoadRunner on model.xml.
"""
import re
import subprocess
from collections import Counter

import numpy as np
from pysb.pathfinder import get_path

from bioxen.backend.compile import compile_design, write_build
from bioxen.frontend import read_design
from bioxen.runtime.engines import simulate
from bioxen.runtime.simulate import simulate_build
from conftest import write_policy


def _molecule(text: str) -> str:
    name, _, sites = text.partition("(")
    return f"{name}({','.join(sorted(sites.rstrip(')').split(',')))})" if sites else name


def _canonical(species: str) -> str:
    """A BNGL species with its sites and molecules sorted and bonds renumbered in that order."""
    molecules = sorted((_molecule(m) for m in species.split(".")), key=lambda m: re.sub(r"!\d+", "!", m))
    bonds: dict[str, str] = {}
    text = ".".join(molecules)
    return re.sub(r"!(\d+)", lambda m: "!" + bonds.setdefault(m.group(1), str(len(bonds) + 1)), text)


def _block(text: str, name: str) -> list[list[str]]:
    body = text[text.index(f"begin {name}"):text.index(f"end {name}")].splitlines()[1:]
    return [line.split("#")[0].split() for line in body if line.strip()]


def _network(text: str):
    """Species (canonical), reactions as (reactants, products, rate constant, rule) and groups,
    all by species name rather than index."""
    species = {row[0]: _canonical(row[1]) for row in _block(text, "species")}
    names = lambda field: tuple(sorted(species[i] for i in field.split(",") if i != "0"))  # noqa: E731
    rules = [line.split("#")[1].strip() for line in
             text[text.index("begin reactions"):text.index("end reactions")].splitlines()[1:] if "#" in line]
    reactions = Counter((names(r[1]), names(r[2]), r[3], rule) for r, rule in zip(_block(text, "reactions"), rules))
    groups = {row[1]: sorted((species[i.split("*")[-1]], i.split("*")[0] if "*" in i else "1")
                             for i in (row[2].split(",") if len(row) > 2 else []))
              for row in _block(text, "groups")}
    return set(species.values()), reactions, groups


def test_model_net_is_the_network_bionetgen_generates(tmp_path, synthetic_genbank):
    policy = write_policy(tmp_path / "two.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {synthetic_genbank.name}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {synthetic_genbank.name}, genetic_code: recode, ribosomes: {{share: 0.1, pool: host}}}}
""")
    out = write_build(compile_design(read_design(policy)), tmp_path / "build", ["sbml", "bngl", "net"])
    ours = (out / "model.net").read_text()
    bngl = (out / "model.bngl").read_text()
    reference = tmp_path / "bng" / "model.bngl"
    reference.parent.mkdir()
    reference.write_text(bngl[:bngl.index("begin actions")] + "begin actions\n  generate_network({overwrite=>1})\n"
                         "end actions\n")
    subprocess.run(["perl", get_path("bng"), reference.name], cwd=reference.parent, check=True,
                   capture_output=True, timeout=300)
    theirs = (reference.parent / "model.net").read_text()
    species, reactions, groups = _network(ours)
    bng_species, bng_reactions, bng_groups = _network(theirs)
    assert species == bng_species
    assert reactions == bng_reactions
    assert groups == bng_groups
    assert len(species) > 100 and sum(reactions.values()) > 300
    # the same functions, by name (BNG prints the same expressions, maybe rearranged)
    assert {r[1] for r in _block(ours, "functions")} == {r[1] for r in _block(theirs, "functions")}


def test_bngsim_on_model_net_matches_libroadrunner_on_model_xml(tmp_path, small_policy):
    out = write_build(compile_design(read_design(small_policy)), tmp_path / "build", ["sbml", "net"])
    reference = simulate_build(out, 360.0, 73)
    table = simulate(out, 360.0, 73, engine="bngsim")
    assert table.attrs["engine"] == "bngsim"
    assert list(table.columns) == list(reference.columns)
    worst = 0.0
    for column in reference.columns:
        ours, theirs = table[column].to_numpy(), reference[column].to_numpy()
        if np.all(np.isnan(theirs)):
            assert np.all(np.isnan(ours)), column
            continue
        scale = max(np.nanmax(np.abs(theirs)), 1e-9)
        worst = max(worst, float(np.nanmax(np.abs(ours - theirs)) / scale))
    print(f"worst column difference, bngsim on model.net vs libRoadRunner: {worst:.2g}")
    assert worst < 1e-4


def test_the_bngl_model_is_pysbs_own_export(small_policy):
    """model.bngl's model block is exactly what pysb.export writes: BioXen only grows PySB's text
    in place (linear time; pysb.export took 42 s for three Syn3A VMs: benchmarks/README.md)."""
    from pysb.export import export
    from bioxen.backend.bngl import bngl_model

    model = compile_design(read_design(small_policy)).builder.model
    assert bngl_model(model) == export(model, "bngl")
