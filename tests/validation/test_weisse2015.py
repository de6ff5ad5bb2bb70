"""Validation against Weisse et al. 2015 (PNAS 112:E1038): the compiled host reproduces the
published model and its behaviour.

Every number comes from compiled models (policy or host design -> compile_design -> SBML ->
libRoadRunner). The numbers are printed in the "measured" section of the test summary
(tests/conftest.py, also under xdist) and are part of the assertion messages.
"""
import math

import numpy as np
import pytest

from bioxen.chassis import load_chassis
from conftest import write_policy
from published_models import published_steady_state
from validation_support import (compile_host, compile_policy, linear_fit, ribosomal_fraction, steady_state,
                                write_genes_genbank)

HOST = ["growth_rate", "ribosomes_all", "energy_level", "ribosomes_free"]


def _host_point(**overrides) -> tuple[float, float]:
    """(growth rate 1/h, ribosomal mass fraction) of the compiled host alone at steady state."""
    _, rr = compile_host(**overrides)
    state = steady_state(rr, HOST)
    return 60 * state["growth_rate"], ribosomal_fraction(rr, state)


def test_ribosomal_fraction_rises_linearly_with_growth_across_nutrient_qualities(record_property):
    """Weisse 2015, after Scott et al. 2010: as nutrient quality n_s improves, growth and the
    ribosomal mass fraction rise together, about linearly (the first growth law). The compiled
    host (with Darlington's ribosome assembly) follows the original Weisse equations, solved
    independently, within 2% at every n_s."""
    qualities = np.linspace(0.1, 1.0, 6)
    growth, fraction = np.array([_host_point(n_s=float(q)) for q in qualities]).T
    values = load_chassis("ecoli_mg1655").values()
    original = [published_steady_state({**values, "n_s": float(q)}, assembly=False) for q in qualities]
    growth_w, fraction_w = 60 * np.array([o["lambda"] for o in original]), np.array([o["ribosomal_fraction"]
                                                                                      for o in original])
    slope, intercept, r2 = linear_fit(growth, fraction)
    slope_w, intercept_w, _ = linear_fit(growth_w, fraction_w)
    table = "\n".join(f"  n_s {q:.2f}: growth {g:.3f} 1/h (doubling {60 * math.log(2) / g:.1f} min), "
                      f"phi_R {f:.4f}; original Weisse equations {gw:.3f} 1/h, {fw:.4f}"
                      for q, g, f, gw, fw in zip(qualities, growth, fraction, growth_w, fraction_w))
    report = (f"nutrient quality sweep (compiled host):\n{table}\n  phi_R = {slope:.4f} h x lambda + {intercept:.4f}, "
              f"R^2 = {r2:.4f}; original Weisse equations: {slope_w:.4f} h x lambda + {intercept_w:.4f}")
    record_property("measured", report)
    assert np.all(np.diff(growth) > 0) and np.all(np.diff(fraction) > 0), report
    assert slope > 0 and r2 > 0.98, report
    assert np.allclose(growth, growth_w, rtol=0.02) and np.allclose(fraction, fraction_w, rtol=0.02), report


def test_chloramphenicol_raises_the_ribosomal_fraction_as_growth_falls(record_property):
    """Weisse 2015, after Scott et al. 2010: translation inhibited by chloramphenicol (0-8 uM here)
    slows growth while the cell makes more ribosomes (the second growth law: phi_R rises as
    lambda falls, about linearly). Chloramphenicol is set as the policy key host.chloramphenicol
    sets it (a host override; the policy route is the next test)."""
    doses = [0.0, 1.0, 2.0, 4.0, 6.0, 8.0]
    growth, fraction = np.array([_host_point(chloramphenicol=c) for c in doses]).T
    slope, intercept, r2 = linear_fit(growth, fraction)
    table = "\n".join(f"  cm {c:g} uM: growth {g:.3f} 1/h, phi_R {f:.4f}" for c, g, f in zip(doses, growth, fraction))
    report = (f"chloramphenicol sweep:\n{table}\n  phi_R = {slope:.4f} h x lambda + {intercept:.4f}, "
              f"R^2 = {r2:.4f}")
    record_property("measured", report)
    assert np.all(np.diff(growth) < 0) and np.all(np.diff(fraction) > 0), report
    assert slope < 0 and r2 > 0.98, report


