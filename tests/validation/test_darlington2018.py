"""Validation against Darlington et al. 2018 (Nat Commun 9:695; code apsduk/Nat-Commun-2018 = NC):
orthogonal ribosome pools reduce the coupling between co-expressed genes, and the o-rRNA
feedback controller reduces the coupling of the genes on its pool further, at a cost in
absolute expression.

Coupling, as in NC figure_resource_allocation_by_pool_separation.m: gene A's promoter is swept
(NC: w_A from 1 to 1000 at w_B = 100; here its compiled ``w_<unit>`` from 1/8 to 32 times its
compiled value, in the compiled SBML) and gene B's steady-state protein is read. The coupling is
how far B moves from its level at the bottom of the sweep, max |p_B/p_B(bottom) - 1| (B's fall
when B only falls); NC's own measure, the slope of p_B against p_A (here normalised by their
values at the bottom of the sweep), is asserted beside it. The numbers are printed in the
"measured" section of the test summary (tests/conftest.py) and are part of the assertion messages.
"""
import numpy as np
import pytest

from conftest import write_policy
from validation_support import compile_policy, steady_state, write_genes_genbank

INDUCTION = [2.0 ** k for k in range(-3, 6)]   # times A's compiled transcription


def _sweep(rr, promoter: str, protein_a: str, protein_b: str) -> dict:
    """Steady states over A's induction: p_A, p_B, growth, and the coupling measures."""
    compiled = rr[promoter]
    rows = []
    for fold in INDUCTION:
        rr[promoter] = compiled * fold
        state = steady_state(rr, ["growth_rate", protein_a, protein_b])
        rows.append((state[protein_a], state[protein_b], 60 * state["growth_rate"]))
    rr[promoter] = compiled
    p_a, p_b, growth = np.array(rows).T
    slope = np.polyfit(p_a / p_a[0], p_b / p_b[0], 1)[0]
    coupling = float(np.max(np.abs(p_b / p_b[0] - 1)))
    return {"p_a": p_a, "p_b": p_b, "growth": growth, "coupling": coupling, "slope": slope}


def _line(name: str, s: dict) -> str:
    return (f"  {name}: coupling {100 * s['coupling']:.1f}% (p_B {s['p_b'][0]:,.0f} -> {s['p_b'][-1]:,.0f}, "
            f"between {s['p_b'].min():,.0f} and {s['p_b'].max():,.0f}) while A "
            f"rises {s['p_a'][-1] / s['p_a'][0]:.1f}x (p_A {s['p_a'][0]:,.0f} -> {s['p_a'][-1]:,.0f}); "
            f"normalised slope dp_B/dp_A {s['slope']:+.4f}; growth {s['growth'][0]:.3f} -> {s['growth'][-1]:.3f} 1/h")


@pytest.fixture(scope="module")
def genomes(tmp_path_factory):
    directory = tmp_path_factory.mktemp("circuits")
    return {"A": write_genes_genbank(directory / "GEN00001.1.gb", seed=1),
            "B": write_genes_genbank(directory / "GEN00002.1.gb", seed=2),
            "AB": write_genes_genbank(directory / "GEN00003.1.gb", genes=2, seed=3)}


def _two_vms(tmp_path, genomes, pool_b: str) -> dict:
    """Gene A and gene B as two VMs with one-gene genomes, A on host ribosomes, B on ``pool_b``."""
    policy = write_policy(tmp_path / f"ab_{pool_b}.yaml", f"""
schema_version: 1
vms:
  - {{id: geneA, genome: {genomes['A']}, ribosomes: {{share: 0.1, pool: host}}}}
  - {{id: geneB, genome: {genomes['B']}, ribosomes: {{share: 0.1, pool: {pool_b}}}}}
""")
    _, rr = compile_policy(policy)
    return _sweep(rr, "w_geneA_GEN__A", "geneA_protein_total", "geneB_protein_total")


