"""The build contract (bioxen.buildspec): outputs.json typed, versioned, checked whole on read,
and never changed by a run."""
import dataclasses
import json
import re
from collections.abc import Mapping

import pytest

import bioxen
from bioxen.backend.compile import build_spec, compile_design, write_build
from bioxen.buildspec import SPEC_KEY, SPEC_VERSION, BuildSpec, ControlEntry, VmSpec, read_spec, write_spec
from bioxen.errors import SimulationError
from bioxen.frontend import read_design
from bioxen.runtime.simulate import read_build
from conftest import synthetic_policy

RESIZE_AT, NEW_SHARE = 20.0, 0.3


@pytest.fixture(scope="module")
def resizing(tmp_path_factory):
    """Two synthetic VMs on orthogonal pools with a timed SET_RESOURCE_LIMIT: (its Build, its directory)."""
    directory = tmp_path_factory.mktemp("buildspec")
    policy = synthetic_policy(directory, "resizing", f"""
vms:
  - {{{{id: vm1, genome: {{genome}}, genetic_code: recode, ribosomes: {{{{share: 0.15}}}}}}}}
  - {{{{id: vm2, genome: {{genome}}, genetic_code: recode, ribosomes: {{{{share: 0.15}}}}}}}}
control:
  - {{{{at: {RESIZE_AT:g} min, command: SET_RESOURCE_LIMIT, vm: vm2, resource: ribosomes, share: {NEW_SHARE}}}}}
simulate: {{{{until: 40 min, points: 41}}}}
""")
    build = compile_design(read_design(policy))
    return build, write_build(build, directory / "build", ["sbml"])


def test_a_compiled_build_round_trips_through_outputs_json(resizing, tmp_path):
    build, directory = resizing
    spec = build_spec(build)
    assert read_spec(directory) == spec == BuildSpec.from_dict(spec.to_dict(), tmp_path / "outputs.json")
    raw = json.loads((directory / "outputs.json").read_text())
    assert raw[SPEC_KEY] == SPEC_VERSION and raw == spec.to_dict()
    assert isinstance(spec.vms["vm2"], VmSpec) and spec.vms["vm2"].pool == "o2"
    (resize,) = spec.control
    assert isinstance(resize, ControlEntry) and resize.at_min == RESIZE_AT and resize.vm == "vm2"
    assert dict(resize.ribosome_shares) == {"vm1": 0.15, "vm2": NEW_SHARE}
    assert set(resize.assignments) == {"w_rRNA_o1", "w_rRNA_o2"}
    assert dict(spec.ribosome_pools.pools) == {"vm1": "o1", "vm2": "o2"}
    assert spec.simulate.until_min == 40 and spec.simulate.points == 41
    write_spec(spec, tmp_path)
    assert (tmp_path / "outputs.json").read_text() == (directory / "outputs.json").read_text()


@pytest.mark.parametrize("version, written", [(None, "none"), (SPEC_VERSION + 1, str(SPEC_VERSION + 1))])
def test_another_version_is_refused_with_a_request_to_recompile(resizing, tmp_path, version, written):
    data = build_spec(resizing[0]).to_dict()
    if version is None:
        del data[SPEC_KEY]
    else:
        data[SPEC_KEY] = version
    (tmp_path / "outputs.json").write_text(json.dumps(data))
    with pytest.raises(SimulationError, match=f"outputs.json is not a build's outputs: written by bioxen spec "
                                              f"{written}; recompile"):
        read_spec(tmp_path)


