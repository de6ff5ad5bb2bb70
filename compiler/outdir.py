"""Writing outputs so that neither a mistyped path nor an interrupt costs the user a file.

A build directory (``bioxen compile -o DIR``) is replaced only if it is a BioXen build (its
manifest.json has the ``bioxen_manifest`` key), new or empty. Anything else -- a folder of
the user's files, the working directory or one above it, a file, a symbolic link, a mount
point, a place that cannot be written -- is refused, naming the path, before any work.

The new build is written into a hidden directory beside DIR and swapped in by two renames
(DIR -> hidden trash, staging -> DIR) while SIGINT and SIGTERM wait, so DIR always holds a
complete build, the old or the new. What an earlier run killed outright left behind (a
staging or trash directory) is cleared by the next write to DIR, and a complete old build
found in the trash while DIR is missing is put back.

Single files (results tables, reports) go to a hidden temporary file beside them, renamed
into place (:func:`staged_files`); a failed or interrupted write leaves the old file.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bioxen.errors import OutputError, at

MANIFEST = "manifest.json"
_STAGING, _TRASH, _PART = "bioxen-staging", "bioxen-trash", "bioxen-part"


@contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends, then act as they would have. Blocking
    them with ``pthread_sigmask`` is not enough: the kernel hands a signal to any thread
    that does not block it (the CLI's spinner runs one), and Python then raises
    KeyboardInterrupt in the main thread anyway (measured); so their handlers are swapped."""
    if threading.current_thread() is not threading.main_thread():
        yield                       # Python runs signal handlers only in the main thread
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda number, frame: caught.append(number))
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if caught:
            signal.raise_signal(caught[0])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def file_hashes(directory: Path) -> dict[str, str]:
    """SHA-256 of every file in a build directory but its manifest, by relative path."""
    return {path.relative_to(directory).as_posix(): sha256_of(path)
            for path in sorted(directory.rglob("*")) if path.is_file() and path.name != MANIFEST}


def build_manifest(directory: Path) -> dict | None:
    """A BioXen build's manifest, or None if ``directory`` is not a BioXen build."""
    try:
        found = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and "bioxen_manifest" in found else None


def build_problems(directory: Path, exact: bool = False) -> list[str]:
    """What is wrong with a build: files its manifest lists missing or changed (and, if
    ``exact``, files it does not list). Empty for a complete build."""
    found = build_manifest(directory)
    if found is None or not isinstance(found.get("files"), dict):
        return [f"{directory}: no BioXen manifest listing its files"]
    actual = file_hashes(Path(directory))
    problems = [f"{name}: {'missing' if name not in actual else 'changed'}"
                for name, digest in found["files"].items() if actual.get(name) != digest]
    return problems + [f"{name}: not in the manifest" for name in actual if exact and name not in found["files"]]


def _refuse(path, message: str, hint: str | None = None) -> OutputError:
    return OutputError(message, at(path), hint)


def _probe_writable(given, directory: Path) -> None:
    """Make and remove a directory in ``directory``: the one test of writing that holds for
    root too (who passes every permission check but not a read-only mount or /proc)."""
    probe = directory / f".bioxen-probe-{secrets.token_hex(6)}"
    try:
        with signals_deferred():
            probe.mkdir()
            probe.rmdir()
    except OSError as exc:
        raise _refuse(given, f"cannot write in {directory}: {exc.strerror}") from None


def _nearest_directory(given, path: Path) -> Path:
    """The nearest existing ancestor of ``path`` (where its missing parents would be made)."""
    while not path.exists():
        path = path.parent
    if not path.is_dir():
        raise _refuse(given, f"cannot write here: {path} is a file, not a directory")
    return path


def check_out_dir(path, inputs=()) -> Path:
    """The absolute ``path`` if a build may be written there (``inputs``: files that must not
    be inside it), else an :class:`OutputError` naming it and why."""
    given = Path(path)
    _check_name_length(given, len(f"..{_STAGING}-") + 8)     # its staging directory's name is longer
    if given.is_symlink():
        raise _refuse(given, f"will not replace a symbolic link (to {os.readlink(given)})",
                      "give the directory itself, or a new one")
    try:
        full, cwd = given.resolve(), Path.cwd().resolve()
    except OSError as exc:
        raise _refuse(given, f"cannot write here: {exc.strerror}") from None
    except RuntimeError:        # pathlib's word for a loop of symbolic links (Python < 3.13)
        raise _refuse(given, "cannot write here: the path runs through a loop of symbolic links",
                      "give the real path") from None
    if full == cwd or full in cwd.parents:
        raise _refuse(given, "will not replace the working directory or a directory above it",
                      "give a directory for the build, e.g. -o build/NAME")
    if full.exists():
        _check_replaceable(given, full, inputs)
    _probe_writable(given, _nearest_directory(given, full.parent))
    return full


