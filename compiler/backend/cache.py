"""Content-addressed cache of compiled builds.

A build is determined by its inputs' contents (policy, genomes, expression tables, chassis,
parts library: the SHA-256 each :class:`bioxen.ir.InputFile` records), the formats asked for
and the compiler itself (a hash of every source file of ``bioxen`` and ``bioxen.rules``, and
the versions of the tools that write the files). The cache keeps each build directory under
that key in ``$BIOXEN_CACHE_DIR/builds`` (default ``~/.cache/bioxen/builds``), so compiling an
unchanged design again copies its files instead of recompiling.

Safe to delete, whole or entry by entry: an entry is moved into place complete (a temporary
directory renamed), one without its manifest is ignored, and a miss simply compiles.
``BIOXEN_NO_CACHE=1`` (or ``bioxen compile --no-cache``) turns it off.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from bioxen.genome.resolve import cache_dir
from bioxen.ir import Design

_TOOLS = ("pysb", "bionetgen", "python-libsbml", "biopython", "ViennaRNA", "sbol3", "antimony",
          "python-libsedml", "python-libcombine")


def root() -> Path:
    """Where builds are cached (beside the genome cache)."""
    return cache_dir().parent / "builds"


def enabled() -> bool:
    return os.environ.get("BIOXEN_NO_CACHE", "") not in ("1", "true", "yes")


@lru_cache(maxsize=1)
def compiler_fingerprint() -> str:
    """SHA-256 of the compiler's and mechanism library's source, and the writing tools' versions."""
    import bioxen
    import bioxen.rules

    digest = hashlib.sha256()
    for package in (bioxen, bioxen.rules):
        base = Path(package.__file__).parent
        for path in sorted(base.rglob("*.py")):
            digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    for tool in _TOOLS:
        try:
            digest.update(f"{tool}={metadata.version(tool)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{tool}=none".encode())
    return digest.hexdigest()


def build_key(design: Design, formats) -> str:
    """The cache key of compiling ``design`` (as read from its inputs) into ``formats``."""
    content = {"inputs": sorted((i.role, i.sha256) for i in design.inputs), "formats": sorted(formats),
               "compiler": compiler_fingerprint()}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def restore(key: str, out_dir: Path) -> bool:
    """Copy the cached build ``key`` into ``out_dir`` (replacing it); False on a miss."""
    entry = root() / key
    if not enabled() or not (entry / "manifest.json").is_file():
        return False
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        shutil.copytree(entry, staging, dirs_exist_ok=True)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    except FileNotFoundError:       # the entry was deleted while being copied: a miss
        shutil.rmtree(staging, ignore_errors=True)
        return False
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return True


def store(key: str, build_dir: Path) -> None:
    """Keep a copy of a finished build directory under ``key`` (nothing if caching is off)."""
    if not enabled():
        return
    entry = root() / key
    if (entry / "manifest.json").is_file():
        return
    entry.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(entry, ignore_errors=True)      # a damaged entry (no manifest)
    staging = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=entry.parent))
    try:
        shutil.copytree(build_dir, staging, dirs_exist_ok=True)
        os.replace(staging, entry)
    except OSError:                 # another process stored it first, or the disk is full: no cache
        shutil.rmtree(staging, ignore_errors=True)
