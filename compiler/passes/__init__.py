"""Compiler passes: pure functions Design -> Design, applied in order."""
from bioxen.passes.parameterize import parameterize
from bioxen.passes.select_genes import select_genes

PIPELINE = (("select_genes", select_genes), ("parameterize", parameterize))

__all__ = ["PIPELINE", "select_genes", "parameterize"]
