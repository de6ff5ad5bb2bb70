"""The growth-coupled E. coli host of Weisse et al. 2015 (PNAS 112:E1038).

Four proteome sectors share the host's ribosomes: ribosomal (r, whose product
is the ribosome), transporter (t), metabolic enzyme (m) and housekeeping (q,
autorepressed). Parameter values and sources are in compiler/data/chassis/*.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass

from bioxen.roles import Role
from bioxen.rules import Builder, energy, expression, growth, ribosomes, value
from bioxen.rules.expression import GeneSpec

PARAMETERS = ("chassis.parameters.w_r", "chassis.parameters.w_e", "chassis.parameters.w_q",
              "chassis.parameters.theta_r", "chassis.parameters.theta_nr", "chassis.parameters.n_r",
              "chassis.parameters.n_x", "chassis.parameters.d_m", "chassis.parameters.K_q",
              "chassis.parameters.h_q")

SECTORS = ("r", "t", "m", "q")
# What a simulation reports about the host, by model quantity.
HOST_OUTPUTS = {"growth_rate": "growth_rate", "ribosomes_free": "ribosomes_free", "energy": "energy_level"}


@dataclass(frozen=True)
class StopReadthrough:
    """Read-through of the host's own stop codons (e.g. by a VM's UGA-decoding tRNA).

    A share ``share`` of host proteins is extended by ``extension`` aa (longer
    ribosome occupancy and energy use); ``defective`` of those lose function.
    """

    share: float
    extension: float
    defective: float


def _sector_spec(sector: str, quantities: dict, readthrough: StopReadthrough | None,
                 offtarget: tuple = ()) -> GeneSpec:
    p = {k: value(q) for k, q in quantities.items()}
    ribosomal = sector == "r"
    length = p["n_r"] if ribosomal else p["n_x"]
    extra, lost = (readthrough.share * readthrough.extension, readthrough.share * readthrough.defective) \
        if readthrough else (0.0, 0.0)
    return GeneSpec(
        name=f"host_{sector}", locus_tags=(),
        max_transcription=p["w_r"] if ribosomal else (p["w_q"] if sector == "q" else p["w_e"]),
        threshold=p["theta_r"] if ribosomal else p["theta_nr"],
        length=length + extra, mrna_decay=p["d_m"], protein_decay=0.0, functional_yield=1 - lost,
        offtarget=offtarget)


def weisse_host(b: Builder, p: dict, pools: tuple[str, ...] = (),
                readthrough: StopReadthrough | None = None, offtarget: tuple = ()) -> None:
    """Ribosomes (and orthogonal pools' ribosomes), energy, growth rate, the four sectors and metabolism.

    ``offtarget``: (pool, strength) of orthogonal pools the host SD still binds.
    """
    ribosomes.host_ribosomes(b, p, pools)
    energy.energy_pool(b, p)
    growth.growth_rate(b, p)
    ribosomes.host_rrna(b, p)
    protein, inventory = b.model.monomers[ribosomes.RIBOSOMAL_PROTEIN], b.model.monomers[ribosomes.INVENTORY]
    expression.gene(b, _sector_spec("r", p, readthrough, offtarget), product=[protein(), inventory()])
    proteins = {}
    for sector in ("t", "m"):
        made = expression.gene(b, _sector_spec(sector, p, readthrough, offtarget))
        proteins[sector] = b.observable(f"host_protein_{sector}", made["protein"]())
    q_protein = b.monomer("protein_host_q", role=Role("protein", gene="host_q"))
    q_level = b.observable("host_protein_q", q_protein())
    k_q, h_q = b.parameter("K_q", p["K_q"]), b.parameter("h_q", p["h_q"])
    expression.gene(b, _sector_spec("q", p, readthrough, offtarget), product=q_protein,
                    repression=1 + (q_level / k_q) ** h_q)
    energy.metabolism(b, p, proteins["t"], proteins["m"])
