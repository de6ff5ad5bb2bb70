"""The hybrid method against exact SSA and against the ODE.

Exact SSA of a BioXen build is not affordable (the host's energy pool alone fires ~1.2e7 events
a minute), so the SSA comparison runs on a small design with the same mechanisms: two genes
whose mRNAs (a few to ten copies) bind a shared pool of free ribosomes, whose elongation rate
is a Michaelis-Menten function of a small, fast energy pool (~30 molecules renewed ~3,000 times a
minute), and whose translating ribosomes spend that energy. The hybrid's partition puts the
energy pool's two reactions in the ODE and everything else in exact steps, as it does on a
whole cell. Both methods start from the same state and run 20 minutes, 200 times each.

The statistics compared (mean, variance, Fano factor of each gene's mRNA and protein, at 10 and
20 min) are within 3 standard errors of their difference: the mean's from the two sample
variances, the variance's from the sample fourth moments, the Fano factor's by the delta method.
The energy pool's mean is compared too; its variance is not: a continuous species carries no
noise of its own in a hybrid run (it follows the noise of the genes that use it), so its
variance is asserted to be a small fraction of the exact one, which is what the scheme claims.

On a compiled build (a host with a synthetic VM), the hybrid's host means match the ODE's.
"""
from __future__ import annotations

import logging

import numpy as np
import pytest

from bioxen.runtime.hybrid import Hybrid, continuous_reactions

pytestmark = pytest.mark.slow

RUNS, UNTIL, TIMES = 200, 20.0, (10.0, 20.0)
SPECIES = ("E", "R", "m1", "C1", "P1", "m2", "C2", "P2")
COMPARED = ("m1", "P1", "m2", "P2")          # each gene's mRNA and protein

TWO_GENES = """\
# two genes sharing a ribosome pool; translation pays from a small, fast energy pool
begin parameters
    1 v_in 3000
    2 k_maint 100
    3 g_use 40
    4 K_e 5
    5 k_el 8
    6 w_R 30
    7 d_R 0.05
    8 w_1 2
    9 w_2 0.5
    10 d_m 0.2
    11 k_b 0.002
    12 k_u 1
    13 d_p 0.1
end parameters
begin species
    1 E() 15
    2 R() 600
    3 m1() 0
    4 C1() 0
    5 P1() 0
    6 m2() 0
    7 C2() 0
    8 P2() 0
end species
begin functions
    1 energy_use() k_maint+g_use*translating/(K_e+energy)
    2 elongation() k_el*energy/(K_e+energy)
end functions
begin reactions
    1 0 1 v_in #energy_import
    2 1 0 energy_use #energy_use
    3 0 2 w_R #ribosome_synthesis
    4 2 0 d_R #ribosome_dilution
    5 0 3 w_1 #transcription_1
    6 3 0 d_m #decay_1
    7 3,2 4 k_b #initiation_1
    8 4 3,2 k_u #unbinding_1
    9 4 3,2,5 elongation #elongation_1
    10 5 0 d_p #protein_loss_1
    11 0 6 w_2 #transcription_2
    12 6 0 d_m #decay_2
    13 6,2 7 k_b #initiation_2
    14 7 6,2 k_u #unbinding_2
    15 7 6,2,8 elongation #elongation_2
    16 8 0 d_p #protein_loss_2
end reactions
begin groups
    1 energy 1
    2 translating 4,7
end groups
"""


def moments(x: np.ndarray) -> dict[str, tuple[float, float]]:
    """Mean, variance and Fano factor of a sample, each with its standard error."""
    n, mean, var = len(x), x.mean(), x.var(ddof=1)
    m3, m4 = ((x - mean) ** 3).mean(), ((x - mean) ** 4).mean()
    se_mean = np.sqrt(var / n)
    se_var = np.sqrt(max(m4 - var * var * (n - 3) / (n - 1), 0.0) / n)
    fano = var / mean
    # delta method: Var(s2/m) ~ (s2/m)^2 [Var(s2)/s2^2 + Var(m)/m^2 - 2 Cov(s2, m)/(s2 m)], Cov = m3/n
    se_fano = fano * np.sqrt(max(se_var ** 2 / var ** 2 + se_mean ** 2 / mean ** 2 - 2 * (m3 / n) / (var * mean), 0.0))
    return {"mean": (mean, se_mean), "variance": (var, se_var), "Fano factor": (fano, se_fano)}


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """(exact, hybrid): arrays runs x times x species, from the same initial state."""
    import bngsim

    net = tmp_path_factory.mktemp("hybrid") / "two_genes.net"
    net.write_text(TWO_GENES)
    logging.getLogger("bngsim").setLevel(logging.ERROR)
    pristine = bngsim.Model.from_net(str(net))
    grid = [0.0, *TIMES]
    rows = [round(t / UNTIL * 20) for t in grid]
    exact = np.array([bngsim.Simulator(pristine.clone(), method="ssa")      # a run advances its model
                      .run(t_span=(0.0, UNTIL), n_points=21, seed=10_000 + run).species[rows[1:]]
                      for run in range(RUNS)])
    hybrid = np.array([Hybrid(net, seed=run).simulate(UNTIL, 21).species[rows[1:]] for run in range(RUNS)])
    return exact, hybrid, net


