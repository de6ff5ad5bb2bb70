"""Settings read from environment variables (limits, timeouts), checked like any other input.

>>> env_number("BIOXEN_UNSET_EXAMPLE", int, 7, lambda text: ValueError(f"{text!r} is not a whole number"))
7
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, TypeVar

Number = TypeVar("Number", int, float)
CACHE_VARIABLE = "BIOXEN_CACHE_DIR"
DOWNLOAD_TIMEOUT_S = 60   # a download (NCBI genome, reference data) with no answer for this long gives up


def cache_root() -> Path:
    """BioXen's cache: ``$BIOXEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/bioxen`` (``~/.cache/bioxen``)."""
    root = os.environ.get(CACHE_VARIABLE)
    return Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bioxen"


def env_number(variable: str, kind: Callable[[str], Number], default: Number,
               error: Callable[[str], Exception], accept: Callable[[Number], bool] = lambda value: True) -> Number:
    """The number ``kind(text)`` that ``variable`` holds, or ``default`` when it is unset or blank.

    Text that ``kind`` cannot read, or a number ``accept`` refuses, raises ``error(text)``
    (the error names the variable and what it expects)."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        number = kind(text)
    except ValueError:
        raise error(text) from None
    if not accept(number):
        raise error(text)
    return number
