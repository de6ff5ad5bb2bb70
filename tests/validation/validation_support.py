"""What the validation tests share: small synthetic genomes, compiling a policy into a
libRoadRunner simulator, and steady states of the compiled model.

Everything is simulated from the compiled SBML (bioxen.frontend.read_design ->
bioxen.backend.compile.compile_design -> libRoadRunner), never from a separate model.
"""
from __future__ import annotations

import random
from pathlib import Path

import libsbml
import numpy as np
import roadrunner
from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord

from bioxen.backend.compile import compile_design
from bioxen.chassis import load_chassis
from bioxen.frontend import read_design
from bioxen.runtime.steady import host_design

HORIZON_MIN = 40_000.0   # long enough for the slowest design here (doubling ~400 min) to settle
SETTLED = 1e-6           # largest relative change over the second half of the horizon


def write_genes_genbank(path: Path, genes: int = 1, codons: int = 300, seed: int = 1) -> Path:
    """A genome of ``genes`` CDSs of ``codons`` codons each (standard code, no internal stop),
    200 bp apart (not an operon), locus tags ``GEN_A``, ``GEN_B``, ... Weisse et al. 2015 and
    Darlington et al. 2018 give their circuit genes 300 aa (n_x)."""
    rng = random.Random(seed)
    sense = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT" if a + b + c not in ("TAA", "TAG", "TGA")]
    sequence, features = [], []

    def spacer(n):
        sequence.append("".join(rng.choice("ACGT") for _ in range(n)))

    for i in range(genes):
        spacer(200)
        start = sum(map(len, sequence))
        sequence.append("ATG" + "".join(rng.choice(sense) for _ in range(codons - 1)) + "TAA")
        features.append(SeqFeature(FeatureLocation(start, start + 3 * codons + 3, strand=1), type="CDS",
                                   qualifiers={"locus_tag": [f"GEN_{chr(65 + i)}"], "transl_table": ["11"],
                                               "codon_start": ["1"], "product": [f"circuit protein {chr(65 + i)}"]}))
    spacer(200)
    accession = path.name.removesuffix(".gb")
    record = SeqRecord(Seq("".join(sequence)), id=accession, name=accession.split(".")[0],
                       description="synthetic circuit genome", features=features,
                       annotations={"molecule_type": "DNA", "topology": "linear"})
    SeqIO.write(record, path, "genbank")
    return path


def simulator(build):
    """libRoadRunner on the build's SBML, with tight ODE tolerances."""
    rr = roadrunner.RoadRunner(libsbml.writeSBMLToString(build.sbml))
    rr.getIntegrator().setValue("relative_tolerance", 1e-9)
    rr.getIntegrator().setValue("absolute_tolerance", 1e-9)
    return rr


def compile_policy(policy: Path):
    """Compile a policy; returns the build and a simulator of its SBML."""
    build = compile_design(read_design(policy))
    return build, simulator(build)


def compile_host(**overrides):
    """The chassis alone (bioxen.runtime.steady.host_design), compiled; ``overrides`` set chassis
    parameters as a policy's ``host`` keys do (n_s, s, chloramphenicol)."""
    build = compile_design(host_design(load_chassis("ecoli_mg1655"), overrides))
    return build, simulator(build)


def steady_state(rr, quantities: list[str], horizon: float = HORIZON_MIN) -> dict[str, float]:
    """Integrate from the model's initial state (with its current parameters) for ``horizon``
    minutes; the final values, checked to have stopped changing."""
    rr.reset()
    result = np.asarray(rr.simulate(0, horizon, 3, ["time"] + quantities))
    middle, final = result[1, 1:], result[2, 1:]
    change = np.max(np.abs(final - middle) / np.maximum(np.abs(final), 1e-9))
    assert change < SETTLED, f"not at steady state after {horizon:g} min (relative change {change:.2g})"
    return dict(zip(quantities, final))


def ribosomal_fraction(rr, state: dict[str, float]) -> float:
    """Ribosomal mass fraction: every ribosomal protein set (free, in ribosomes of every pool,
    translating or stalled), n_r aa each, over the cell's protein mass M."""
    return rr["n_host_r"] * state["ribosomes_all"] / rr["M"]


def linear_fit(x, y) -> tuple[float, float, float]:
    """Least-squares line y = slope·x + intercept, and its R²."""
    slope, intercept = np.polyfit(x, y, 1)
    residual = np.asarray(y) - (slope * np.asarray(x) + intercept)
    r2 = 1 - np.sum(residual ** 2) / np.sum((np.asarray(y) - np.mean(y)) ** 2)
    return float(slope), float(intercept), float(r2)
