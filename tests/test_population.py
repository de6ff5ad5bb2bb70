"""Cells of a small synthetic VM: SSA division conserves every molecule, daughters go on alone,
and populations grow over generations on Dask."""
from __future__ import annotations

import numpy as np
import pytest

from bioxen.api import GenomicVirtualizationManager
from bioxen.errors import SimulationError
from bioxen.runtime.simulate import inventories
from conftest import write_synthetic_genbank


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    directory = tmp_path_factory.mktemp("population")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    return GenomicVirtualizationManager(work_dir=directory).load_genome_runtime(str(genome), "small")


def test_ssa_division_partitions_every_molecule_and_daughters_continue(runtime):
    manager = GenomicVirtualizationManager()
    context = manager.create_cellular_context(runtime, method="ssa", seed=3)
    context.run(0.6)                                           # 0.01 min of whole-molecule SSA
    cell = context.cell
    with pytest.raises(SimulationError, match="not ready to divide"):
        cell.divide()
    content = cell.content()
    first, second = cell.shares(np.random.default_rng(7))
    assert np.array_equal(first + second, np.rint(content))     # every molecule, exactly
    assert np.all(first == np.rint(first)) and np.all(first >= 0)
    host = cell.species.index("protein_host_q")
    assert first[host] != second[host]                          # a binomial split, not halves
    assert abs(first[host] - content[host] / 2) < 5 * np.sqrt(content[host] / 4)
    daughters = [cell.daughter(i, share) for i, share in enumerate((first, second), start=1)]
    # inventories (ribosome inventory, tag counters) are not molecules: each daughter's is the sum it counts
    molecules = [i for i, s in enumerate(cell.species) if s not in inventories(cell.species)]
    assert len(molecules) == len(cell.species) - 2
    for daughter, share in zip(daughters, (first, second)):
        assert np.array_equal(daughter.content()[molecules], share[molecules])     # born with its share
        daughter.run(0.01)
        assert daughter.time == pytest.approx(cell.time + 0.01)
    assert not np.array_equal(daughters[0].amounts(), daughters[1].amounts())


def test_ode_division_halves_the_doubled_cell(runtime):
    manager = GenomicVirtualizationManager()
    context = manager.create_cellular_context(runtime)
    division = manager.process_cell_division_event(context)
    mother = division.mother.cell
    first, second = (d.cell for d in division.daughters)
    assert np.allclose(first.content(), mother.content() / 2) and np.allclose(second.content(), first.content())
    assert 20 < division.grew_min < 60                          # the host's doubling time
    assert first.mass_ratio == pytest.approx(mother.mass_ratio / 2)


@pytest.mark.slow
def test_a_population_over_generations_on_dask(runtime):
    manager = GenomicVirtualizationManager()
    table = manager.run_population(runtime, cells=4, generations=3, seed=11, workers=2)
    assert len(table) == 12 and sorted(table["generation"].unique()) == [0, 1, 2]
    assert table["division_time_min"].between(20, 60).all()
    founders = table[table["generation"] == 0]
    later = table[table["generation"] == 2]
    assert founders["small_protein_at_division"].std() == pytest.approx(0, abs=1e-6)  # identical founders
    assert later["small_protein_at_division"].std() > 0           # partitioning noise spreads them
    assert all(lineage.count(".") == 2 for lineage in later["lineage"])
    # a daughter is born when its mother divides
    for _, row in later.iterrows():
        mother = table[table["lineage"] == row["lineage"].rsplit(".", 1)[0]]
        if len(mother):
            assert row["born_min"] == pytest.approx(float(mother["born_min"].iloc[0] + mother["division_time_min"].iloc[0]))


@pytest.mark.slow
def test_a_hybrid_cell_grows_to_division_and_shares_whole_molecules(runtime):
    """A hybrid cell (exact low-copy expression, ODE pools) doubles in the host's time and its
    daughters share every molecule of it binomially."""
    manager = GenomicVirtualizationManager()
    context = manager.create_cellular_context(runtime, method="hybrid", seed=5)
    division = manager.process_cell_division_event(context)
    mother = division.mother.cell
    first, second = (d.cell for d in division.daughters)
    assert 20 < division.grew_min < 60
    molecules = [i for i, s in enumerate(mother.species) if s not in inventories(mother.species)]
    total = (first.content() + second.content())[molecules]
    assert np.array_equal(total, np.rint(mother.content())[molecules])
    assert not np.array_equal(first.content(), second.content())
    table = first.run(5)
    assert (table["small_protein_total"] > 0).all() and first.method == "hybrid"