def test_the_partition_puts_the_energy_pool_in_the_ode(samples):
    _, _, net = samples
    run = Hybrid(net, seed=1)
    assert np.flatnonzero(run.partition).tolist() == [0, 1]          # energy_import, energy_use
    assert run.repartitions == 0


@pytest.mark.parametrize("species", COMPARED)
def test_hybrid_statistics_match_exact_ssa(samples, species):
    exact, hybrid, _ = samples
    k = SPECIES.index(species)
    for i, t in enumerate(TIMES):
        a, b = moments(exact[:, i, k]), moments(hybrid[:, i, k])
        for statistic in a:
            (x, se_x), (y, se_y) = a[statistic], b[statistic]
            z = (y - x) / np.hypot(se_x, se_y)
            assert abs(z) < 3, f"{species} {statistic} at {t:g} min: exact {x:.3f}, hybrid {y:.3f} (z = {z:.2f})"


def test_gene_expression_is_noisy_as_theory_says(samples):
    """Not a comparison but what both must show: mRNA near Poisson (Fano ~1), protein bursty
    (Fano well above 1: each mRNA makes several proteins before it decays)."""
    exact, hybrid, _ = samples
    for sample in (exact, hybrid):
        for gene in ("1", "2"):
            mrna, protein = (moments(sample[:, -1, SPECIES.index(s + gene)])["Fano factor"][0] for s in ("m", "P"))
            assert 0.7 < mrna < 1.3 and protein > 2.5


def test_the_continuous_pool_keeps_the_mean_and_loses_its_own_noise(samples):
    exact, hybrid, _ = samples
    k = SPECIES.index("E")
    a, b = moments(exact[:, -1, k]), moments(hybrid[:, -1, k])
    (x, se_x), (y, se_y) = a["mean"], b["mean"]
    assert abs(y - x) < 3 * np.hypot(se_x, se_y)
    assert b["variance"][0] < 0.1 * a["variance"][0]


def test_partition_criteria():
    """A fast reaction whose species are abundant or renewed within the step is continuous; one
    that changes a low-copy, slowly renewed species is exact, however fast it fires."""
    import scipy.sparse as sparse

    # species: 0 abundant (5,000); 1 low (3) and renewed 6.7 times a step (400/min); 2 low (10) but
    # renewed 50 times a step (1e4/min). Steps of 0.05 min.
    S = sparse.csc_array(np.array([[1, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]]))
    amounts = np.array([5000.0, 3.0, 10.0])
    a = np.array([1e4, 1e4, 400, 1e4])
    assert continuous_reactions(S, a, amounts, 0.05).tolist() == [True, True, False, True]
    slow = np.array([1.0, 1e4, 400, 1e4])          # reaction 0 fires 0.05 times a step
    assert continuous_reactions(S, slow, amounts, 0.05).tolist() == [False, True, False, True]
    # hysteresis: a continuous reaction stays so at half its criterion, a discrete one waits for twice it
    near = np.array([150.0, 1e4, 400, 1e4])          # 7.5 firings a step: below 10, above 5
    assert continuous_reactions(S, near, amounts, 0.05, previous=np.array([True] * 4))[0]
    assert not continuous_reactions(S, near * 2, amounts, 0.05, previous=np.array([False] * 4))[0]


BIRTH_DEATH = """\
begin parameters
    1 k {k}
    2 d {d}
end parameters
begin species
    1 X() {x0}
end species
begin reactions
    1 0 1 k #birth
    2 1 0 d #death
end reactions
begin groups
    1 X 1
end groups
"""


def test_a_network_all_exact_or_all_continuous_runs(tmp_path):
    """Slow birth and death at ten molecules: both reactions exact, no ODE side, the Poisson
    mean and variance; fast birth and death at 1e5 molecules: both continuous, no exact side,
    the ODE's steady state exactly."""
    slow = tmp_path / "slow.net"
    slow.write_text(BIRTH_DEATH.format(k=1.0, d=0.1, x0=10))
    ends = np.array([Hybrid(slow, seed=s).simulate(30.0, 2).species[-1, 0] for s in range(100)])
    first = Hybrid(slow, seed=0)
    assert first.ode is None and not first.partition.any()
    # from exactly 10 the variance relaxes to the mean as 1 - exp(-0.1 t): 95% by 30 min
    assert abs(ends.mean() - 10) < 3 * np.sqrt(10 / 100) and 0.6 < ends.var() / ends.mean() < 1.4
    fast = tmp_path / "fast.net"
    fast.write_text(BIRTH_DEATH.format(k=1e5, d=1.0, x0=5e4))
    run = Hybrid(fast, seed=0)
    assert run.ssa is None and run.partition.all()
    end = run.simulate(20.0, 3).species[-1, 0]
    assert end == pytest.approx(1e5 - 5e4 * np.exp(-20.0), rel=1e-4)