def test_separate_ribosome_pools_reduce_coupling(tmp_path, genomes, record_property):
    """Darlington 2018, NC figure_resource_allocation_by_pool_separation.m ('h-RFP-h-GFP' vs
    'h-RFP-o-GFP'): the induced gene A stays on host ribosomes; gene B on host ribosomes too, or
    on its own orthogonal pool. B falls less when the two genes use different pools."""
    shared = _two_vms(tmp_path, genomes, "host")
    separate = _two_vms(tmp_path, genomes, "orthogonal")
    report = ("coupling of B to A's induction (A on host ribosomes, share 0.1 each):\n"
              + _line("A host, B host      ", shared) + "\n" + _line("A host, B orthogonal", separate))
    record_property("measured", report)
    assert shared["p_a"][-1] / shared["p_a"][0] > 4 and separate["p_a"][-1] / separate["p_a"][0] > 4, report
    assert separate["coupling"] < shared["coupling"], report
    assert abs(separate["slope"]) < abs(shared["slope"]), report


def _one_pool(tmp_path, genomes, pool: str, controller: bool, share: float) -> dict:
    """Genes A and B in one VM (a two-gene genome), so both use the VM's pool, as both circuit
    genes use the controlled o-ribosome pool in NC figure_controller_analysis.m."""
    ribosomes = f"{{share: {share}, pool: {pool}, controller: {str(controller).lower()}}}"
    policy = write_policy(tmp_path / f"one_{pool}_{controller}_{share}.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genomes['AB']}, ribosomes: {ribosomes}}}
""")
    _, rr = compile_policy(policy)
    return _sweep(rr, "w_vm1_GEN__A", "protein_vm1_GEN__A", "protein_vm1_GEN__B")


@pytest.mark.parametrize("share", [0.3, 0.5])
@pytest.mark.slow
def test_orthogonal_ribosome_controller_reduces_coupling_at_a_cost(tmp_path, genomes, share,
                                                                    record_property):
    """Darlington 2018 Fig. 6 (NC figure_controller_analysis.m: both genes on the o-ribosome pool,
    open loop 'o-ribo' vs 'Controller'): with the o-rRNA under the feedback controller, inducing
    A takes o-ribosomes, the controller's repressor (made by the same o-ribosomes) falls and more
    o-rRNA is made, so B moves less than in the open pool and less than with both genes on host
    ribosomes; the repressor's own load on the pool costs absolute expression.

    Not reproduced below share 0.2 (measured: shares 0.1 and 0.15): with NC's controller
    constants the repressor's mRNAs hold most of a small pool and the controller over-compensates,
    so B rises 2.3x (share 0.1) and 1.4x (0.15) as A is induced, more than the open pool's fall.
    At share 0.2 it is a tie since the model's proteins carry their degron's length (as the
    VM image builds them): coupling 0.817 with the controller against 0.810 on host ribosomes
    and 0.951 in the open pool (measured 2026-12-01), so the test starts at 0.3."""
    host = _one_pool(tmp_path, genomes, "host", False, share)
    open_loop = _one_pool(tmp_path, genomes, "orthogonal", False, share)
    controlled = _one_pool(tmp_path, genomes, "orthogonal", True, share)
    cost = open_loop["p_b"][INDUCTION.index(1.0)] / controlled["p_b"][INDUCTION.index(1.0)]
    report = (f"coupling of B to A's induction, both genes in one VM, share {share}:\n"
              + _line("host ribosomes        ", host) + "\n" + _line("orthogonal, open loop ", open_loop) + "\n"
              + _line("orthogonal, controller", controlled)
              + f"\n  cost: at A's compiled transcription B makes {cost:.1f}x less protein with the controller")
    record_property("measured", report)
    assert controlled["coupling"] < open_loop["coupling"] and controlled["coupling"] < host["coupling"], report
    assert abs(controlled["slope"]) < abs(open_loop["slope"]) and abs(controlled["slope"]) < abs(host["slope"]), \
        report
    assert cost > 1, report
