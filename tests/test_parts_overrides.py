"""isolation.set: a policy sets single constants of its parts library (bioxen.parts.set_constants)."""
import doctest

import pytest

import bioxen.parts
from bioxen import cache, pipeline
from bioxen.backend.compile import compile_design
from bioxen.errors import PolicyError
from bioxen.frontend import input_files, read_design
from conftest import ROOT, synthetic_policy, write_policy

CONTROLLED_VM = """
vms:
  - {{id: vm1, genome: {genome}, ribosomes: {{share: 0.2, controller: true}}, genetic_code: recode}}
"""


def _with_settings(settings: str) -> str:
    return "isolation:\n  set:\n" + "".join(f"    {line}\n" for line in settings.strip().splitlines())


def _refused(tmp_path, settings: str) -> list[str]:
    """The errors reading a genome-less policy with these ``isolation.set`` lines gives, its
    path shown as ``p.yaml``."""
    policy = write_policy(tmp_path / "p.yaml", "schema_version: 1\n" + _with_settings(settings) + "vms: []\n")
    with pytest.raises(PolicyError) as refused:
        read_design(policy)
    return [str(e).replace(str(policy), "p.yaml") for e in refused.value.errors]


def test_a_set_constant_reaches_the_compiled_model_with_its_source(tmp_path):
    policy = synthetic_policy(tmp_path, "set", _with_settings("""
orthogonal_ribosomes.controller_K: 250 molecules
orthogonal_ribosomes.controller_protein_decay: 6 1/h
protease.max_transcription: 300 molecules/h
""") + CONTROLLED_VM)
    design, library = read_design(policy), bioxen.parts.load_parts()
    protease, was = design.parts.protease["max_transcription"], library.protease["max_transcription"]
    assert (protease.value, protease.units) == (5.0, "molecules/min")
    assert protease.source == f"policy set.yaml: set by the user (was {was.value:g} molecules/min: {was.source})"
    assert design.parts.orthogonal_ribosomes["controller_hill"] == library.orthogonal_ribosomes["controller_hill"], \
        "a constant not set keeps the library's value and source"
    build = compile_design(design)      # kept: the model belongs to its document
    model = build.sbml.getModel()
    assert model.getParameter("d_protein_controller_o1").getValue() == pytest.approx(0.1)   # 6 1/h
    assert model.getParameter("w_protease_vm1").getValue() == 5
    parameter = model.getParameter("K_controller_o1")
    assert parameter.getValue() == 250
    assert ('source="policy set.yaml: set by the user (was 10000 molecules: V: NC kF = 1e4'
            in parameter.getAnnotationString())


def test_bad_settings_are_refused_together_at_their_place(tmp_path):
    errors = _refused(tmp_path, """
protease.maxtranscription: 5
proteas.kcat: 2
controller_K: 250
protease.Km: 3 molecules/min
protease.length: 0
protease.pulse: 0.5
srna.decay: fast
tags.pdt1: 1
""")
    assert len(errors) == 8, errors
    unknown_key, unknown_section, no_section, units, size, switch, number, tags = errors
    assert unknown_key.startswith("p.yaml:4:5: error: isolation.set protease.maxtranscription: ")
    assert "did you mean 'protease.max_transcription'?" in unknown_key
    assert "hint: protease's constants: length, kcat, Km, max_transcription," in unknown_key
    assert unknown_section.startswith("p.yaml:5:5: ") and "no section 'proteas' (did you mean 'protease'?)" in unknown_section
    assert "hint: sections of single constants: orthogonal_ribosomes, srna, protease," in unknown_section
    assert no_section.startswith("p.yaml:6:5: ") and "did you mean 'orthogonal_ribosomes.controller_K'?" in no_section
    assert units.startswith("p.yaml:7:18: ") and "unit 'molecules/min' is not the library's 'molecules'" in units
    assert size.startswith("p.yaml:8:22: ") and "protease.length: must be > 0" in size
    assert switch.startswith("p.yaml:9:21: ") and "design switch: 1 (on) or 0 (off), not 0.5" in switch
    assert number.startswith("p.yaml:10:17: ") and "cannot read 'fast'" in number
    assert tags.startswith("p.yaml:11:5: ") and "tags and recognition are not single constants" in tags


@pytest.mark.parametrize("value, expected", [
    ("true", "p.yaml:4:33: error: protease.max_transcription: expected a number in the library's units"),
    ("[5]", "p.yaml:4:33: error: protease.max_transcription: expected a number"),
    (".nan", "p.yaml:4:33: error: protease.max_transcription: must be a finite number"),
    ("1e999 molecules/min", "p.yaml:4:33: error: isolation.set protease.max_transcription: inf is not a finite"),
    ("-5", "p.yaml:4:33: error: isolation.set protease.max_transcription: must be >= 0"),
    ("5 molecules/fortnight", "unit 'molecules/fortnight' is not the library's 'molecules/min' (a rate"),
])
def test_a_value_that_is_no_number_in_the_library_units_is_refused(tmp_path, value, expected):
    errors = _refused(tmp_path, f"protease.max_transcription: {value}")
    assert len(errors) == 1 and expected in errors[0], errors


def test_settings_change_the_build_key_and_the_quick_key_stays_the_full_one(tmp_path):
    plain = synthetic_policy(tmp_path, "plain", CONTROLLED_VM)
    with_set = write_policy(tmp_path / "with_set.yaml", plain.read_text().replace(
        "vms:", _with_settings("orthogonal_ribosomes.controller_K: 250") + "vms:"))
    keys = []
    for policy in (plain, with_set):
        design = read_design(policy)
        assert input_files(policy) == (design.name, design.inputs)
        keys.append(cache.build_key(design, ("sbml",)))
        assert cache.key_of(input_files(policy)[1], ("sbml",)) == keys[-1]
    assert keys[0] != keys[1]


def test_the_isolated_three_vm_policy_checks(genome_path, shared, monkeypatch):
    """models/policies/syn3a_three_vms_isolated.yaml: what `bioxen check` runs, and the four
    constants it sets, each with its source."""
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    design = pipeline.check(ROOT / "models" / "policies" / "syn3a_three_vms_isolated.yaml")
    assert all(vm.controller for vm in design.vms)
    pool, protease = design.parts.orthogonal_ribosomes, design.parts.protease
    assert [pool[k].value for k in ("controller_transcription", "controller_K", "controller_protein_decay")] == \
        [100, 250, 0.1]
    assert protease["max_transcription"].value == 5
    assert all(q.source.startswith("policy syn3a_three_vms_isolated.yaml: set by the user (was ")
               for q in (pool["controller_K"], protease["max_transcription"]))


def test_the_parts_module_examples():
    assert doctest.testmod(bioxen.parts).failed == 0
