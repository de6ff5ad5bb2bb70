"""What a model component stands for, carried as data from the rules to every back end.

Each monomer, rule and (where a back end reads it) parameter or expression the rules make gets a
:class:`Role`: the kind of molecule or mechanism, the guest VM it belongs to, the gene that
makes it or that it acts on, the ribosome pool, the degron class and its SBO term. Back ends
read roles (``builder.roles[name]``) and never parse component names: names are for people and
for the formats, roles for programs.

>>> Role("mRNA", vm="vm1", gene="vm1_synA", pool="o1").sbo
250
>>> Role("elongation", gene="host_r", pool="o1").sbo, Role("ribosome", pool="host").sbo
(184, 296)
>>> Role("mrna")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: unknown role kind 'mrna' (expected one of: mRNA, rna, rrna, srna, ribosome, ...)
"""
from __future__ import annotations

from dataclasses import dataclass

# SBO terms (Systems Biology Ontology, https://www.ebi.ac.uk/sbo). mRNA (SBO:0000278) and rRNA
# (SBO:0000311) are not under "material entity" in SBO, so libsbml warns (10713) on species
# carrying them: every RNA is a ribonucleic acid here.
RIBONUCLEIC_ACID = 250
POLYPEPTIDE_CHAIN = 252
MACROMOLECULE = 245
SIMPLE_CHEMICAL = 247
MACROMOLECULAR_COMPLEX = 296
PROTEIN_COMPLEX = 297
BIOCHEMICAL_REACTION = 176
NON_COVALENT_BINDING = 177
DEGRADATION = 179
TRANSLATION = 184
TRANSCRIPTION = 183
CONFORMATIONAL_TRANSITION = 182
TRANSPORT = 185

# Every kind a component may have, with the SBO term it implies (None: no SBO term; parameters
# and expressions carry none in the SBML).
MOLECULE_KINDS: dict[str, int] = {
    "mRNA": RIBONUCLEIC_ACID,                 # a gene's transcript (``mRNA_<gene>``)
    "rna": RIBONUCLEIC_ACID,                  # a stable RNA gene's product (tRNA, rRNA of a guest)
    "rrna": RIBONUCLEIC_ACID,                 # ribosomal RNA of a pool (host or orthogonal)
    "srna": RIBONUCLEIC_ACID,                 # a VM's gate sRNA
    "ribosome": MACROMOLECULAR_COMPLEX,       # a host-pool ribosome
    "orthogonal_ribosome": MACROMOLECULAR_COMPLEX,
    "stalled_ribosome": MACROMOLECULAR_COMPLEX,   # held by chloramphenicol, any pool
    "ribosomal_protein": POLYPEPTIDE_CHAIN,
    "ribosome_inventory": MACROMOLECULE,      # counts every ribosomal protein set
    "protein": POLYPEPTIDE_CHAIN,
    "protease": POLYPEPTIDE_CHAIN,            # a VM's protease (the hypervisor's gene)
    "repressor": POLYPEPTIDE_CHAIN,           # a clock ring node's repressor
    "fluorescent_protein": POLYPEPTIDE_CHAIN,  # a VM's matured reporter
    "defective_protein": POLYPEPTIDE_CHAIN,   # read-through or mis-decoded products, shared
    "degron_counter": MACROMOLECULE,          # counts a degron class's proteins
    "energy": SIMPLE_CHEMICAL,
    "nutrient": SIMPLE_CHEMICAL,
    "trna": RIBONUCLEIC_ACID,                 # a VM's suppressor tRNA(CUA), charged or not (genetic_code amber/ncaa)
    "amino_acid": SIMPLE_CHEMICAL,            # a VM's non-canonical amino acid in the cell (genetic_code ncaa)
    "polymerase": MACROMOLECULAR_COMPLEX,     # an RNA polymerase pool's free, transcribing or inhibited polymerase
    "inhibitor": POLYPEPTIDE_CHAIN,
    "shell": POLYPEPTIDE_CHAIN,               # a VM's encapsulin shell unit (three subunits, one cargo site)
    "encapsulated_protein": POLYPEPTIDE_CHAIN,   # a VM protein inside its shells (policy compartment)           # a VM's polymerase inhibitor (T7 lysozyme; PAUSE on transcription)
}
RULE_KINDS: dict[str, int] = {
    "transcription": TRANSCRIPTION,
    "initiation": NON_COVALENT_BINDING,       # mRNA + ribosome <-> translating complex
    "elongation": TRANSLATION,                # one protein made (defective ones included)
    "stalling": NON_COVALENT_BINDING,
    "assembly": NON_COVALENT_BINDING,         # ribosomal protein + rRNA <-> ribosome
    "pairing": NON_COVALENT_BINDING,          # sRNA + mRNA <-> duplex
    "decay": DEGRADATION,
    "proteolysis": DEGRADATION,
    "dilution": DEGRADATION,
    "maturation": CONFORMATIONAL_TRANSITION,
    "nutrient_import": TRANSPORT,
    "catabolism": BIOCHEMICAL_REACTION,
    "energy_use": BIOCHEMICAL_REACTION,       # translation's energy consumption
    "aminoacylation": BIOCHEMICAL_REACTION,   # an aaRS charges its tRNA
    "deacylation": BIOCHEMICAL_REACTION,      # a charged tRNA gives up its amino acid (delivered or hydrolysed)
    "transport": TRANSPORT,                   # an amino acid crosses the membrane (medium <-> cell)
    "termination": BIOCHEMICAL_REACTION,      # a transcribing polymerase finishes its transcript (freed)
    "polymerase_supply": BIOCHEMICAL_REACTION,   # the host keeps its polymerase available to guests
    "inhibition": NON_COVALENT_BINDING,
    "encapsulation": TRANSPORT,               # a VM protein taken into its shell (cytoplasm -> lumen)       # an inhibitor holds a free polymerase
}
QUANTITY_KINDS: dict[str, None] = {
    "inducer": None,                          # a command's inducer level (changes during a run)
    "protein_length": None,                   # a gene's protein length n_x (aa)
    "tagged_level": None,                     # every protein carrying a degron
    "proteolysis_rate": None,                 # a degron's degradation by one VM's protease
}
KINDS: dict[str, int | None] = {**MOLECULE_KINDS, **RULE_KINDS, **QUANTITY_KINDS}
RIBOSOME_KINDS = frozenset({"ribosome", "orthogonal_ribosome"})   # free to translate (not stalled)


@dataclass(frozen=True)
class Role:
    """What one component is: ``kind`` (a key of :data:`KINDS`); ``vm``, the guest VM whose
    molecule or reaction it is (None: the host's or the hypervisor's); ``gene``, the model's
    name of the gene that makes it or that it acts on; ``pool``, the ribosome pool (a ribosome's,
    an mRNA's own, the pool a translation uses) or, for polymerases and the transcriptions and
    terminations they carry out, the RNA polymerase pool; ``degron``, the degradation tag class;
    ``sbo``, its SBO term (by default the kind's)."""

    kind: str
    vm: str | None = None
    gene: str | None = None
    pool: str | None = None
    degron: str | None = None
    sbo: int | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown role kind {self.kind!r} (expected one of: {', '.join(KINDS)})")
        if self.sbo is None:
            object.__setattr__(self, "sbo", KINDS[self.kind])

    def as_dict(self) -> dict:
        """The role's fields that are set (a JSON-ready dict)."""
        return {k: v for k, v in vars(self).items() if v is not None}
