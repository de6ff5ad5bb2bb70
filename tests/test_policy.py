"""Policy validation: every error names file:line:column and what is allowed."""
import pytest
from typer.testing import CliRunner

from bioxen.cli import app
from bioxen.errors import PolicyError
from bioxen.policy import load_policy
from conftest import ROOT, write_policy

runner = CliRunner()


def _errors(policy):
    with pytest.raises(PolicyError) as info:
        load_policy(policy)
    return str(info.value)


def test_example_policies_validate():
    for path in (ROOT / "models" / "policies").glob("*.yaml"):
        policy = load_policy(path)
        assert policy.schema_version == 1


def test_unknown_key_names_line_column_and_allowed_keys(tmp_path):
    policy = write_policy(tmp_path / "p.yaml", """
schema_version: 1
host:
  chassis: ecoli_mg1655
  sheduler: round_robin
""")
    message = _errors(policy)
    assert f"{policy}:4:3: error: unknown key 'sheduler'" in message
    assert "allowed keys: chassis, nutrient_quality, external_nutrient" in message


def test_negative_share_is_rejected_at_its_value(tmp_path):
    policy = write_policy(tmp_path / "p.yaml", """
schema_version: 1
vms:
  - id: vm1
    genome: CP016816.2
    ribosomes: {share: -0.1}
""")
    assert f"{policy}:5:24: error: share: Input should be greater than 0" in _errors(policy)


def test_duration_without_unit(tmp_path):
    policy = write_policy(tmp_path / "p.yaml", """
schema_version: 1
simulate:
  until: 6
""")
    message = _errors(policy)
    assert f"{policy}:3:10: error: until: duration 6 has no unit" in message
    assert "'6 h'" in message


def test_chloramphenicol_needs_a_concentration_unit(tmp_path):
    policy = write_policy(tmp_path / "p.yaml", "schema_version: 1\nhost: {chloramphenicol: 4}\n")
    assert f"{policy}:2:25: error: chloramphenicol: concentration 4 has no unit" in _errors(policy)
    good = write_policy(tmp_path / "q.yaml", "schema_version: 1\nhost: {chloramphenicol: 500 nM}\n")
    assert load_policy(good).host.chloramphenicol == pytest.approx(0.5)


def test_controller_needs_an_orthogonal_pool(tmp_path):
    policy = write_policy(tmp_path / "p.yaml", """
schema_version: 1
vms:
  - {id: vm1, genome: x.gb, ribosomes: {share: 0.1, pool: host, controller: true}}
""")
    assert "controller: true regulates an orthogonal pool's o-rRNA" in _errors(policy)


def test_shares_must_leave_the_host_ribosomes(tmp_path):
    policy = write_policy(tmp_path / "p.yaml", """
schema_version: 1
vms:
  - {id: a, genome: x.gb, ribosomes: {share: 0.6}}
  - {id: b, genome: x.gb, ribosomes: {share: 0.5}}
""")
    assert "add up to 1.1" in _errors(policy)


def test_all_errors_are_reported_together(tmp_path):
    policy = write_policy(tmp_path / "p.yaml", """
schema_version: 2
vms:
  - id: vm1
    genome: CP016816.2
    resolution: genes
""")
    message = _errors(policy)
    assert ":1:17: error: schema_version" in message and ":5:17: error: resolution" in message


def test_check_command_exit_codes(tmp_path, small_policy):
    ok = runner.invoke(app, ["check", str(small_policy)])
    assert ok.exit_code == 0 and "ok" in ok.output
    bad = write_policy(tmp_path / "bad.yaml", "schema_version: 1\nvms: [{id: vm1}]\n")
    result = runner.invoke(app, ["check", str(bad)])
    assert result.exit_code == 1
    assert "missing required key 'genome'" in result.output and "Traceback" not in result.output


