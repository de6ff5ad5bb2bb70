"""The genome-scale SBML in a user's own client: the three-VM Syn3A design at gene resolution
(9,743 species, 29,083 reactions) loads in libRoadRunner with the default stack, and the
equations libRoadRunner compiled from model.xml are bngsim's on model.net along bngsim's 2 h run.

libRoadRunner runs in a child process, so a crash (its code generator overflowed the stack on the
5,496-term ``ribosomes_all`` before the emitter wrote partial sums) fails this test instead of
killing the worker. The child sets three of libRoadRunner's options, measured on this model:

* ``LLVM_BACKEND = LLJIT`` and ``LOADSBMLOPTIONS_MUTABLE_INITIAL_CONDITIONS = False``: it compiles
  each model function as one basic block, the one filling the stoichiometry matrix with a call
  per species reference (68,844 here, twice over with mutable initial conditions), and LLVM's
  register allocator takes time quadratic in such a block: with the defaults (MCJIT, mutable
  initial conditions) the load had not finished after 15 minutes, with these about 110 s;
* ``ROADRUNNER_DISABLE_PYTHON_DYNAMIC_PROPERTIES``: the Python wrapper otherwise makes a property
  per stoichiometry entry, through a lookup that copies the whole list each time (getReactionIds
  alone took 85 s).

Why no libRoadRunner time course: its CVODE factorizes a dense 9,743 x 9,743 Jacobian, hours for
two hours of cell time. The right-hand side at bngsim's states is compared instead, at every
30 minutes of bngsim's run (same equations, same trajectory up to each solver's tolerance).
COPASI is not run here: its importer resolves every name in every kinetic law by a linear scan
of all the model's elements and factorizes the dense stoichiometry matrix (QR, 9,743 x 29,083);
it had not finished importing after 20 minutes (benchmarks/run.py measures it).
"""
import json
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

UNTIL, STATES = 120.0, 5                     # bngsim's 2 h, a state every 30 minutes
RHS_RTOL = 1e-10                             # of a species' |dx/dt|, floor: of the largest at that state
VALUE_RTOL = 1e-12                           # observables and expressions: the same sums
CHILD_TIMEOUT_S = 1200

ROADRUNNER_CHILD = textwrap.dedent('''
    import json, sys, time
    import numpy as np
    import roadrunner
    from roadrunner import Config

    Config.setValue(Config.LLVM_BACKEND, Config.LLJIT)
    Config.setValue(Config.LOADSBMLOPTIONS_MUTABLE_INITIAL_CONDITIONS, False)
    Config.setValue(Config.ROADRUNNER_DISABLE_PYTHON_DYNAMIC_PROPERTIES, True)
    model_xml, states_npz, out_npz = sys.argv[1:4]
    start = time.perf_counter()
    rr = roadrunner.RoadRunner(model_xml)
    load_s = time.perf_counter() - start
    given = np.load(states_npz)
    ids = list(rr.model.getFloatingSpeciesIds())
    where = {str(sid): i for i, sid in enumerate(given["species"])}
    order = [where[sid] for sid in ids]
    initial = np.array(rr.model.getFloatingSpeciesAmounts())
    (volume,) = rr.model.getCompartmentVolumes()          # the cell; amounts in it are the state
    known = set(rr.model.getGlobalParameterIds())
    names = [str(n) for n in given["values"] if str(n) in known]   # not the rates written into laws
    rates, values = [], []
    for t, state in zip(given["time"], given["states"]):
        rr.model.setTime(float(t))
        rr.model.setFloatingSpeciesAmounts(state[order])
        rates.append(np.array(rr.model.getFloatingSpeciesConcentrationRates()) * volume)
        values.append([rr.getValue(n) for n in names])
    np.savez(out_npz, species=np.array(ids), initial=initial, rates=np.array(rates), values=np.array(values),
             names=np.array(names))
    print(json.dumps({"load_s": load_s}))
''')


def _network(build) -> dict:
    """The build's network size as its manifest records it (species, reactions)."""
    return json.loads((build / "manifest.json").read_text())["network"]


@pytest.fixture(scope="module")
def bngsim_run(syn3a_three_vms_gene):
    """bngsim on model.net (BioXen's own engine): 2 h, a state every 30 min, with dx/dt at each
    state and the observables and expressions libRoadRunner also names."""
    import bngsim

    build = syn3a_three_vms_gene["build"]
    model = bngsim.Model.from_net(str(build / "model.net"))
    result = bngsim.Simulator(model, method="ode").run(t_span=(0.0, UNTIL), n_points=STATES, rtol=1e-8, atol=1e-8)
    species = list(json.loads((build / "locus_map.json").read_text())["species"])   # model.net's order
    assert len(species) == model.n_species == _network(build)["species"]
    values = {name: result.observables[name] for name in result.observable_names}
    values.update({name: result.expressions[name] for name in result.expression_names})
    return {"time": np.asarray(result.time), "states": np.asarray(result.species), "species": species,
            "rates": np.array([model.rhs(y, t) for t, y in zip(result.time, result.species)]), "values": values,
            "observables": list(result.observable_names)}


