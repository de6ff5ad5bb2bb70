"""The bill of materials of a design's hypervisor (bom.csv, written beside hypervisor.gb).

One row per part instance of every hypervisor construct (:func:`bioxen.backend.images.hypervisor_constructs`),
in the order of the records' features: the construct (record id), the cassette (locus tag), the
part, its kind (the GenBank feature type), its length, where its DNA comes from and its status:

* ``sourced``: DNA read in a cited source (BioXen's parts data, Cello's reference data, a genome);
* ``designed``: RNA or UTR that BioXen designed (gate and anti-gate RNAs, 5' UTRs, o-16S anti-SDs,
  a missing protease's self-tag);
* ``recoded``: a sourced CDS synonymously diversified so that two copies do not repeat;
* ``missing``: no sequence in BioXen's data: listed with its expected length, never written as N;
* ``chassis``: what the chassis must carry and the constructs do not: the regulators of the
  sensors the design's commands use (a Marionette strain's AraC, LacI, TetR, CymR, VanR, CinR,
  TtgR) and the host's ClpXP/ClpAP, which degrade the degron-tagged ring repressors and N-degrons.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from bioxen.backend.images import Construct
from bioxen.ir import Design

COLUMNS = ("construct", "cassette", "part", "kind", "length", "source", "status")
HOST_PROTEASES = ("ClpXP", "ClpAP")


def construct_rows(constructs: list[Construct]) -> list[dict[str, str | int]]:
    """A row per piece of every placed cassette, missing parts (no DNA) included."""
    return [{"construct": construct.id, "cassette": placed.locus_tag, "part": piece.label, "kind": piece.type,
             "length": piece.length, "source": piece.source, "status": piece.status}
            for construct in constructs for placed in construct.placed for piece in placed.pieces]


def chassis_rows(design: Design) -> list[dict[str, str | int]]:
    """The regulators of the sensors ``design.wiring`` uses, and the host proteases."""
    from bioxen.cello import load_cello

    sensors = load_cello().sensors
    used = dict.fromkeys(s for entry in (design.wiring.inputs if design.wiring else ()) for s in entry.inducers
                         if s in sensors)
    rows = [{"construct": "chassis", "cassette": "", "part": sensors[s].regulator, "kind": "regulator",
             "length": "", "source": sensors[s].source, "status": "chassis"} for s in used]
    rows += [{"construct": "chassis", "cassette": "", "part": name, "kind": "protease", "length": "",
              "source": "host E. coli", "status": "chassis"} for name in HOST_PROTEASES]
    return rows


def bill_of_materials(design: Design, constructs: list[Construct]) -> list[dict[str, str | int]]:
    return construct_rows(constructs) + chassis_rows(design)


def write_bom(design: Design, constructs: list[Construct], path: Path) -> Path:
    """bom.csv: :func:`bill_of_materials` as CSV (in a build directory, which is swapped in whole)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(bill_of_materials(design, constructs))
    Path(path).write_text(text.getvalue())
    return path
