"""The former name of :mod:`bioxen.api.genomic` (a genome's runtime and its cellular context)."""
from bioxen.api.genomic import *  # noqa: F401,F403