@pytest.fixture(scope="module")
def roadrunner_run(syn3a_three_vms_gene, bngsim_run, tmp_path_factory):
    """libRoadRunner in a child process on model.xml, at bngsim's states."""
    work = tmp_path_factory.mktemp("roadrunner")
    np.savez(work / "states.npz", time=bngsim_run["time"], states=bngsim_run["states"],
             species=np.array(bngsim_run["species"]), values=np.array(sorted(bngsim_run["values"])))
    start = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", ROADRUNNER_CHILD, str(syn3a_three_vms_gene["build"] / "model.xml"),
                            str(work / "states.npz"), str(work / "out.npz")],
                           capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    assert child.returncode == 0, (f"libRoadRunner died loading model.xml (exit {child.returncode}): "
                                   f"{child.stderr[-2000:]}")
    found = dict(np.load(work / "out.npz"))
    found["names"], found["wall_s"] = [str(n) for n in found["names"]], time.perf_counter() - start
    found.update(json.loads(child.stdout.strip().splitlines()[-1]))
    return found


def _in_order(roadrunner_run, bngsim_run):
    """Index of each of libRoadRunner's species in bngsim's order."""
    where = {sid: i for i, sid in enumerate(bngsim_run["species"])}
    return [where[str(sid)] for sid in roadrunner_run["species"]]


@pytest.mark.slow
def test_roadrunner_loads_the_three_vm_genome_model_with_its_initial_state(roadrunner_run, bngsim_run,
                                                                          record_property):
    order = _in_order(roadrunner_run, bngsim_run)
    assert sorted(order) == list(range(len(bngsim_run["species"])))
    np.testing.assert_allclose(roadrunner_run["initial"], bngsim_run["states"][0][order], rtol=1e-12, atol=0)
    record_property("measured", f"libRoadRunner (LLJIT, fixed initial conditions) loaded {len(order):,} species "
                                f"in {roadrunner_run['load_s']:.0f} s "
                                f"(child process {roadrunner_run['wall_s']:.0f} s)")


@pytest.mark.slow
def test_roadrunner_right_hand_side_is_bngsims_along_two_hours(roadrunner_run, bngsim_run, record_property):
    """dx/dt of every species at bngsim's state every 30 min, within RHS_RTOL of its own value
    with an absolute floor of RHS_RTOL times the largest |dx/dt| at that state: a species near
    steady state (a ribosome pool) sums fluxes a million times its net rate, whose rounding is
    the floor."""
    order = _in_order(roadrunner_run, bngsim_run)
    worst = 0.0
    for k, t in enumerate(bngsim_run["time"]):
        theirs, ours = roadrunner_run["rates"][k], bngsim_run["rates"][k][order]
        largest = np.abs(ours).max()
        error = np.abs(theirs - ours)
        assert (error <= RHS_RTOL * (np.abs(ours) + largest)).all(), (t, str(roadrunner_run["species"][error.argmax()]))
        worst = max(worst, float(error.max() / largest))
    record_property("measured", f"libRoadRunner vs bngsim dx/dt at t = 0, 30, ..., 120 min: largest difference "
                                f"{worst:.1e} of the largest |dx/dt|")


@pytest.mark.slow
def test_roadrunner_observables_and_partial_sums_are_bngsims(roadrunner_run, bngsim_run):
    """Every observable (ribosomes_all: 5,496 species, as partial sums in the SBML) and expression
    at bngsim's states."""
    names = roadrunner_run["names"]
    assert set(bngsim_run["observables"]) <= set(names)
    assert {"ribosomes_all", "growth_rate", "vm1_protein_total", "vm3_ribosomes_translating"} <= set(names)
    for j, name in enumerate(names):
        np.testing.assert_allclose(roadrunner_run["values"][:, j], bngsim_run["values"][name],
                                   rtol=VALUE_RTOL, atol=1e-300, err_msg=name)


@pytest.mark.slow
def test_formats_all_writes_every_format_that_applies_to_the_genome_scale_design(syn3a_three_vms_gene):
    """``bioxen compile --formats all`` on the three-VM genome: every format that applies is written
    and checked, and the three whose readers cannot take this size say why, before starting."""
    from bioxen.outdir import build_problems

    build = syn3a_three_vms_gene["build"]
    manifest = json.loads((build / "manifest.json").read_text())
    assert manifest["formats"] == ["sbml", "bngl", "net", "dna", "vcml", "omex"]
    refused = manifest["formats_refused"]
    assert set(refused) == {"nfsim", "antimony", "copasi"}
    reactions = _network(build)["reactions"]
    assert reactions > 20_000    # three Syn3A VMs at gene resolution (29,083 under the sRNA gate, issue 17)
    assert refused["copasi"].startswith(f"COPASI: {reactions:,} reactions is more than its SBML reader handles")
    assert refused["antimony"].startswith(f"Antimony: {reactions:,} reactions")
    assert "NFsim refuses it" in refused["nfsim"]
    said = " ".join(syn3a_three_vms_gene["output"].split())
    assert all(f"{name} not written" in said for name in refused)
    assert build_problems(build, exact=True) == []
    assert manifest["timings_s"]["write_copasi"] < 1 and manifest["timings_s"]["write_antimony"] < 1
