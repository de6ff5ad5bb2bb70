"""bngsim's Jacobian self-check, once per network (bioxen.runtime.jacobian): a network that passed
it runs again without it and gives the same trajectory; a network that failed it, a changed
network, or the cache turned off, is checked again."""
import json
import os
from pathlib import Path

import bngsim
import numpy as np
import pytest

from bioxen.runtime import jacobian
from bioxen.runtime.jacobian import DENSE_CHECK, DENSE_CHECK_MAX, SKIP_CHECK, network_key, ode_simulator

NETWORK = """begin parameters
    1 k 2.0
    2 E0 100
end parameters
begin functions
    1 g() {law}
end functions
begin species
    1 E() E0
    2 A() 0
    3 B() 0
end species
begin reactions
    1 0 2 0.5*g #made
    2 0 3 g #made_too
    3 1 0 0.01*k #spent
    4 2 0 0.1*g #decay
end reactions
begin groups
    1 Etot 1
end groups
"""
SATURATING = "k*Etot/(Etot + 10)"
SINGULAR = "k*sqrt(Etot - 100)"        # d/dE infinite at the start: bngsim declines its Jacobian


class _Seen(list):
    """Whether each Simulator made was asked to check its Jacobian; ``compiled``: whether each was
    asked for bngsim's compiled right-hand side."""
    compiled: list


@pytest.fixture
def checks(monkeypatch):
    """The Simulators made (:class:`_Seen`); each is asked to check densely below DENSE_CHECK_MAX
    species and over the sparsity pattern above."""
    seen, real = _Seen(), bngsim.Simulator
    seen.compiled = []

    def simulator(*args, **kwargs):
        assert os.environ.get(DENSE_CHECK) == str(DENSE_CHECK_MAX)
        seen.append(os.environ.get(SKIP_CHECK) != "1")
        seen.compiled.append(kwargs.get("codegen", False))
        return real(*args, **kwargs)
    monkeypatch.setattr(bngsim, "Simulator", simulator)
    return seen


def _net(tmp_path, law=SATURATING, name="model.net"):
    path = tmp_path / name
    path.write_text(NETWORK.format(law=law))
    return path


def _run(net):
    model = bngsim.Model.from_net(str(net))
    result = ode_simulator(model, net).run(t_span=(0, 30), n_points=7, rtol=1e-8, atol=1e-8)
    return model, np.array(result.species)


def test_a_network_that_passed_runs_again_unchecked_with_the_same_result(tmp_path, checks):
    net = _net(tmp_path)
    first_model, first = _run(net)
    assert first_model.analytical_jacobian_status == "complete"
    assert (jacobian._verdicts() / network_key(net)).is_file()
    second_model, second = _run(net)
    assert checks == [True, False]
    assert second_model.analytical_jacobian_status == "complete"
    np.testing.assert_array_equal(first, second)
    assert SKIP_CHECK not in os.environ and DENSE_CHECK not in os.environ   # bngsim's only while it prepares


def test_a_changed_network_is_checked_again(tmp_path, checks):
    _run(_net(tmp_path))
    changed = _net(tmp_path, SATURATING.replace("10", "12"), "other.net")
    _run(changed)
    assert checks == [True, True]


def test_a_network_whose_jacobian_was_declined_is_never_trusted(tmp_path, checks):
    net = _net(tmp_path, SINGULAR)
    for _ in range(2):
        model = bngsim.Model.from_net(str(net))
        ode_simulator(model, net)
        assert model.analytical_jacobian_status.startswith("declined")
    assert checks == [True, True]
    assert not jacobian._verdicts().exists() or not any(jacobian._verdicts().iterdir())


def test_no_cache_checks_every_time_and_records_nothing(tmp_path, checks, monkeypatch):
    monkeypatch.setenv("BIOXEN_NO_CACHE", "1")
    net = _net(tmp_path)
    _run(net), _run(net)
    assert checks == [True, True]
    assert not jacobian._verdicts().exists()


def test_the_key_follows_the_text_and_bngsim(tmp_path, monkeypatch):
    net = _net(tmp_path)
    key = network_key(net)
    assert network_key(_net(tmp_path, name="copy.net")) == key
    monkeypatch.setattr(jacobian.metadata, "version", lambda name: "99.0")
    assert network_key(net) != key


def test_a_compiled_right_hand_side_is_asked_for_once_and_used_after(tmp_path, checks, monkeypatch):
    """BIOXEN_COMPILE_RHS=1 has bngsim compile the network to C; the verdict records the library,
    and later runs use it with no setting, giving the interpreted run's trajectory; a library
    that has gone is not rebuilt behind the user's back: the run is interpreted."""
    import bngsim._codegen

    monkeypatch.setattr(bngsim._codegen, "CACHE_DIR", tmp_path / "codegen")
    net = _net(tmp_path)
    _, interpreted = _run(net)
    monkeypatch.setenv("BIOXEN_COMPILE_RHS", "1")
    _, first = _run(net)
    monkeypatch.delenv("BIOXEN_COMPILE_RHS")
    library = Path(json.loads((jacobian._verdicts() / network_key(net)).read_text())["compiled"])
    assert library.is_file() and library.parent == tmp_path / "codegen"
    _, later = _run(net)
    assert checks.compiled == [False, True, True]
    np.testing.assert_allclose(later, interpreted, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(first, interpreted, rtol=1e-6, atol=1e-9)
    library.unlink()
    _run(net)
    assert checks.compiled[-1] is False
    assert json.loads((jacobian._verdicts() / network_key(net)).read_text())["compiled"] == ""


def test_the_compile_setting_is_checked(tmp_path, monkeypatch):
    from bioxen.errors import SimulationError

    monkeypatch.setenv("BIOXEN_COMPILE_RHS", "yes")
    with pytest.raises(SimulationError, match="BIOXEN_COMPILE_RHS must be 0 or 1, got 'yes'"):
        _run(_net(tmp_path))
