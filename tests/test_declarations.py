"""Vocabulary said once: the chassis and parts keys a design needs are declared by the modules
that read them (``PARAMETERS``), and the IR's Kinetics has the policy schema's fields."""
from __future__ import annotations

import ast
import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from bioxen import ir
from bioxen.chassis import DECLARATION, READERS, declarations, declared_keys, load_chassis
from bioxen.errors import ChassisError
from bioxen.frontend import read_design
from bioxen.parts import SECTIONS
from bioxen.policy import schema
from conftest import write_policy

# What chassis.py and parts.py listed by hand before the modules declared it: the contract the
# declarations must keep (a key leaving it is a key no module reads any more; say so here).
CHASSIS = {
    "parameters": {"s", "n_s", "gmax", "K_gamma", "v_t", "v_m", "K_t", "K_m", "w_r", "w_e", "w_q", "theta_r",
                   "theta_nr", "K_q", "h_q", "n_r", "n_x", "d_m", "k_b", "k_u", "M", "w_rR", "theta_rR",
                   "k_assembly", "k_disassembly", "d_rR"},
    "guest": {"mrna_decay", "protein_decay", "transcription_threshold"},
}
PARTS = {
    "orthogonal_ribosomes": {"orrna_threshold", "assembly", "disassembly", "orrna_decay", "controller_transcription",
                             "controller_threshold", "controller_K", "controller_hill", "controller_length",
                             "controller_initiation", "controller_mrna_decay", "controller_protein_decay"},
    "srna": {"pairing", "decay", "paired_decay", "excess", "leak"},
    "protease": {"length", "kcat", "Km", "max_transcription", "leak", "self_tagged", "pulse", "pulse_repressor_K",
                 "pulse_repressor_hill", "pulse_repressor_length", "pulse_dose"},
    "genetic_code": {"uga_decoding", "host_uga_stops", "readthrough_extension", "readthrough_defective",
                     "amber_sites_per_gene", "amber_suppression_orthogonal", "amber_suppression_host",
                     "amber_background", "host_uag_stops", "aars_max_transcription", "aars_length",
                     "trna_transcription", "charging", "discharge", "charged_K", "ncaa_medium", "ncaa_Km",
                     "ncaa_exchange"},
    "atp_guard": {"max_transcription", "hill", "repressor_K", "repressor_hill", "length"},
    "reporter": {"max_transcription", "length", "maturation", "checkpoint_hill"},
    "clock": {"max_transcription", "leak", "repression_K", "hill", "mrna_decay", "proteins_per_transcript", "length",
              "gate_hill"},
    "ribosome_gate": {"decay", "bound_decay", "excess", "antigate", "leak", "ballast"},
    "decoder": {"rpu_transcription", "repressor_decay"},
    "transcription": {"host_available", "host_promoter_K", "promoter_K", "polymerase_transcription",
                      "inhibitor_transcription", "inhibitor_length", "inhibitor_binding", "inhibitor_unbinding",
                      "inhibitor_decay"},
    "compartment": {"shell_length", "subunits", "cargo_per_shell", "lumen_volume", "nominal_shells", "shell_excess",
                    "loading"},
}


def _source(module: str) -> Path:
    package, _, name = module.rpartition(".")
    for directory in importlib.util.find_spec(package).submodule_search_locations:
        if (Path(directory) / f"{name}.py").is_file():
            return Path(directory) / f"{name}.py"
    raise AssertionError(f"no source for {module}")


def _strings_read(path: Path) -> set[str]:
    """Every string literal of a module but those of its PARAMETERS declaration."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = {id(n) for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == DECLARATION for t in node.targets) for n in ast.walk(node)}
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in declared}


def test_every_declared_key_is_read_by_its_module_and_names_a_section():
    found = declarations()
    assert {m.rsplit(".", 1)[0] for m in found} <= set(READERS) and len(found) >= 10
    sections = {"chassis": set(CHASSIS), "parts": set(SECTIONS)}
    unread = []
    for module, keys in found.items():
        read = _strings_read(_source(module))
        for declared in keys:
            file, section, key = declared.split(".", 2)
            assert section in sections[file], f"{module}: {declared} names no section of the {file}"
            if key not in read:
                unread.append(f"{module}: {declared}")
        assert len(set(keys)) == len(keys), f"{module} declares a key twice"
    assert not unread, "declared but never read:\n" + "\n".join(unread)


def test_the_required_keys_are_the_declared_ones():
    chassis, parts = declared_keys("chassis"), declared_keys("parts")
    assert {section: set(keys) for section, keys in chassis.items()} == CHASSIS
    assert {section: set(keys) for section, keys in parts.items()} == PARTS
    assert chassis["parameters"]["gmax"] == ("bioxen.rules.energy", "bioxen.passes.parameterize")


def test_a_chassis_lacking_a_key_names_the_modules_that_read_it(tmp_path):
    shipped = Path(load_chassis("ecoli_mg1655").source).read_text()
    chassis = tmp_path / "thin.yaml"
    chassis.write_text(shipped.replace("\n  gmax:", "\n  gmax_typo:", 1))
    with pytest.raises(ChassisError, match="chassis lacks parameters: gmax") as caught:
        load_chassis(str(chassis))
    error = caught.value.errors[0]
    assert "bioxen.rules.energy" in error.hint and error.location.file == str(chassis)


def test_the_front_end_checks_the_declarations_without_running_the_modules():
    probe = ("import sys; from bioxen.chassis import READERS, load_chassis; from bioxen.parts import load_parts; "
             "load_chassis('ecoli_mg1655'); load_parts(); "
             "print(sorted(m for m in sys.modules if m.startswith(READERS)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_irs_kinetics_are_the_schemas_field_by_field(tmp_path, synthetic_genbank):
    assert [f.name for f in dataclasses.fields(ir.Kinetics)] == list(schema.Kinetics.model_fields)
    given = {"transcription_nt_per_s": 40, "translation_aa_per_s": 12, "mrna_half_life": "90 s",
             "protein_half_life": "2 h"}
    assert set(given) == set(schema.Kinetics.model_fields)       # a new field needs a value here
    policy = write_policy(tmp_path / "k.yaml", f"""
schema_version: 1
vms:
  - id: vm1
    genome: {synthetic_genbank}
    genetic_code: recode
    kinetics: {{{", ".join(f"{k}: {v}" for k, v in given.items())}}}
""")
    kinetics = read_design(policy).vms[0].kinetics
    expected = schema.Kinetics.model_validate(given)
    for name in schema.Kinetics.model_fields:
        assert getattr(kinetics, name) == getattr(expected, name), name
    assert (kinetics.mrna_half_life, kinetics.protein_half_life) == (1.5, 120.0)     # minutes
