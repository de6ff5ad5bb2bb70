"""Compiler passes: pure functions Design -> Design, applied in order."""
from bioxen.passes.clock import design_clock
from bioxen.passes.genetic_code import resolve_genetic_code
from bioxen.passes.isolate import isolate
from bioxen.passes.parameterize import parameterize
from bioxen.passes.select_genes import select_genes
from bioxen.passes.wiring import wire_commands

PIPELINE = (("select_genes", select_genes), ("resolve_genetic_code", resolve_genetic_code),
            ("isolate", isolate), ("parameterize", parameterize), ("wire_commands", wire_commands),
            ("design_clock", design_clock))



def run_passes(design):
    """The design after every pass of :data:`PIPELINE`, in order (what ``check`` and ``compile`` share)."""
    for _, apply in PIPELINE:
        design = apply(design)
    return design


__all__ = ["PIPELINE", "run_passes", "select_genes", "resolve_genetic_code", "isolate", "parameterize", "wire_commands", "design_clock"]
