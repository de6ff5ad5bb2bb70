"""Cello's measured E. coli parts: repressor gates, inducible sensors, terminators, ribozymes.

Cello (Nielsen et al. 2016 Science 352:aac7341; CIDARLAB/Cello-UCF) publishes its characterised
parts as user constraint files (UCF, JSON). BioXen reads them at run time as reference data
(:mod:`bioxen.data.reference`: ``BIOXEN_DATA_PATH``, the cache that ``bioxen data fetch
cello-eco1-ucf`` ... fill; the repository states no licence, so BioXen does not ship them):

* ``Eco1C2G2T2.UCF.json`` (E. coli NEB 10-beta, M9 glucose, 37 C): TetR-family repressor NOT/NOR
  gates, each a cassette ribozyme insulator + RBS + repressor CDS + terminator whose output is the
  repressor's cognate promoter, with a Hill response in RPU (``ymin + (ymax - ymin)/(1 + (x/K)^n)``,
  x the input promoters' summed activity); ``Eco2C1G3T1.UCF.json`` (MG1655 with landing pads) adds
  QacR and its parts;
* ``Eco2C1G3T1.input.json``: the seven orthogonal inducible sensors of the Marionette set (Meyer et
  al. 2019 Nat Chem Biol 15:196): each sensor's output promoter and its ymin/ymax in RPU; their
  regulators (AraC, LacI, TetR, CymR, VanR, CinR, TtgR) are the chassis's (a Marionette strain
  carries them in its genome).

A repressor is offered once (its RBS variant with the widest dynamic range, first file first);
repressors that share an operator (AmeR and AmeRs) count once, and a repressor that regulates one of
the sensors (CymR, VanR) is not offered as a gate: it would answer that sensor's inducer.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from Bio.Seq import Seq

from bioxen.data.reference import find_data_file
from bioxen.errors import PartsError, at

CELLO_COMMIT = "222827d30a28730404f0601d64f63436354fee9d"
GATE_FILES = ("parts/cello/Eco1C2G2T2.UCF.json", "parts/cello/Eco2C1G3T1.UCF.json")
SENSOR_FILE = "parts/cello/Eco2C1G3T1.input.json"
CELLO_CITATION = ("Nielsen AAK et al. (2016) Genetic circuit design automation. Science 352:aac7341; "
                  "Cello-UCF @ " + CELLO_COMMIT)
MARIONETTE_CITATION = ("Meyer AJ, Segall-Shapiro TH, Glassey E, Zhang J & Voigt CA (2019) Escherichia coli "
                       "'Marionette' strains with 12 highly optimized small-molecule sensors. Nat Chem Biol 15:196")

# The Marionette sensors of Eco2C1G3T1.input.json: the inducer each sensor's name stands for and the
# regulator its promoter answers to (S: SOURCE.md of the reference data and the promoters' names:
# PBadmc/AraC, PTac/LacI, PTet/TetR, PCymRC/CymR, PVanCC/VanR, PCin/CinR, PTtg/TtgR).
SENSOR_CHEMISTRY = {
    "Ara_sensor": ("L-arabinose", "AraC"), "IPTG_sensor": ("IPTG", "LacI"), "aTc_sensor": ("aTc", "TetR"),
    "Cuma_sensor": ("cumate", "CymR"), "Van_sensor": ("vanillate", "VanR"),
    "OHC14_sensor": ("3OHC14:1-HSL", "CinR"), "Nar_sensor": ("naringenin", "TtgR"),
}
SAME_OPERATOR = {"AmeRs": "AmeR"}
REPEAT_BP = 16     # the shortest repeat sequence QA reports (bioxen.backend.sequence_qa)    # a variant that binds its parent's operator (pAmeR in both files)


@dataclass(frozen=True)
class Part:
    """One Cello part: its name, kind (promoter, cds, rbs, ribozyme, terminator, scar) and DNA."""

    name: str
    kind: str
    dna: str
    source: str     # the file it was read in, with the Cello-UCF commit


def _repeated(dna: str, other: str, same: bool, k: int = REPEAT_BP) -> bool:
    """Whether ``other`` holds a k-mer of ``dna`` (``same``: other is dna, a k-mer seen twice)."""
    seen: set[str] = set()
    for i in range(len(dna) - k + 1):
        if same and dna[i:i + k] in seen:
            return True
        seen.add(dna[i:i + k])
    return not same and any(other[i:i + k] in seen for i in range(len(other) - k + 1))


def shares_stretch(dna: str, other: str, k: int = REPEAT_BP) -> bool:
    """Whether two parts share a k-bp stretch on either strand (a repeat wherever both are written)."""
    return _repeated(dna, other, same=False) or _repeated(dna, str(Seq(other).reverse_complement()), same=False)


@dataclass(frozen=True)
class Response:
    """A gate's steady-state response (RPU in, RPU out): ``ymin + (ymax - ymin)/(1 + (x/K)^n)``."""

    ymax: float
    ymin: float
    K: float
    n: float

    def __call__(self, x: float) -> float:
        return self.ymin + (self.ymax - self.ymin) / (1.0 + (max(x, 0.0) / self.K) ** self.n)

    @property
    def dynamic_range(self) -> float:
        return self.ymax / self.ymin


