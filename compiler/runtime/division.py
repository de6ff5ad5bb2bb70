"""Cell division: one cell's molecules shared between two daughters.

- Deterministic (ODE) runs halve every amount.
- Stochastic (SSA) runs partition each molecule independently: a species with n molecules
  gives Binomial(n, 1/2) to the first daughter and the rest to the second (symmetric division
  without active segregation; Huh & Paulsson 2011, Nat Genet 43:95, for why this noise
  matters). Every count is conserved exactly: the daughters sum to the mother.

Inventory species (the ribosome inventory, each protease tag's counter: :func:`simulate.inventories`)
are not partitioned on their own: each daughter's inventory is the sum of the molecules it
counts in that daughter, so the identities the model's rates rely on hold in both daughters,
and the two inventories still sum to the mother's.
"""
from __future__ import annotations

import numpy as np

from bioxen.errors import SimulationError
from bioxen.runtime.simulate import METHODS, restore_inventories


def halve(amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ODE division: each daughter gets half of every amount."""
    half = np.asarray(amounts, dtype=float) / 2.0
    return half, half.copy()


def partition(amounts: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """SSA division: each molecule goes to either daughter with probability 1/2."""
    amounts = np.asarray(amounts, dtype=float)
    counts = np.rint(amounts)
    if np.any(np.abs(amounts - counts) > 1e-9) or np.any(counts < 0):
        raise SimulationError("binomial division needs whole, non-negative molecule counts "
                              "(an SSA state); divide an ODE state with method 'ode'")
    first = rng.binomial(counts.astype(np.int64), 0.5).astype(float)
    return first, counts - first


def daughters(rr, method: str, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The floating-species amounts of the two daughters of the cell simulated by ``rr``
    (libRoadRunner), in the model's species order; ``rr`` is left as it was."""
    if method not in METHODS:
        raise SimulationError(f"unknown method '{method}' (expected one of: {', '.join(METHODS)})")
    model = rr.model
    mother = np.array(model.getFloatingSpeciesAmounts(), dtype=float)
    split = partition(mother, rng or np.random.default_rng()) if method == "ssa" else halve(mother)
    try:
        for daughter in split:
            model.setFloatingSpeciesAmounts(daughter)
            restore_inventories(rr)
            daughter[:] = model.getFloatingSpeciesAmounts()
    finally:
        model.setFloatingSpeciesAmounts(mother)
    return split
