"""Biological behaviour of compiled models: growth laws, burden, guest steady state."""
import math

import libsbml
import numpy as np
import pytest
import roadrunner

from bioxen.backend.compile import compile_design
from bioxen.chassis import load_chassis
from bioxen.frontend import read_design
from bioxen.runtime.simulate import Outputs, simulate_sbml
from bioxen.runtime.steady import host_design, host_steady_state
from conftest import write_policy


def _steady_host(**overrides):
    build = compile_design(host_design(load_chassis("ecoli_mg1655"), overrides))
    rr = roadrunner.RoadRunner(libsbml.writeSBMLToString(build.sbml))
    growth, ribosomes = rr.simulate(0, 20_000, 3, ["growth_rate", "ribosomes_all"])[-1]
    n_r, mass = rr["n_host_r"], rr["M"]
    return growth, n_r * ribosomes / mass


def test_host_alone_doubles_in_20_to_120_minutes():
    growth, _ = _steady_host()
    assert 20 <= math.log(2) / growth <= 120


def test_ribosomal_fraction_rises_with_growth_as_nutrient_quality_improves():
    """Weisse et al. 2015 growth law: phi_R rises about linearly with growth rate."""
    points = [_steady_host(n_s=q) for q in (0.1, 0.2, 0.35, 0.5, 0.8)]
    growth, fraction = np.array(points).T
    assert np.all(np.diff(growth) > 0), growth
    assert np.all(np.diff(fraction) > 0), fraction
    slope, intercept = np.polyfit(growth, fraction, 1)
    assert slope > 0 and np.corrcoef(growth, fraction)[0, 1] > 0.95


def test_chassis_steady_state_is_current():
    chassis = load_chassis("ecoli_mg1655")
    computed = host_steady_state(chassis)
    for key, value in chassis.steady_state.items():
        assert computed[key] == pytest.approx(value, rel=1e-4), key


def _run(policy, until=360.0):
    build = compile_design(read_design(policy))
    from bioxen.backend.compile import outputs_spec
    spec = outputs_spec(build)
    return simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs(spec["host"], spec["vms"]),
                         until, 73)


def test_guest_burdens_the_host_and_settles(small_policy):
    alone, _ = _steady_host()
    table = _run(small_policy, 720.0)  # a new o-ribosome pool builds at the pace of growth
    assert table["growth_rate_per_min"].iloc[-1] < 0.97 * alone
    protein = table["vm1_protein_total"]
    assert protein.iloc[0] == 0 and protein.iloc[-1] > 1000
    late = protein[table["time_min"] >= 600]
    assert (late.max() - late.min()) / late.iloc[-1] < 0.01
    assert table["vm1_translation_flux"].iloc[-1] > 0


def test_larger_share_costs_more_growth(tmp_path, synthetic_genbank):
    growth = []
    for share in (0.1, 0.3):
        policy = write_policy(tmp_path / f"p{share}.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {synthetic_genbank}, genetic_code: recode, ribosomes: {{share: {share}}}}}
""")
        growth.append(_run(policy)["growth_rate_per_min"].iloc[-1])
    assert growth[1] < growth[0]