@dataclass(frozen=True)
class Repressor:
    """A NOT/NOR gate: the repressor (``name``), its cassette parts and response."""

    name: str
    gate: str               # Cello's gate name, e.g. P3_PhlF (RBS variant + repressor)
    response: Response
    ribozyme: Part
    rbs: Part
    cds: Part
    terminator: Part
    promoter: Part          # the output promoter, repressed by this repressor

    @property
    def source(self) -> str:
        return f"Cello gate {self.gate} ({self.cds.source}; Nielsen et al. 2016 Science 352:aac7341)"


@dataclass(frozen=True)
class Sensor:
    """An inducible sensor: the inducer turns its promoter from ymin to ymax (RPU)."""

    name: str
    inducer: str
    regulator: str
    promoter: Part
    ymax: float
    ymin: float

    @property
    def leak(self) -> float:
        """Activity without inducer over activity with it."""
        return self.ymin / self.ymax

    @property
    def repeats_itself(self) -> bool:
        """Whether its promoter repeats a 16-bp stretch of itself (PTet's two tet operators): a
        direct repeat in any construct that carries it."""
        return _repeated(self.promoter.dna, self.promoter.dna, same=True)

    @property
    def palindromic(self) -> bool:
        """Whether its promoter holds a 16-bp inverted repeat (PTac's lac operator): written twice,
        once on each strand, the two copies then share it as a direct repeat."""
        return _repeated(self.promoter.dna, str(Seq(self.promoter.dna).reverse_complement()), same=False)

    @property
    def source(self) -> str:
        return f"Marionette sensor {self.name} ({self.promoter.source}; {MARIONETTE_CITATION})"


@dataclass(frozen=True)
class CelloLibrary:
    repressors: dict[str, Repressor]     # by repressor name, one gate each, in file order
    sensors: dict[str, Sensor]           # by sensor name, in file order
    terminators: tuple[Part, ...]        # every distinct terminator with DNA
    ribozymes: tuple[Part, ...]          # every distinct ribozyme insulator
    files: tuple[tuple[str, str], ...]   # (path, sha256) of every file read

    def sensors_by_quality(self) -> list[Sensor]:
        """Sensors, tightest first (lowest leak), ties by strength."""
        return sorted(self.sensors.values(), key=lambda s: (s.leak, -s.ymax))

    def gate_repressors(self, sensors: list[Sensor] | tuple[Sensor, ...] = ()) -> list[Repressor]:
        """Repressors usable as gates: none that regulates a sensor. The chassis carries every
        sensor's regulator (a Marionette strain has them in its genome, used or not), so a CymR or
        VanR gate would sit repressed by the chassis's own CymR or VanR. ``sensors``: further
        sensors whose regulators to exclude (a library's own are always excluded)."""
        taken = {s.regulator for s in (*self.sensors.values(), *sensors)}
        return [r for r in self.repressors.values() if r.name not in taken]


def _read(name: str, base_dir) -> tuple[list, Path, str]:
    path = find_data_file(name, base_dir=base_dir, error=PartsError, what="Cello parts file")
    try:
        raw = path.read_bytes()
        tree = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise PartsError(f"cannot read Cello parts file: {exc}", at(path)) from None
    if not isinstance(tree, list) or not all(isinstance(x, dict) and "collection" in x for x in tree):
        raise PartsError("not a Cello UCF: expected a JSON list of objects with a 'collection' key", at(path))
    return tree, path, hashlib.sha256(raw).hexdigest()


def _collection(tree: list, name: str) -> list[dict]:
    return [x for x in tree if x.get("collection") == name]


def _parameters(model: dict, path: Path, wanted: tuple[str, ...]) -> dict[str, float]:
    values = {p.get("name"): p.get("value") for p in model.get("parameters", [])}
    missing = [k for k in wanted if not isinstance(values.get(k), (int, float)) or values[k] < 0]
    if missing:
        raise PartsError(f"Cello model {model.get('name')} lacks parameter(s) {', '.join(missing)} "
                         "(non-negative numbers expected)", at(path))
    return {k: float(values[k]) for k in wanted}