def test_vm_genome_that_cannot_be_found(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOXEN_OFFLINE", "1")
    monkeypatch.setenv("BIOXEN_GENOME_PATH", str(tmp_path))
    policy = write_policy(tmp_path / "p.yaml", """
schema_version: 1
vms:
  - id: vm1
    genome: missing_genome.gb
""")
    result = runner.invoke(app, ["compile", str(policy), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{policy}:4:13: error: VM 'vm1': genome 'missing_genome.gb'" in result.output
    assert not (tmp_path / "out").exists()


def test_malformed_yaml_points_at_the_problem(tmp_path):
    policy = write_policy(tmp_path / "p.yaml", "schema_version: 1\nvms: [\n")
    assert f"{policy}:3:1: error: invalid YAML" in _errors(policy)


@pytest.mark.parametrize("body,expected", [
    ("schema_version: 1\nhost: {sheduler: x}\n", "unknown key 'sheduler'"),
    ("schema_version: 1\nvms: [{id: vm1, genome: g.gb, ribosomes: {share: -0.1}}]\n", "greater than 0"),
    ("schema_version: 1\nsimulate: {until: 6}\n", "has no unit"),
])
def test_policy_mistakes_reach_the_user_without_a_traceback(tmp_path, body, expected):
    policy = write_policy(tmp_path / "p.yaml", body)
    for command in (["check", str(policy)], ["run", str(policy), "-o", str(tmp_path / "out")]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1
        assert expected in result.output and f"{policy}:" in result.output
        assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert not (tmp_path / "out").exists()


def _resize_policy(tmp_path, genome, control):
    return write_policy(tmp_path / "resize.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.3}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.2}}}}
  - {{id: vm3, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.1, pool: host}}}}
control:
{control}
simulate: {{until: 10 h}}
""")


def _design_errors(policy):
    from bioxen.frontend import read_design
    with pytest.raises(PolicyError) as info:
        read_design(policy)
    return str(info.value)


def test_set_resource_limit_in_a_policy_becomes_an_ir_command(tmp_path, synthetic_genbank):
    from bioxen.frontend import read_design
    design = read_design(_resize_policy(tmp_path, synthetic_genbank, """\
  - {at: 2 h, command: SET_RESOURCE_LIMIT, vm: vm2, resource: ribosomes, share: 0.75}
  - {at: 1 h, command: SET_RESOURCE_LIMIT, vm: vm1, resource: ribosomes, share: 0.1}"""))
    assert [(c.at, c.command, c.vm, c.share) for c in design.control] == [
        (60.0, "SET_RESOURCE_LIMIT", "vm1", 0.1), (120.0, "SET_RESOURCE_LIMIT", "vm2", 0.75)]
    assert design.control[0].location.line == 8   # 0.1 + 0.75 < 1: shares apply in time order


@pytest.mark.parametrize("control,expected", [
    ("  - {at: 1 h, command: SET_RESOURCE_LIMIT, vm: vm2, resource: ribosomes}",
     ":7:5: error: SET_RESOURCE_LIMIT on vm2 at 60 min needs `share`"),
    ("  - {at: 1 h, command: SET_RESOURCE_LIMIT, vm: vm2, share: 0.3}",
     ":7:5: error: SET_RESOURCE_LIMIT on vm2 at 60 min needs `resource`"),
    ("  - {at: 1 h, command: PAUSE_VM, vm: vm2, share: 0.3}",
     ":7:43: error: PAUSE_VM on vm2 at 60 min: `share` belongs to SET_RESOURCE_LIMIT"),
    ("  - {at: 1 h, command: SET_RESOURCE_LIMIT, vm: vm2, resource: ribosomes, share: 1.2}",
     ":7:81: error: share: Input should be less than 1 (got 1.2)"),
    ("  - {at: 1 h, command: SET_RESOURCE_LIMIT, vm: vm2, resource: ribosomes, share: 0}",
     ":7:81: error: share: Input should be greater than 0 (got 0)"),
    ("  - {at: 1 h, command: SET_RESOURCE_LIMIT, vm: vm2, resource: cpu, share: 0.3}",
     ":7:63: error: resource: Input should be 'ribosomes', 'ncaa' or 'rnap' (got 'cpu')"),
    ("  - {at: 1 h, command: SET_RESOURCE_LIMIT, vm: vm3, resource: ribosomes, share: 0.3}",
     ":7:5: error: SET_RESOURCE_LIMIT on vm3 at 60 min: vm3 runs on host ribosomes; only a VM on an "
     "orthogonal pool has a ribosome share to resize"),
    ("  - {at: 2 h, command: SET_RESOURCE_LIMIT, vm: vm2, resource: ribosomes, share: 0.5}\n"
     "  - {at: 1 h, command: SET_RESOURCE_LIMIT, vm: vm1, resource: ribosomes, share: 0.6}",
     ":7:74: error: SET_RESOURCE_LIMIT on vm2 at 120 min: the orthogonal VMs' ribosome shares would add "
     "up to 1.1 (vm1 0.6, vm2 0.5); they must leave the host part of its ribosomes (sum < 1)"),
    ("  - {at: 1 h, command: SET_RESOURCE_LIMIT, vm: vm2, resource: ribosomes, share: 0.3}\n"
     "  - {at: 1 h, command: SET_RESOURCE_LIMIT, vm: vm2, resource: ribosomes, share: 0.4}",
     ":8:10: error: SET_RESOURCE_LIMIT and SET_RESOURCE_LIMIT both set vm2's ribosome share at 60 min"),
])
def test_bad_set_resource_limit_is_a_clear_error(tmp_path, synthetic_genbank, control, expected):
    policy = _resize_policy(tmp_path, synthetic_genbank, control)
    message = _design_errors(policy)
    assert f"{policy}{expected}" in message, message
    assert "Traceback" not in message
