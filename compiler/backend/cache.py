"""Moved to :mod:`bioxen.cache` (the build cache belongs to the pipeline); this name is the same module."""
import sys

import bioxen.cache

sys.modules[__name__] = bioxen.cache