def _parts(tree: list, path: Path) -> dict[str, Part]:
    parts: dict[str, Part] = {}
    for p in _collection(tree, "parts"):
        dna = "".join(str(p.get("dnasequence", "")).split()).upper()
        if set(dna) - set("ACGT"):
            raise PartsError(f"Cello part {p.get('name')} has letters other than ACGT", at(path))
        parts.setdefault(p["name"], Part(p["name"], p.get("type", ""), dna,
                                         f"{path.name} @ Cello-UCF {CELLO_COMMIT[:10]}"))
    return parts


def _gates(tree: list, path: Path) -> list[Repressor]:
    parts, gates = _parts(tree, path), []
    models = {m["name"]: m for m in _collection(tree, "models")}
    structures = {s["name"]: s for s in _collection(tree, "structures")}
    for gate in _collection(tree, "gates"):
        model, structure = models.get(gate.get("model")), structures.get(gate.get("structure"))
        if model is None or structure is None:
            raise PartsError(f"Cello gate {gate.get('name')} names a model or structure the file lacks", at(path))
        cassette = next((d for d in structure.get("devices", []) if d["name"].endswith("_cassette")), None)
        if cassette is None or len(cassette.get("components", [])) != 4 or not structure.get("outputs"):
            raise PartsError(f"Cello gate {gate['name']}: expected a 4-part cassette (ribozyme, RBS, CDS, "
                             "terminator) and an output promoter", at(path))
        names = [*cassette["components"], structure["outputs"][0]]
        if any(n not in parts for n in names):
            raise PartsError(f"Cello gate {gate['name']} uses parts the file lacks: "
                             f"{', '.join(n for n in names if n not in parts)}", at(path))
        ribozyme, rbs, cds, terminator, promoter = (parts[n] for n in names)
        gates.append(Repressor(gate["regulator"], gate["name"], Response(**_parameters(model, path, ("ymax", "ymin", "K", "n"))),
                               ribozyme, rbs, cds, terminator, promoter))
    return gates


def _sensors(tree: list, path: Path) -> dict[str, Sensor]:
    parts = _parts(tree, path)
    models = {m["name"]: m for m in _collection(tree, "models")}
    structures = {s["name"]: s for s in _collection(tree, "structures")}
    sensors = {}
    for s in _collection(tree, "input_sensors"):
        name = s["name"]
        if name not in SENSOR_CHEMISTRY:
            raise PartsError(f"Cello sensor {name} is not one BioXen knows the inducer of "
                             f"(known: {', '.join(SENSOR_CHEMISTRY)})", at(path))
        model, structure = models.get(s.get("model")), structures.get(s.get("structure"))
        if model is None or structure is None or not structure.get("outputs") or structure["outputs"][0] not in parts:
            raise PartsError(f"Cello sensor {name}: its model, structure or output promoter is missing", at(path))
        values = _parameters(model, path, ("ymax", "ymin"))
        inducer, regulator = SENSOR_CHEMISTRY[name]
        sensors[name] = Sensor(name, inducer, regulator, parts[structure["outputs"][0]], values["ymax"], values["ymin"])
    return sensors


@lru_cache(maxsize=4)
def _load(base_dir: str | None) -> CelloLibrary:
    repressors: dict[str, Repressor] = {}
    terminators: dict[str, Part] = {}
    ribozymes: dict[str, Part] = {}
    files = []
    for name in GATE_FILES:
        tree, path, digest = _read(name, base_dir)
        files.append((str(path), digest))
        for part in _parts(tree, path).values():
            if part.dna and part.kind == "terminator":
                terminators.setdefault(part.name, part)
            if part.dna and part.kind == "ribozyme":
                ribozymes.setdefault(part.name, part)
        best: dict[str, Repressor] = {}
        for gate in _gates(tree, path):
            key = SAME_OPERATOR.get(gate.name, gate.name)
            if key not in best or gate.response.dynamic_range > best[key].response.dynamic_range:
                best[key] = gate
        for key, gate in best.items():
            repressors.setdefault(key, gate)
    tree, path, digest = _read(SENSOR_FILE, base_dir)
    files.append((str(path), digest))
    return CelloLibrary(repressors, _sensors(tree, path), tuple(terminators.values()), tuple(ribozymes.values()),
                        tuple(files))


def load_cello(base_dir: str | Path | None = None) -> CelloLibrary:
    """Cello's gates and the Marionette sensors, read from the reference data (see module doc)."""
    return _load(None if base_dir is None else str(base_dir))


def cello_files() -> tuple[tuple[str, Path], ...]:
    """The Cello files found now, as (file name, path), for a build's recorded inputs; () if any
    is missing (a design then compiles without them, :mod:`bioxen.passes.wiring`)."""
    found = []
    for name in (*GATE_FILES, SENSOR_FILE):
        try:
            found.append((Path(name).name, find_data_file(name, error=PartsError)))
        except PartsError:
            return ()
    return tuple(found)
