"""The API's VM configuration (bioxen.api.config): pydantic models in both layouts, mapped onto a
policy by the table in the module's docstring, with errors that name the setting's path, what
was expected and, in a file, its line. Nothing is compiled here (tests/test_api.py compiles)."""
from __future__ import annotations

import pytest

from bioxen.api.config import (HOST_RIBOSOMES, ApiSettings, ConfigError, DocumentSettings, from_config,
                               from_yaml, policy_for)
from bioxen.policy.schema import Kinetics, Policy
from bioxen.units import minutes

DOCUMENT = """\
genomic_virtualization:
  genome_file: CP016816.2
  execution_engine: "direct"
  runtime_scheduler: "preemptive"
  resolution: operon
  expression_table: syn3a_gene_table.csv
  virtual_resources:
    atp_pool_size: 1000
    ribosome_allocation: 7000
    virtual_metabolites:
      glucose_concentration: 0
      phosphate_concentration: 5.0
  execution_parameters:
    transcription_execution_rate: 50
    translation_execution_rate: 15.0
    degradation_processing:
      mrna_processing_rate: 300
      protein_processing_rate: "1 h"
"""


def test_every_setting_of_the_document_maps_onto_a_valid_policy(tmp_path):
    path = tmp_path / "gv.yaml"
    path.write_text(DOCUMENT)
    settings = from_yaml(path)
    assert settings.genome == "CP016816.2" and settings.resolution == "operon"
    assert settings.expression_table == "syn3a_gene_table.csv" and settings.scheduler == "preemptive"
    assert settings.ribosome_share == pytest.approx(7000 / HOST_RIBOSOMES) and settings.atp_pool == 1000
    assert settings.absent_nutrients == ("glucose",)          # 0 mM closes it; 5 mM leaves phosphate open
    assert settings.kinetics == {"transcription_nt_per_s": 50.0, "translation_aa_per_s": 15.0,
                                 "mrna_half_life": "300 s", "protein_half_life": "3600 s"}
    policy = Policy.model_validate(policy_for("gv", "ecoli_mg1655", settings, "recode"))
    vm = policy.vms[0]
    assert (vm.genome, vm.resolution, vm.expression_table) == ("CP016816.2", "operon", "syn3a_gene_table.csv")
    assert vm.kinetics == Kinetics(transcription_nt_per_s=50, translation_aa_per_s=15, mrna_half_life="300 s",
                                   protein_half_life="1 h")
    assert vm.ribosomes.share == round(7000 / HOST_RIBOSOMES, 6) and vm.ribosomes.pool == "orthogonal"


def test_the_dict_layout_and_the_document_agree():
    settings = {"genome_file": "x.gb", "virtual_resources": {"ribosome_count": 7000, "atp_pool": 10},
                "execution_parameters": {"degradation_processing": {"mrna_processing_rate": 90}}}
    from_dict = from_config({"genomic_virtualization": dict(settings, enabled=True, execution_mode="direct")})
    from_document = from_yaml({"genomic_virtualization": dict(settings, execution_engine="direct")})
    assert from_dict == from_document
    assert set(ApiSettings.model_fields) ^ set(DocumentSettings.model_fields) == {
        "enabled", "execution_mode", "execution_engine", "runtime_scheduler"}


@pytest.mark.parametrize("seconds", [300, 300.0, 7, 0.1, 123.456789, 1e-3, 86_400])
def test_a_half_life_reaches_the_policy_as_the_number_it_was(seconds):
    settings = from_config({"genomic_virtualization": {"genome_file": "x.gb", "execution_parameters": {
        "degradation_processing": {"mrna_processing_rate": seconds}}}})
    assert minutes(settings.kinetics["mrna_half_life"]) == minutes(f"{seconds!r} s")