def test_chloramphenicol_from_a_policy(tmp_path):
    """The policy key reaches the compiled model: stalled complexes appear and growth falls."""
    policy = write_policy(tmp_path / "cm.yaml", "schema_version: 1\nhost: {chloramphenicol: 4 uM}\n")
    build, rr = compile_policy(policy)
    assert rr["chloramphenicol"] == 4.0 and rr["k_cm"] == pytest.approx(0.00599)
    assert "mRNA_host_r__stalled_ribosome" in build.species_ids
    state = steady_state(rr, HOST + ["ribosomes_stalled"])
    assert state["growth_rate"] < 0.7 * _host_point()[0] / 60 and state["ribosomes_stalled"] > 0


@pytest.mark.slow
def test_heterologous_gene_costs_growth_and_yield_peaks_at_intermediate_expression(tmp_path,
                                                                                    record_property):
    """Weisse 2015 (heterologous expression): expressing a heterologous gene (300 aa, host ribosomes) costs growth
    monotonically, and the yield lambda x p is highest at intermediate expression."""
    genome = write_genes_genbank(tmp_path / "GEN00001.1.gb")
    alone = _host_point()[0]
    shares = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    rows = []
    for share in shares:
        policy = write_policy(tmp_path / f"share{share}.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genome.name}, ribosomes: {{share: {share}, pool: host}}}}
""")
        _, rr = compile_policy(policy)
        state = steady_state(rr, ["growth_rate", "vm1_protein_total"])
        rows.append((60 * state["growth_rate"], state["vm1_protein_total"]))
    growth, protein = np.array(rows).T
    production = growth * protein
    best = int(np.argmax(production))
    table = "\n".join(f"  share {s:.2f}: growth {g:.4f} 1/h, protein {p:,.0f}, lambda x p {y:,.0f} /h"
                      for s, g, p, y in zip(shares, growth, protein, production))
    report = (f"host alone {alone:.4f} 1/h; heterologous gene on host ribosomes:\n{table}\n"
              f"  yield peaks at share {shares[best]} (index {best} of 0..{len(shares) - 1})")
    record_property("measured", report)
    assert growth[0] < alone and np.all(np.diff(growth) < 0), report
    assert np.all(np.diff(protein) > 0), report
    assert 0 < best < len(shares) - 1, report


@pytest.mark.parametrize("chloramphenicol", [0.0, 4.0], ids=["reference", "cm_4uM"])
def test_steady_state_matches_the_published_equations(chloramphenicol, record_property):
    """The compiled host alone (its own inventory identity for translating ribosomes) has the
    steady state of the published ODEs, solved here with scipy, within 2%."""
    chassis = load_chassis("ecoli_mg1655")
    p = {**chassis.values(), "chloramphenicol": chloramphenicol}
    expected = published_steady_state(p)
    _, rr = compile_host(**({"chloramphenicol": chloramphenicol} if chloramphenicol else {}))
    compiled = steady_state(rr, ["growth_rate", "energy_level", "ribosomes_free", "host_protein_t",
                                 "host_protein_m", "host_protein_q", "ribosomes_all", "ribosomal_protein_free"])
    pairs = {"growth rate (1/min)": ("lambda", "growth_rate"), "energy a": ("a", "energy_level"),
             "free ribosomes": ("R", "ribosomes_free"), "transporters p_t": ("p_t", "host_protein_t"),
             "enzymes p_m": ("p_m", "host_protein_m"), "housekeeping p_q": ("p_q", "host_protein_q"),
             "ribosomal sector (all ribosomes)": ("ribosomes_all", "ribosomes_all"),
             "free ribosomal protein x_R": ("x_R", "ribosomal_protein_free")}
    errors = {what: compiled[ours] / expected[theirs] - 1 for what, (theirs, ours) in pairs.items()}
    report = f"steady state at chloramphenicol {chloramphenicol:g} uM, published ODEs (scipy) vs compiled SBML:\n" + \
        "\n".join(f"  {what}: {expected[theirs]:.6g} vs {compiled[ours]:.6g} ({errors[what]:+.2e})"
                  for what, (theirs, ours) in pairs.items())
    record_property("measured", report)
    assert all(abs(e) < 0.02 for e in errors.values()), report
