"""Cell division: ODE states halve, SSA states split binomially and conserve every molecule;
inventories stay equal to what they count; daughters run on independently."""
import numpy as np
import pytest

from bioxen.errors import SimulationError
from bioxen.runtime.division import daughters, partition
from bioxen.runtime.simulate import inventories, load_simulator


@pytest.fixture(scope="module")
def grown(orthogonal_vm_sbml):
    """A one-VM cell (orthogonal pool, tagged proteins) grown 2 h by ODE: its SBML and state."""
    rr = load_simulator(orthogonal_vm_sbml)
    rr.simulate(0, 120, 3)
    return orthogonal_vm_sbml, rr


def _consistent(rr, amounts) -> bool:
    """Whether every inventory in ``amounts`` equals the sum it counts."""
    ids = list(rr.model.getFloatingSpeciesIds())
    mother = rr.model.getFloatingSpeciesAmounts()
    rr.model.setFloatingSpeciesAmounts(amounts)
    found = all(abs(amounts[ids.index(inv)] - rr[total]) <= 1e-9 * max(1.0, abs(rr[total]))
                for inv, total in inventories(ids).items())
    rr.model.setFloatingSpeciesAmounts(mother)
    return found


def test_an_ode_cell_divides_into_two_halves(grown):
    _, rr = grown
    mother = rr.model.getFloatingSpeciesAmounts().copy()
    first, second = daughters(rr, "ode")
    assert np.allclose(first, mother / 2, rtol=1e-12) and np.array_equal(first, second)
    assert np.array_equal(rr.model.getFloatingSpeciesAmounts(), mother)    # the mother is untouched
    assert len(inventories(rr.model.getFloatingSpeciesIds())) >= 2 and _consistent(rr, first)


def test_an_ssa_cell_partitions_every_molecule_and_the_daughters_sum_to_the_mother(grown):
    sbml, rr = grown
    cell = load_simulator(sbml, "ssa", seed=11, initial=rr.model.getFloatingSpeciesAmounts())
    cell.simulate(0, 0.002, 2)
    mother = cell.model.getFloatingSpeciesAmounts().copy()
    assert np.array_equal(mother, np.round(mother)) and mother.sum() > 1e5
    first, second = daughters(cell, "ssa", np.random.default_rng(5))
    ids = list(cell.model.getFloatingSpeciesIds())
    counted = inventories(ids)
    molecules = [i for i, sid in enumerate(ids) if sid not in counted]
    assert np.array_equal((first + second)[molecules], mother[molecules])     # every molecule conserved
    # an inventory is diluted by its own reaction, so in SSA it drifts from what it counts by a few
    # molecules; each daughter's is what it holds, so together they count the mother's molecules
    for inventory, total in counted.items():
        assert first[ids.index(inventory)] + second[ids.index(inventory)] == cell[total]
    assert np.array_equal(first, np.round(first)) and first.min() >= 0 and second.min() >= 0
    assert not np.array_equal(first, second)                  # binomial, not halves
    big = mother > 1000
    assert np.all(np.abs(first[big] / mother[big] - 0.5) < 0.1)
    assert _consistent(cell, first) and _consistent(cell, second)
    # each daughter is a cell of its own: it runs on, and its inventories stay exact
    runs = []
    for seed, daughter in ((1, first), (2, second)):
        child = load_simulator(sbml, "ssa", seed=seed, initial=daughter)
        assert np.array_equal(child.model.getFloatingSpeciesAmounts(), daughter)
        child.simulate(0, 0.002, 2)
        runs.append(child.model.getFloatingSpeciesAmounts().copy())
        assert _consistent(child, runs[-1])
    assert not np.array_equal(runs[0] - first, runs[1] - second)


def test_binomial_division_refuses_fractional_amounts():
    with pytest.raises(SimulationError, match="whole, non-negative"):
        partition(np.array([1.5, 2.0]), np.random.default_rng(0))
    with pytest.raises(SimulationError, match="unknown method"):
        daughters(None, "tau-leap")