NAME_MAX, PATH_MAX = 255, 4096     # bytes in a file name and in a path: Linux's limits, most file systems'


def _check_name_length(given: Path, extra: int) -> None:
    """An :class:`OutputError` if ``given``'s name, with ``extra`` bytes of BioXen's own around
    it (the hidden file written first), or its whole path, is longer than a file system takes."""
    name, whole = len(os.fsencode(given.name)), len(os.fsencode(os.path.abspath(given)))
    if name + extra > NAME_MAX:
        raise _refuse(given, f"the name is {name:,} bytes long; a file name here takes at most "
                      f"{NAME_MAX - extra} ({NAME_MAX} with BioXen's {extra}-byte staging suffix)", "give a shorter name")
    if whole + extra > PATH_MAX:
        raise _refuse(given, f"the path is {whole:,} bytes long; at most {PATH_MAX - extra} fit", "give a shorter path")


def _check_replaceable(given: Path, full: Path, inputs) -> None:
    if not full.is_dir():
        raise _refuse(given, "is a file, not a directory", "give a directory for the build")
    if os.path.ismount(full):
        raise _refuse(given, "is a mount point, which cannot be replaced whole",
                      f"give a directory inside it, e.g. -o {given / 'build'}")
    try:
        empty = not any(full.iterdir())
    except OSError as exc:
        raise _refuse(given, f"cannot read this directory: {exc.strerror}") from None
    if not empty and build_manifest(full) is None:
        raise _refuse(given, "will not replace this directory: it holds files and is not a BioXen build "
                      "(no BioXen manifest.json)", "give a new or empty directory, or move its files away")
    for source in inputs:
        if Path(source).is_file() and full in Path(source).resolve().parents:
            raise _refuse(given, f"will not replace this directory: it holds {source}, an input of the design",
                          "give another directory for the build")


