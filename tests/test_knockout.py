"""Gene knockouts in a policy: the gene leaves the model, the VM's other genes gain its share of
the VM's ribosomes, and a gene the genome lacks is an error."""
import libsbml
import pytest

from bioxen.backend.compile import compile_design
from bioxen.errors import CompileError
from bioxen.frontend import read_design
from bioxen.runtime.simulate import load_simulator
from conftest import synthetic_policy

VM = "  - {{id: vm1, genome: {genome}, ribosomes: {{share: 0.2, pool: orthogonal}}, genetic_code: recode{extra}}}\n"


def _compiled(tmp_path, extra: str = ""):
    tmp_path.mkdir(parents=True, exist_ok=True)
    policy = synthetic_policy(tmp_path, "ko", "vms:\n" + VM.replace("{extra}", extra))
    return compile_design(read_design(policy))


def _proteins_after_2h(build) -> dict[str, float]:
    rr = load_simulator(libsbml.writeSBMLToString(build.sbml))
    rr.simulate(0, 120, 3)
    return {s: rr[s] for s in rr.model.getFloatingSpeciesIds() if s.startswith("protein_vm1_")}


def _locus_tags(build) -> set[str]:
    return {tag for tags in build.builder.monomer_tags.values() for tag in tags}


def test_a_knocked_out_gene_leaves_the_model_and_frees_ribosomes_for_the_others(tmp_path):
    wild = _compiled(tmp_path / "wild")
    mutant = _compiled(tmp_path / "mutant", ", knockouts: [synB]")     # gene name of SYN_0002
    assert "SYN_0002" in _locus_tags(wild) and "SYN_0002" not in _locus_tags(mutant)
    assert not any("SYN__0002" in sid for sid in mutant.species_ids)
    before, after = _proteins_after_2h(wild), _proteins_after_2h(mutant)
    assert set(before) - set(after) == {"protein_vm1_SYN__0002"}
    for protein, amount in after.items():        # less competition for the VM's pool
        assert amount > before[protein] * 1.001


def test_knocking_out_a_gene_the_genome_lacks_is_an_error(tmp_path):
    with pytest.raises(CompileError, match="VM 'vm1': knocked-out genes the genome lacks: lacZ"):
        _compiled(tmp_path, ", knockouts: [lacZ, synA]")


def test_a_gene_cannot_be_both_essential_and_knocked_out(tmp_path):
    with pytest.raises(CompileError, match="both essential and knocked out: SYN_0001"):
        _compiled(tmp_path, ", essential: [SYN_0001], knockouts: [synA]")
