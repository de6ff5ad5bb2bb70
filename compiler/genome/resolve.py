"""Find a genome named by path or accession, downloading from NCBI into a cache.

Order: an explicit path; the directories in ``BIOXEN_GENOME_PATH`` (``:``-
separated); the user cache (``BIOXEN_CACHE_DIR``/genomes, default
``~/.cache/bioxen/genomes``); finally an NCBI download (Bio.Entrez) into that
cache. ``BIOXEN_OFFLINE=1`` forbids the download.
"""
from __future__ import annotations

import os
import re
import socket
from pathlib import Path

from bioxen.errors import GenomeError, Location
from bioxen.genome.read import EMBL_SUFFIXES, FASTA_SUFFIXES, GENBANK_SUFFIXES, read_genome
from bioxen.genome.records import Genome

ACCESSION = re.compile(r"^[A-Z]{1,6}_?[0-9]{5,9}(\.[0-9]+)?$")
_SUFFIXES = [s + gz for s in GENBANK_SUFFIXES + EMBL_SUFFIXES + FASTA_SUFFIXES for gz in ("", ".gz")]


def cache_dir() -> Path:
    root = os.environ.get("BIOXEN_CACHE_DIR")
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bioxen"
    return base / "genomes"


def search_path() -> list[Path]:
    return [Path(p) for p in os.environ.get("BIOXEN_GENOME_PATH", "").split(os.pathsep) if p]


def _candidates(directory: Path, accession: str):
    stems = [accession] + ([accession.split(".")[0]] if "." in accession else [])
    for stem in stems:
        for suffix in _SUFFIXES:
            yield directory / (stem + suffix)


def _how_to_supply(accession: str) -> str:
    return (f"put {accession}.gb (GenBank) in a directory listed in BIOXEN_GENOME_PATH, "
            f"or in the cache {cache_dir()}, or give the file's path instead of the accession")


def resolve_genome(source: str, base_dir: Path | None = None, where: Location | None = None, *,
                   download: bool = True) -> Path | None:
    """Turn a path or an accession into a local genome file (None for an accession found
    nowhere locally, when not to ``download`` it)."""
    try:
        path = Path(source).expanduser()
    except RuntimeError:  # ~name of no such user: a plain relative path
        path = Path(source)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if path.is_file():
        return path
    if path.is_dir():
        raise GenomeError(f"genome '{source}' is a directory, not a genome file", where,
                          hint=f"give the GenBank, EMBL or FASTA file inside it, e.g. {source.rstrip('/')}/NAME.gb")
    if path.exists():
        raise GenomeError(f"genome '{source}' is not a regular file (a device, pipe or socket)", where,
                          hint="give a GenBank, EMBL or FASTA file")
    if not ACCESSION.match(source):
        raise GenomeError(f"genome '{source}' is neither an existing file nor an accession",
                          where, hint="give a GenBank, EMBL or FASTA path (relative to the policy) or an "
                                      "NCBI accession such as CP016816.2")
    for directory in search_path() + [cache_dir()]:
        for candidate in _candidates(directory, source):
            if candidate.is_file():
                return candidate
    return _download(source, where) if download else None


def _download(accession: str, where: Location | None) -> Path:
    if os.environ.get("BIOXEN_OFFLINE") == "1":
        raise GenomeError(f"genome {accession} is not available locally and downloads are off "
                          "(BIOXEN_OFFLINE=1)", where, hint=_how_to_supply(accession))
    from Bio import Entrez

    from bioxen.env import DOWNLOAD_TIMEOUT_S

    Entrez.email = os.environ.get("BIOXEN_ENTREZ_EMAIL", "bioxen@users.noreply.github.com")
    Entrez.max_tries = 1
    Entrez.tool = "bioxen"
    # Bio.Entrez opens its URL with no timeout: on a network that drops packets it would wait
    # for ever. The default timeout of new sockets bounds each connect and read meanwhile.
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        with Entrez.efetch(db="nuccore", id=accession, rettype="gbwithparts", retmode="text") as handle:
            text = handle.read()
    except Exception as exc:  # urllib errors, HTTP 400 for unknown accessions, timeouts
        reason = f"no answer in {DOWNLOAD_TIMEOUT_S} s" if isinstance(exc, TimeoutError) or isinstance(
            getattr(exc, "reason", None), TimeoutError) else exc
        raise GenomeError(f"cannot download genome {accession} from NCBI: {reason}", where,
                          hint=_how_to_supply(accession)) from exc
    finally:
        socket.setdefaulttimeout(before)
    text = text.decode() if isinstance(text, bytes) else text
    if not text.startswith("LOCUS"):
        raise GenomeError(f"NCBI returned no GenBank record for {accession}", where,
                          hint=_how_to_supply(accession))
    target = cache_dir() / f"{accession}.gb"
    partial = target.with_suffix(".gb.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text)
        partial.replace(target)  # atomic: no partial file is ever left under the final name
    except OSError as exc:      # a cache that cannot be made or written, or a full disk
        if partial.parent.is_dir():
            partial.unlink(missing_ok=True)
        raise GenomeError(f"downloaded genome {accession} but cannot keep it in {target.parent}: "
                          f"{exc.strerror or exc}", where,
                          hint="set BIOXEN_CACHE_DIR to a directory that can be written, or save "
                               f"{accession}.gb yourself and give its path") from None
    return target


def load_genome(source: str, base_dir: Path | None = None, annotation: str | None = None,
                where: Location | None = None) -> Genome:
    path = resolve_genome(source, base_dir, where)
    return read_genome(path, annotation_path(annotation, base_dir))


def annotation_path(annotation: str | None, base_dir: Path | None = None) -> str | None:
    """A policy's ``annotation:`` (a GFF3 file), relative to the policy's folder."""
    if annotation is not None and base_dir is not None and not Path(annotation).is_absolute():
        return str(base_dir / annotation)
    return annotation
