"""Genome front end: read annotated genomes (GenBank, EMBL, FASTA+GFF3, accessions)."""
from bioxen.genome.records import Gene, Genome, Replicon, FEATURE_TYPES
from bioxen.genome.read import read_genome
from bioxen.genome.resolve import resolve_genome, load_genome
from bioxen.genome.operons import infer_operons

__all__ = ["Gene", "Genome", "Replicon", "FEATURE_TYPES", "read_genome", "resolve_genome", "load_genome",
           "infer_operons"]
