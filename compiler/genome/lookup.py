"""The one gene resolver: a name a user writes (policy, program) to the gene it means.

A key names a gene when it is the gene's /locus_tag; else every gene whose key, /gene, /label or
/protein_id it is. One such gene: found. None: missing, with the closest names (difflib) as
suggestions. Several (two untagged copies of rps12, or two tagged genes both called rps12):
ambiguous, listing them; the user names one by its key.

>>> from bioxen.genome.records import Genome, Gene, Replicon
>>> gene = lambda key, name, tag: Gene(key, name, "", "CDS", 0, 3, 1, False, 11, 0, tag=tag, gene=name)
>>> genome = Genome("X", "", 11, (gene("A_1", "rps12", "A_1"), gene("A_2", "rps12", "A_2")), "x.gb",
...                 (Replicon("X", "", 10, "linear"),))
>>> look_up(genome, "rps12").problem()
'gene rps12 is ambiguous: it names 2 genes, A_1 and A_2'
>>> look_up(genome, "A_2").genes[0].locus_tag
'A_2'
>>> look_up(genome, "A_3").problem()
'genome X has no gene A_3'
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bioxen.datafile import clip

if TYPE_CHECKING:     # records imports this module (Genome.find); Gene and Genome are annotations here
    from bioxen.genome.records import Gene, Genome

MAX_LISTED = 6


@dataclass(frozen=True)
class Lookup:
    """What a key names: one gene (found), none (missing) or several (ambiguous)."""

    key: str
    genes: tuple[Gene, ...]
    suggestions: tuple[str, ...] = ()
    genome: str = ""

    @property
    def found(self) -> Gene | None:
        return self.genes[0] if len(self.genes) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.genes) > 1

    def problem(self) -> str | None:
        """Why the key names no one gene, or None."""
        if self.ambiguous:
            return f"gene {clip(self.key)} is ambiguous: it names {len(self.genes)} genes, {_listed(self.genes)}"
        if not self.genes:
            return f"genome {self.genome} has no gene {clip(self.key)}"
        return None

    def hint(self) -> str | None:
        if self.ambiguous:
            return "name one gene by its locus tag (the key genome info and locus_map.json give)"
        if self.suggestions:
            return "did you mean " + " or ".join(self.suggestions) + "?"
        return None


def _listed(genes) -> str:
    keys = [g.locus_tag + ("" if g.tag else f" (untagged, {g.record}:{g.start + 1}..{g.end})") for g in genes]
    shown = keys[:MAX_LISTED] + ([f"{len(keys) - MAX_LISTED} more"] if len(keys) > MAX_LISTED else [])
    return ", ".join(shown[:-1]) + " and " + shown[-1]


class GeneIndex:
    """Every name of a genome's genes, indexed once (a policy or program may name thousands)."""

    def __init__(self, genome: Genome):
        self.genome = genome
        self.tagged: dict[str, Gene] = {g.tag: g for g in genome.genes if g.tag}
        self.named: dict[str, list[Gene]] = {}
        for gene in genome.genes:
            for name in dict.fromkeys((gene.locus_tag, gene.gene, gene.label, gene.protein_id)):
                if name:
                    self.named.setdefault(name, []).append(gene)

    def look_up(self, key: str) -> Lookup:
        if not isinstance(key, str):
            return Lookup(str(key), (), (), self.genome.accession)
        if key in self.tagged:
            return Lookup(key, (self.tagged[key],), (), self.genome.accession)
        genes = tuple(self.named.get(key, ()))
        suggestions = () if genes else tuple(difflib.get_close_matches(key, list(self.named), n=3))
        return Lookup(key, genes, suggestions, self.genome.accession)


def look_up(genome: Genome, key: str) -> Lookup:
    """What ``key`` names in ``genome`` (see the module)."""
    return GeneIndex(genome).look_up(key)
