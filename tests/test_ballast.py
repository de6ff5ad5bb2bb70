"""A ballast PAUSE (parts switch ``ribosome_gate.ballast``): the gate RNA carries a short reading frame,
so the o-ribosomes it holds keep elongating and the paused pool uses the energy it used running.
Without it the paused pool's energy lifts the other VMs (issue 20: +23% on three Syn3A VMs)."""
import pytest
from Bio.Seq import Seq

from bioxen.backend.compile import compile_design
from bioxen.backend.images import BALLAST_PEPTIDE, hypervisor_records
from bioxen.frontend import read_design
from bioxen.report.neighbours import CommandBench
from conftest import write_policy, write_synthetic_genbank


def _policy(directory, ballast: int):
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb", genes=2, with_rna=False)
    vms = "\n".join(f"  - {{id: vm{i}, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}"
                    for i in (1, 2, 3))
    return write_policy(directory / f"ballast{ballast}.yaml", f"""schema_version: 1
isolation: {{set: {{ribosome_gate.ballast: {ballast}}}}}
vms:
{vms}
simulate: {{until: 60 min, points: 61}}
""")


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp("ballast")
    return {b: compile_design(read_design(_policy(directory, b))) for b in (0, 1)}


def test_held_ribosomes_count_as_translating_only_with_ballast(builds):
    for ballast, build in builds.items():
        builder = build.builder
        # translating = all ribosomes - those not translating: idle, and the gates' held
        # complexes unless they elongate a ballast
        model = builder.model
        assert {s.name for s in model.expressions["ribosomes_translating"].expr.free_symbols} == \
            {"ribosome_inventory_level", "ribosomes_not_translating"}
        idle = {str(cp) for cp in model.observables["ribosomes_idle"].reaction_pattern.complex_patterns}
        held = {str(model.observables[f"vm{i}_pool_blocked"].reaction_pattern.complex_patterns[0]) for i in (1, 2, 3)}
        not_translating = {str(cp) for cp in model.observables["ribosomes_not_translating"].reaction_pattern.complex_patterns}
        assert not_translating == (idle if ballast else idle | held), ballast


def test_a_ballast_pause_keeps_the_other_vms_where_they_were(builds):
    lift = {}
    for ballast, build in builds.items():
        found = CommandBench(build).effect("vm1", "pause", windows=(60.0,))
        assert found.own_flux[60.0] < 0.1, ballast           # the VM is paused either way
        lift[ballast] = found.worst(60.0)
    print(f"neighbours' largest flux change 60 min after vm1's PAUSE: {lift}")
    assert lift[1] < 0.02 and lift[1] < lift[0] / 3


def test_the_gate_rnas_carry_distinct_ballast_frames_in_the_dna(builds):
    records = {b: hypervisor_records(build.design) for b, build in builds.items()}
    frames = {}
    for ballast, found in records.items():
        for record in found:
            for feature in record.features:
                label = feature.qualifiers.get("label", [""])[0]
                if not label.startswith("gate RNA vm"):
                    continue
                rna = str(feature.extract(record.seq))
                start = len(rna) - 3 * (len(BALLAST_PEPTIDE) + 1)     # the frame ends the RNA
                if ballast:
                    assert str(Seq(rna[start:]).translate()) == BALLAST_PEPTIDE + "*", label
                    frames[label] = rna[start:]
                else:
                    assert "ballast" not in feature.qualifiers["note"][0]
    assert len(frames) == 3 and len(set(frames.values())) == 3    # one frame per VM, each its own codons
