"""How long the users' own clients take to load the three-VM gene-resolution model, one client
per fresh process: ``python clients.py CLIENT BUILD_DIR`` (``compile`` writes BUILD_DIR from a
policy first: ``python clients.py compile POLICY BUILD_DIR``).

Each prints ``BENCH {json}`` lines as measure.py does (a stage's start and end, facts, peak
memory), so run.py keeps what a run it had to kill was doing. Imports happen before the clock.

=================  =============================================================================
compile            read_design -> compile_design -> model.xml (validated) and model.net
bngsim             ``bngsim.Model.from_net(model.net)`` + ``Simulator(method="ode")``: what
                   ``bioxen simulate`` runs at this size (engines._bngsim_net)
roadrunner         ``roadrunner.RoadRunner(model.xml)`` with libRoadRunner's defaults: what
                   tellurium's ``loadSBMLModel`` does (MCJIT, mutable initial conditions, Python
                   properties per model element)
roadrunner-lljit   the same after ``Config``: LLJIT, ``LOADSBMLOPTIONS_MUTABLE_INITIAL_CONDITIONS``
                   off, ``ROADRUNNER_DISABLE_PYTHON_DYNAMIC_PROPERTIES`` on (the settings
                   tests/test_genome_scale_clients.py loads with)
copasi             ``basico.load_model(model.xml)``: COPASI's SBML importer, then its model
                   compile (the dense stoichiometry matrix's QR for the conservation laws)
=================  =============================================================================
"""
from __future__ import annotations

import sys
from pathlib import Path

from measure import peak_rss_mb, report, stage


def compile_build(policy: Path, build: Path) -> None:
    from bioxen.backend.compile import WRITERS, compile_design
    from bioxen.backend.sbml import write_sbml
    from bioxen.frontend import read_design

    with stage("compile"):
        compiled = compile_design(read_design(policy))
    with stage("write_sbml"):
        write_sbml(compiled.sbml, build / "model.xml", compiled.reaction_names)
    WRITERS["net"](compiled, build)
    references = sum(len(r["reactants"]) + len(r["products"]) for r in compiled.builder.model.reactions_bidirectional)
    report(facts={"species": len(compiled.species_ids), "reactions": len(compiled.reaction_ids),
                  "species_references": references, "sbml_mb": round((build / "model.xml").stat().st_size / 2**20, 1)})


def load_bngsim(build: Path) -> None:
    import bngsim

    with stage("load"):
        bngsim.Simulator(bngsim.Model.from_net(str(build / "model.net")), method="ode")


def load_roadrunner(build: Path, tuned: bool = False) -> None:
    import roadrunner
    from roadrunner import Config

    if tuned:
        Config.setValue(Config.LLVM_BACKEND, Config.LLJIT)
        Config.setValue(Config.LOADSBMLOPTIONS_MUTABLE_INITIAL_CONDITIONS, False)
        Config.setValue(Config.ROADRUNNER_DISABLE_PYTHON_DYNAMIC_PROPERTIES, True)
    with stage("load"):
        roadrunner.RoadRunner(str(build / "model.xml"))


def load_copasi(build: Path) -> None:
    import basico

    with stage("load"):
        model = basico.load_model(str(build / "model.xml"))
    if model is None:
        raise SystemExit("COPASI could not load model.xml")
    report(facts={"copasi_species": model.getModel().getMetabolites().size(),
                  "copasi_reactions": model.getModel().getReactions().size()})


CLIENTS = {"bngsim": load_bngsim, "roadrunner": load_roadrunner,
           "roadrunner-lljit": lambda build: load_roadrunner(build, tuned=True), "copasi": load_copasi}

if __name__ == "__main__":
    if sys.argv[1] == "compile":
        compile_build(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        CLIENTS[sys.argv[1]](Path(sys.argv[2]))
    report(memory=peak_rss_mb())