def _lock(directory: Path, wait: bool) -> int:
    """An open handle on ``directory`` holding its lock (if it could be taken: BlockingIOError
    when another holds it and not ``wait``); the lock goes when the handle is closed or its
    process ends, however it ends. A file system without locks (some network mounts) is
    written to without them."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(handle)
        raise
    except OSError:
        pass
    return handle


@contextmanager
def _parent_locked(parent: Path) -> Iterator[None]:
    """Writers of builds in one directory take turns clearing leftovers and swapping."""
    handle = _lock(parent, wait=True)
    try:
        yield
    finally:
        os.close(handle)


def _siblings(out_dir: Path, kind: str) -> list[Path]:
    prefix = f".{out_dir.name}.{kind}-"
    return sorted(p for p in out_dir.parent.iterdir() if p.name.startswith(prefix) and p.is_dir())


def _abandoned(staging: Path) -> bool:
    """A staging directory whose writer is gone: its lock is free (a live writer holds it)."""
    try:
        handle = os.open(staging, os.O_RDONLY)
    except OSError:
        return False
    try:
        return fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB) is None
    except OSError:                 # held by a live writer, or no locks here: leave it
        return False
    finally:
        os.close(handle)


def _clear_leftovers(out_dir: Path) -> None:
    """Remove what a killed writer of ``out_dir`` left; put back a complete old build it had
    moved to the trash if ``out_dir`` is missing. Called with the parent locked."""
    with signals_deferred():
        for staging in _siblings(out_dir, _STAGING):
            if _abandoned(staging):
                shutil.rmtree(staging, ignore_errors=True)
        for trash in _siblings(out_dir, _TRASH):   # a live writer empties its trash before unlocking
            if not out_dir.exists() and not build_problems(trash):
                os.rename(trash, out_dir)
            else:
                shutil.rmtree(trash, ignore_errors=True)


def _swap(staging: Path, out_dir: Path) -> None:
    trash = out_dir.with_name(f".{out_dir.name}.{_TRASH}-{secrets.token_hex(4)}")
    with signals_deferred():
        old = out_dir.exists()
        if old:
            os.rename(out_dir, trash)
        try:
            os.rename(staging, out_dir)
        except BaseException:
            if old:
                os.rename(trash, out_dir)
            raise
        shutil.rmtree(trash, ignore_errors=True)


@contextmanager
def replacing_dir(out_dir, inputs=()) -> Iterator[Path]:
    """A fresh hidden directory beside ``out_dir`` to write a build into; when the block
    finishes it replaces ``out_dir`` whole, and if the block fails it is removed."""
    out_dir = check_out_dir(out_dir, inputs)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        with _parent_locked(out_dir.parent):
            _clear_leftovers(out_dir)
    except OSError as exc:
        raise _refuse(out_dir, f"cannot write here: {exc.strerror}") from None
    staging = out_dir.with_name(f".{out_dir.name}.{_STAGING}-{secrets.token_hex(4)}")
    lock = None
    try:
        with signals_deferred():
            staging.mkdir()
            lock = _lock(staging, wait=False)
        yield staging
        with _parent_locked(out_dir.parent):
            check_out_dir(out_dir, inputs)          # nothing else moved in meanwhile
            _swap(staging, out_dir)
    except BaseException as exc:
        with signals_deferred():
            shutil.rmtree(staging, ignore_errors=True)
        _raise_write_failure(exc, out_dir, out_dir.parent, staging, below=staging)
        _said_of_the_build(exc, out_dir, staging)
        raise
    finally:
        if lock is not None:
            os.close(lock)


def _said_of_the_build(exc: BaseException, out_dir: Path, staging: Path) -> None:
    """An :class:`OutputError` about a file in the staging directory (which the user never
    sees, and which is gone by now) raised again about the same file in ``out_dir``."""
    if not isinstance(exc, OutputError) or len(exc.errors) != 1 or exc.errors[0].location is None:
        return
    said = exc.errors[0]
    where = Path(os.path.abspath(said.location.file))
    if where.is_relative_to(staging.absolute()):
        raise _refuse(out_dir / where.relative_to(staging.absolute()), said.message, said.hint) from exc


# a file system with no room left for what is being written (space, quota, largest file)
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _raise_write_failure(exc: BaseException, path: Path, *directories: Path, below: Path | None = None) -> None:
    """An OSError on a file in one of ``directories``, or anywhere under ``below`` (a build's
    staging directory, which holds only what BioXen writes), as an :class:`OutputError` naming
    ``path`` (no space left, no permission); any other error is left alone. A move or rename
    names its source and its target (``filename2``): a file moved into the build from
    elsewhere that does not fit there is a failure to write the build too."""
    if not isinstance(exc, OSError):
        return
    names = [name for name in (exc.filename, exc.filename2) if isinstance(name, (str, bytes, os.PathLike))]
    if not names and exc.errno in _FULL:    # a write into an open file (no name): the block's output
        raise _refuse(path, f"cannot write: {exc.strerror or os.strerror(exc.errno)}") from exc
    places = [d.absolute() for d in directories]
    for name in names:
        parent = Path(os.path.abspath(os.fsdecode(name))).parent
        if parent in places or (below is not None and parent.is_relative_to(below.absolute())):
            raise _refuse(path, f"cannot write: {exc.strerror}") from exc


def check_out_file(path) -> Path:
    """``path`` if a file may be written there (not a directory or a symbolic link, in a
    place that can be written), else an :class:`OutputError`."""
    path = Path(path)
    _check_name_length(path, len(f"..{_PART}-") + 12)      # its hidden temporary's name is longer
    if path.is_symlink():
        raise _refuse(path, f"will not replace a symbolic link (to {os.readlink(path)})",
                      "give the file itself, or a new name")
    if path.is_dir():
        raise _refuse(path, "is a directory, not a file", f"give a file name, e.g. {path / path.name}.csv")
    _probe_writable(path, _nearest_directory(path, path.parent.absolute()))
    return path


@contextmanager
def staged_files(*paths) -> Iterator[list[Path]]:
    """Hidden temporary files beside ``paths`` to write; when the block finishes they are
    renamed over ``paths`` (all, SIGINT and SIGTERM waiting), and if it fails they are
    removed and ``paths`` keep what they held."""
    paths = [Path(p) for p in paths]
    for path in paths:
        if path.is_symlink() or path.is_dir():
            check_out_file(path)
    token = secrets.token_hex(6)
    # the suffix kept, for writers that choose a format by it (matplotlib's savefig)
    temporaries = [p.with_name(f".{p.stem}.{_PART}-{token}{p.suffix}") for p in paths]
    for path in paths:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _refuse(path, f"cannot write here: {exc.strerror}") from None
    try:
        yield temporaries
        with signals_deferred():
            for temporary, path in zip(temporaries, paths):
                os.replace(temporary, path)
    except BaseException as exc:
        _raise_write_failure(exc, paths[0], *(p.parent for p in paths))
        raise
    finally:
        with signals_deferred():
            for temporary in temporaries:
                temporary.unlink(missing_ok=True)


def write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file beside it."""
    with staged_files(path) as (temporary,):
        temporary.write_text(text, encoding="utf-8")
    return Path(path)