@pytest.mark.parametrize("drop, key", [
    (lambda d: d["vms"]["vm1"].pop("elongation_reactions"), "vms.vm1.elongation_reactions"),
    (lambda d: d["simulate"].pop("points"), "simulate.points"),
    (lambda d: d["control"][0].update(at_min="soon"), "control[0].at_min"),
    (lambda d: d["hypervisor"][next(iter(d["hypervisor"]))].pop("length_aa"), "hypervisor."),
    (lambda d: d["crosstalk"]["vms"].pop("vm2"), "crosstalk.vms.vm2"),
])
def test_a_missing_or_malformed_key_is_named_with_the_file(resizing, tmp_path, drop, key):
    data = build_spec(resizing[0]).to_dict()
    drop(data)
    (tmp_path / "outputs.json").write_text(json.dumps(data))
    with pytest.raises(SimulationError) as error:
        read_spec(tmp_path)
    message = str(error.value)
    assert str(tmp_path / "outputs.json") in message and f"missing or malformed '{key}" in message, message


@pytest.mark.parametrize("spoil, key, expected", [
    (lambda d: d.update(mass_aa=True), "mass_aa", "a number"),
    (lambda d: d["vms"]["vm1"].update(ribosome_share="0.15"), "vms.vm1.ribosome_share", "a number"),
    (lambda d: d["control"][0].update(share=False), "control[0].share", "a number"),
    (lambda d: d["simulate"].update(points=41.0), "simulate.points", "a whole number"),
    (lambda d: d["vms"]["vm2"]["species"].update(x=True), "vms.vm2.species.x", "a whole number"),
    (lambda d: d["vms"]["vm1"].update(colour="red"), "vms.vm1.colour", "no such key"),
])
def test_text_true_false_or_an_unknown_key_is_refused(resizing, tmp_path, spoil, key, expected):
    data = build_spec(resizing[0]).to_dict()
    spoil(data)
    with pytest.raises(SimulationError, match=re.escape(f"malformed '{key}' (expected {expected})")):
        BuildSpec.from_dict(data, tmp_path / "outputs.json")


def _assert_read_only(value, where: str) -> int:
    """How many parts ``value`` holds, each asserted unchangeable."""
    if dataclasses.is_dataclass(value):
        parts = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
        for name in parts:
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(value, name, None)
    elif isinstance(value, Mapping):
        with pytest.raises(TypeError):
            value["added"] = 1
        parts = value
    else:
        assert not isinstance(value, (list, dict, set)), f"{where} can be changed"
        parts = dict(enumerate(value)) if isinstance(value, tuple) else {}
    return 1 + sum(_assert_read_only(part, f"{where}.{name}") for name, part in parts.items())


def test_every_part_of_a_spec_is_read_only(resizing):
    built, read = build_spec(resizing[0]), read_spec(resizing[1])
    assert _assert_read_only(built, "spec") == _assert_read_only(read, "spec") > 100


def test_a_spec_cannot_be_changed(resizing):
    spec = build_spec(resizing[0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.vms["vm1"].ribosome_share = 0.5
    with pytest.raises(TypeError):
        spec.vms["vm1"] = spec.vms["vm2"]
    with pytest.raises(TypeError):
        spec.vms["vm1"].species["x"] = 1
    with pytest.raises(TypeError):
        spec.control[0].ribosome_shares["vm2"] = 0.1
    with pytest.raises(TypeError):
        spec.hypervisor[next(iter(spec.hypervisor))]["length_aa"] = 1


def test_a_run_and_its_commands_leave_the_spec_as_written(resizing):
    directory = resizing[1]
    written = read_spec(directory)
    hv, other = bioxen.Hypervisor.from_build(directory), bioxen.Hypervisor.from_build(directory)
    hv.run(RESIZE_AT + 5)                      # past the timed resize
    assert hv.ribosome_shares["vm2"] == NEW_SHARE       # the session follows it, in its own state
    hv.set_resource_limit("vm1", "ribosomes", 0.2)
    assert hv.ribosome_shares == {"vm1": 0.2, "vm2": NEW_SHARE}
    hv.migrate("vm2", other)
    assert hv.spec == other.spec == written == read_build(directory)[1]
    assert hv.spec.vms["vm1"].ribosome_share == hv.spec.vms["vm2"].ribosome_share == 0.15
    assert other.ribosome_shares == {"vm1": 0.15, "vm2": 0.15}