@pytest.mark.parametrize("rate", [0, 1e-9, 50, 200, 200.5, 1e6])
def test_the_rates_range_is_the_policy_schemas(rate):
    """Both read transcription_execution_rate through the schema's TranscriptionSpeed."""
    try:
        Kinetics(transcription_nt_per_s=rate)
        schema_accepts = True
    except ValueError:
        schema_accepts = False
    config = {"genomic_virtualization": {"genome_file": "x.gb",
                                         "execution_parameters": {"transcription_execution_rate": rate}}}
    if schema_accepts:
        assert from_config(config).kinetics["transcription_nt_per_s"] == rate
    else:
        with pytest.raises(ConfigError, match="transcription_execution_rate: .* is out of range"):
            from_config(config)


@pytest.mark.parametrize("value", [True, "7000", [7000], None])
def test_numbers_are_numbers(value):
    config = {"genomic_virtualization": {"genome_file": "x.gb", "virtual_resources": {"ribosome_count": value}}}
    if value is None:                                      # an empty setting is no setting
        assert from_config(config).ribosome_share == 0.2
        return
    with pytest.raises(ConfigError, match="genomic_virtualization.virtual_resources.ribosome_count: expected a "
                                          "valid number, got"):
        from_config(config)


def test_errors_in_a_file_name_the_setting_its_line_and_what_was_expected(tmp_path):
    path = tmp_path / "gv.yaml"
    path.write_text(DOCUMENT.replace("runtime_scheduler: \"preemptive\"", "runtime_scheduler: round_robin")
                    .replace("glucose_concentration: 0", "glucose_concentration: -1\n      sucrose: 4")
                    .replace("mrna_processing_rate: 300", "mrna_processing_rate: -300"))
    with pytest.raises(ConfigError) as caught:
        from_yaml(path)
    found = {str(e.location): (e.message, e.hint) for e in caught.value.errors}
    assert found == {
        f"{path}:4:22": ("genomic_virtualization.runtime_scheduler: 'round_robin' is not supported",
                         "expected one of: 'preemptive' or 'fair_share'"),
        f"{path}:11:30": ("genomic_virtualization.virtual_resources.virtual_metabolites.glucose_concentration: "
                          "-1 is out of range (expected a number greater than or equal to 0)", None),
        f"{path}:12:7": ("genomic_virtualization.virtual_resources.virtual_metabolites: unknown setting 'sucrose'",
                         "allowed: glucose_concentration, phosphate_concentration"),
        f"{path}:18:29": ("genomic_virtualization.execution_parameters.degradation_processing.mrna_processing_rate: "
                          "expected a number of seconds above 0, got -300", None)}


def test_a_vm_leaves_the_host_some_ribosomes_and_the_error_points_at_the_key_given(tmp_path):
    path = tmp_path / "gv.yaml"
    path.write_text(DOCUMENT.replace("ribosome_allocation: 7000", "ribosome_allocation: 26000"))
    with pytest.raises(ConfigError, match=r"virtual_resources.ribosome_allocation: 26000 ribosomes is 99% .* at "
                                          r"most 90%") as caught:
        from_yaml(path)
    assert str(caught.value.errors[0].location) == f"{path}:9:26"


@pytest.mark.parametrize("text, message", [
    ("vms: []\n", "genomic_virtualization: missing: the section that holds"),
    ("- genomic_virtualization\n", "a configuration is a mapping whose key genomic_virtualization"),
    ("genomic_virtualization: {genome_file: x.gb, enabled: true}\n", "unknown setting 'enabled'"),
    ("genomic_virtualization: {genome_file: '  '}\n", "genome_file: expected a GenBank path or an NCBI accession"),
    ("genomic_virtualization: {virtual_resources: {}}\n", "genome_file: missing: the genome to run"),
    ("genomic_virtualization: [1]\n", "genomic_virtualization: expected a mapping, got"),
    ("genomic_virtualization: {genome_file: x.gb\n", "invalid YAML"),
])
def test_a_bad_document_is_a_located_config_error(tmp_path, text, message):
    path = tmp_path / "gv.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        from_yaml(path)
    assert str(caught.value.errors[0].location).startswith(str(path))


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="configuration not found"):
        from_yaml(tmp_path / "absent.yaml")
