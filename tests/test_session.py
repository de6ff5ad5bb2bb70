"""One runtime session protocol (bioxen.runtime.session): the Hypervisor (libRoadRunner) and a
Cell (bngsim) are both Sessions, take the same commands and refuse the same mistakes alike."""
import numpy as np
import pytest

from bioxen.backend.compile import compile_design, write_build
from bioxen.errors import CommandError
from bioxen.frontend import read_design
from bioxen.runtime.cell import Cell
from bioxen.runtime.hypervisor import Hypervisor
from bioxen.runtime.session import Session, VmStatus
from conftest import synthetic_policy


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """Two synthetic VMs on orthogonal pools, with model.net for cells."""
    directory = tmp_path_factory.mktemp("session")
    policy = synthetic_policy(directory, "two", """
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
simulate: {{until: 60 min, points: 61}}
""")
    return write_build(compile_design(read_design(policy)), directory / "build", ["sbml", "net"])


def sessions(build):
    return {"hypervisor": Hypervisor(build), "cell": Cell(build)}


def test_both_engines_are_sessions(build):
    for session in sessions(build).values():
        assert isinstance(session, Session)
    assert not isinstance(object(), Session)


@pytest.mark.parametrize("mistake", [
    lambda s: s.command("PAUSE_VM", "vm9"),
    lambda s: s.command("REBOOT_VM", "vm1"),
    lambda s: s.command("SET_RESOURCE_LIMIT", "vm1"),
    lambda s: s.command("SET_RESOURCE_LIMIT", "vm1", resource="cpu", share=0.2),
    lambda s: s.command("SET_RESOURCE_LIMIT", "vm1", resource="ribosomes", share=0.9),
    lambda s: (s.command("DESTROY_VM", "vm2"), s.command("RESUME_VM", "vm2")),
])
def test_the_same_mistake_is_the_same_command_error(build, mistake):
    messages = {}
    for name, session in sessions(build).items():
        with pytest.raises(CommandError) as error:
            mistake(session)
        messages[name] = str(error.value)
    assert messages["hypervisor"] == messages["cell"], messages


def test_the_same_commands_give_the_same_run_and_status(build):
    """PAUSE_VM and SET_RESOURCE_LIMIT given live to each engine: the same trajectory (to the
    solvers' agreement) and the same status."""
    runs, statuses = {}, {}
    for name, session in sessions(build).items():
        session.advance(30)
        session.command("PAUSE_VM", "vm1")
        session.command("SET_RESOURCE_LIMIT", "vm2", resource="ribosomes", share=0.3)
        runs[name] = session.advance(30)
        statuses[name] = session.status()
        assert session.ribosome_shares == {"vm1": 0.15, "vm2": 0.3}
        assert session.spec.vms["vm2"].ribosome_share == 0.15          # the build's spec as written
    for column in ("vm1_protein_total", "vm2_protein_total", "vm2_translation_flux", "growth_rate_per_min"):
        assert np.allclose(runs["cell"][column], runs["hypervisor"][column], rtol=1e-3), column
    for vm in ("vm1", "vm2"):
        ours, theirs = statuses["cell"][vm], statuses["hypervisor"][vm]
        assert isinstance(ours, VmStatus) and ours.health == theirs.health
        for field in ("translation_share", "proteome_share", "protein", "translation_flux", "fluorescence"):
            assert getattr(ours, field) == pytest.approx(getattr(theirs, field), rel=1e-3), (vm, field)
    assert statuses["cell"]["vm1"].health == "paused" and statuses["cell"]["vm2"].health == "viable"


def test_a_copied_cell_keeps_the_commands_given(build):
    cell = Cell(build)
    cell.command("PAUSE_VM", "vm1")
    cell.command("SET_RESOURCE_LIMIT", "vm2", resource="ribosomes", share=0.3)
    twin = cell.copy()
    assert twin.ribosome_shares == cell.ribosome_shares == {"vm1": 0.15, "vm2": 0.3}
    for parameter in ("w_rRNA_o1", "w_rRNA_o2", "command_pause_vm1"):
        assert twin.parameter(parameter) == cell.parameter(parameter) != Cell(build).parameter(parameter)
