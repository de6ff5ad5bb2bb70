"""Cello's parts as BioXen reads them: gates with DNA and response functions, the seven Marionette
sensors, terminators and ribozymes, found as reference data and refused clearly when malformed."""
from __future__ import annotations

import json
import shutil

import pytest
from Bio.Seq import Seq

from bioxen.cello import GATE_FILES, SENSOR_FILE, Response, cello_files, load_cello
from bioxen.data.reference import REFERENCE_DATA
from bioxen.errors import PartsError


@pytest.fixture(scope="module")
def cello():
    return load_cello()


def test_the_seven_marionette_sensors_with_their_measured_range(cello):
    assert len(cello.sensors) == 7
    atc = cello.sensors["aTc_sensor"]
    assert (atc.inducer, atc.regulator, atc.promoter.name) == ("aTc", "TetR", "PTet")
    assert atc.ymax == pytest.approx(5.41) and atc.leak == pytest.approx(0.02 / 5.41)
    assert len({s.promoter.dna for s in cello.sensors.values()}) == 7
    ranked = [s.name for s in cello.sensors_by_quality()]
    assert ranked[0] == "OHC14_sensor" and ranked[-1] == "Cuma_sensor"     # 0.23% leak .. 8%


def test_every_gate_is_a_repressor_with_a_translatable_cds_and_its_own_promoter(cello):
    assert {"PhlF", "SrpR", "BM3R1", "AmtR", "HlyIIR", "BetI", "AmeR", "LmrA", "QacR"} <= set(cello.repressors)
    assert "AmeRs" not in cello.repressors          # binds AmeR's operator: not a second repressor
    for r in cello.repressors.values():
        protein = str(Seq(r.cds.dna).translate(table=11)).rstrip("*")     # CymR ends in a double stop
        assert protein.startswith("M") and "*" not in protein and len(protein) > 150, r.name
        assert r.promoter.name.lower() == f"p{r.name.lower()}" and r.promoter.dna
        assert r.response.ymax > r.response.ymin > 0 and r.response.n >= 1
    assert len({r.promoter.dna for r in cello.repressors.values()}) == len(cello.repressors)


def test_the_best_rbs_variant_is_kept_and_the_response_is_cellos_hill_function(cello):
    phlf = cello.repressors["PhlF"]
    assert phlf.gate == "P1_PhlF"                    # widest of P1/P2/P3 (ymax/ymin 1,585)
    r = Response(ymax=2.0, ymin=0.02, K=0.1, n=2.0)
    assert r(0.0) == pytest.approx(2.0) and r(0.1) == pytest.approx(1.01) and r(10.0) < 0.021


def test_repressors_of_the_chassis_sensors_are_not_offered_as_gates(cello):
    assert {"CymR", "VanR"} <= set(cello.repressors)           # in Cello's gate set
    gates = {r.name for r in cello.gate_repressors()}           # but the Marionette chassis makes them
    assert not {"CymR", "VanR"} & gates and len(gates) == 9


def test_insulators_and_terminators_have_dna(cello):
    assert len(cello.terminators) >= 15 and len(cello.ribozymes) >= 10
    assert all(set(p.dna) <= set("ACGT") and len(p.dna) > 40 for p in cello.terminators + cello.ribozymes)


def test_the_files_are_known_reference_data_checked_by_sha256(cello):
    names = {d.filename: d for d in REFERENCE_DATA.values()}
    for path, digest in cello.files:
        key = next(f for f in names if path.endswith(f))
        assert names[key].sha256 == digest and names[key].url.startswith("https://")
    assert [n for n, _ in cello_files()] == ["Eco1C2G2T2.UCF.json", "Eco2C1G3T1.UCF.json", "Eco2C1G3T1.input.json"]


def test_missing_data_names_where_it_looked_and_how_to_fetch_it(monkeypatch, tmp_path):
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(tmp_path))
    with pytest.raises(PartsError) as caught:
        load_cello(tmp_path / "nowhere")
    assert "Eco1C2G2T2.UCF.json" in str(caught.value) and "bioxen data fetch cello-eco1-ucf" in caught.value.errors[0].hint
    assert cello_files() == ()


def test_a_malformed_file_is_refused_with_its_path(shared, tmp_path):
    for name in (*GATE_FILES, SENSOR_FILE):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared / "data" / name, tmp_path / name)
    broken = tmp_path / GATE_FILES[0]
    tree = json.loads(broken.read_text())
    part = next(x for x in tree if x.get("collection") == "parts" and x["type"] == "cds")
    part["dnasequence"] = "ATGNNNTAA"
    broken.write_text(json.dumps(tree))
    with pytest.raises(PartsError) as caught:
        load_cello(tmp_path)
    assert "other than ACGT" in str(caught.value) and str(broken) in str(caught.value)
    broken.write_text("{not json")
    with pytest.raises(PartsError, match="cannot read Cello parts file"):
        load_cello(str(tmp_path) + "/")          # a different cache key: read again
