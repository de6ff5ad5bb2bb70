"""The genomic virtualization API (``create_bio_vm``, ``GenomicVirtualizationManager``,
``execute_biological_process``): every call runs the compiled model.

``language``: the call language of ``execute_biological_process`` (parsed, never evaluated);
``config``: a VM's settings mapped onto a policy; ``runtime``: compiled genomes and the cells
that run them; ``processes``: what a program can run; ``conditions``: resource depletion and
growth arrest; ``metabolism``: flux balance of a VM's genome (COBRApy; iMB155 for Syn3A, E. coli
core); ``population``: cells over generations on Dask.
"""
import libsedml  # noqa: F401,E402  before libsbml: python-libsedml loaded after libsbml breaks libsbml's ASTNode.getType() (../shared/TOOLCHAIN.md)
from bioxen.api.conditions import Condition, GrowthArrest, ResourceDepletion
from bioxen.api.config import ConfigError
from bioxen.api.language import ProgramError
from bioxen.api.manager import Division, GenomicVirtualizationManager
from bioxen.api.genomic import CellularContext, Checkpoint, Environment, GenomicRuntime
from bioxen.api.vm import BioVM, create_bio_vm

__all__ = ["BioVM", "CellularContext", "Checkpoint", "Condition", "ConfigError", "Division", "Environment",
           "GenomicRuntime", "GenomicVirtualizationManager", "GrowthArrest", "ProgramError", "ResourceDepletion",
           "create_bio_vm"]
