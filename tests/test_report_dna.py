"""The report's judgement of the design's DNA: per-VM constructs, the bill of materials, sequence QA
and the evolutionary lifetime under the run's burden (bioxen.report.dna)."""
from __future__ import annotations

import csv
import json
import random

from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord

from bioxen.report.dna import dna_html, dna_metrics, vm_construct

TERMINATOR = "CCAGGCATCAAATAAAACGAAAGGCTCAGTCGAAAGACTGGGCCTTTCGTTTTATC"


def _construct(tmp_path, repeated_terminator: bool):
    rng = random.Random(3)
    pieces, features, offset = [], [], 0
    for vm in ("vm1", "vm2"):
        for what, kind, length in (("promoter", "promoter", 60), ("gene", "CDS", 900), ("terminator", "terminator", 0)):
            dna = TERMINATOR if kind == "terminator" and (repeated_terminator or vm == "vm1") else \
                "".join(rng.choice("ACGT") for _ in range(length or len(TERMINATOR)))
            features.append(SeqFeature(FeatureLocation(offset, offset + len(dna), 1), type=kind,
                                       qualifiers={"label": [f"{what} {vm}"], "locus_tag": [f"hv_{vm}_protease"]}))
            pieces.append(dna)
            offset += len(dna)
    core = SeqRecord(Seq("".join(pieces)), id="d_hypervisor", features=features,
                     annotations={"molecule_type": "DNA", "topology": "linear"})
    rrna = "".join(rng.choice("ACGT") for _ in range(1500))
    orrna = SeqRecord(Seq(rrna), id="d_orrna_o1", annotations={"molecule_type": "DNA", "topology": "linear"},
                      features=[SeqFeature(FeatureLocation(0, 1500, 1), type="rRNA",
                                           qualifiers={"label": ["o-16S o1"], "locus_tag": ["hv_vm1_orrna"]})])
    SeqIO.write([core, orrna], tmp_path / "hypervisor.gb", "genbank")
    with open(tmp_path / "bom.csv", "w", newline="") as out:
        writer = csv.DictWriter(out, ["construct", "cassette", "part", "kind", "length", "source", "status"])
        writer.writeheader()
        writer.writerow({"construct": "d_hypervisor", "cassette": "hv_vm1_protease", "part": "mf_lon", "kind": "CDS",
                         "length": 2355, "source": "Cameron & Collins 2014", "status": "missing"})
        writer.writerow({"construct": "d_hypervisor", "cassette": "hv_vm1_protease", "part": "B0015",
                         "kind": "terminator", "length": 129, "source": "iGEM", "status": "sourced"})
    (tmp_path / "sequence_qa.json").write_text(json.dumps({"findings": [
        {"kind": "repeat", "severity": "error", "record": "d_hypervisor", "detail": "a planted repeat"}]}))
    return [core, orrna]


GROWTH = {"doubling_time_min": 80.0, "host_alone_doubling_time_min": 60.0}


def test_each_vm_gets_its_own_cassettes_and_its_pools_rrna(tmp_path):
    core, orrna = _construct(tmp_path, repeated_terminator=False)
    own = vm_construct([core, orrna], "vm1", "o1")
    assert len(own.seq) == 60 + 900 + len(TERMINATOR) + 1500
    assert [f.qualifiers["label"][0] for f in own.features][-1] == "o-16S o1"
    assert str(own.seq).endswith(str(orrna.seq)) and vm_construct([core], "vm3", None) is None


def test_lifetime_falls_with_a_repeat_and_with_burden_and_reaches_the_report(tmp_path):
    _construct(tmp_path, repeated_terminator=False)
    clean = dna_metrics(tmp_path, GROWTH, {"vm1": 0.15, "vm2": 0.15}, {"vm1": "o1", "vm2": "o2"})
    _construct(tmp_path, repeated_terminator=True)
    repeated = dna_metrics(tmp_path, GROWTH, {"vm1": 0.15, "vm2": 0.15}, {"vm1": "o1", "vm2": "o2"})
    heavier = dna_metrics(tmp_path, {**GROWTH, "doubling_time_min": 120.0}, {"vm1": 0.15, "vm2": 0.15},
                          {"vm1": "o1", "vm2": "o2"})
    life, worse = clean["lifetime"], repeated["lifetime"]
    rmd = [c["rmd"] for c in worse["constructs"] if c["id"] == "d_hypervisor"][0]
    assert rmd > 1e-5 and [c["rmd"] for c in life["constructs"]] == [0.0, 0.0]   # the repeat deletes
    assert abs(worse["mu_per_generation"] - life["mu_per_generation"] - rmd) < 1e-12
    assert worse["half_life"]["hours"] < life["half_life"]["hours"]
    assert heavier["lifetime"]["half_life"]["hours"] < worse["half_life"]["hours"]
    assert life["burden"] == 0.25 and set(life["per_vm"]) == {"vm1", "vm2"}
    assert life["per_vm"]["vm1"]["burden"] == 0.125                       # its half of the guests' burden
    assert "rmd" in [s["kind"] for s in worse["top_sites"]]
    assert clean["bom"] == {"parts": 2, "by_status": {"missing": 1, "sourced": 1}, "missing": ["mf_lon"]}
    assert clean["sequence_qa"]["errors"] == 1
    sens = heavier["lifetime"]["sensitivity"]
    assert sens["limited_by"] == "burden" and sens["half_life_without_burden_hours"] > 100 * heavier["lifetime"]["half_life"]["hours"]
    assert 0 < sens["largest_burden_for_24_h"] < 0.9
    page = dna_html(repeated)
    assert "Hypervisor DNA" in page and "mf_lon" in page and "24-48 h" in page and "rmd" in page


def test_no_dna_no_section(tmp_path):
    assert dna_metrics(tmp_path, GROWTH, {}, {}) is None and dna_html(None) == ""
