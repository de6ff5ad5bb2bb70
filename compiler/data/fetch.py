"""``bioxen data fetch``: put a reference data set into the cache, checked by SHA-256.

The source is the data set's own (the original publication's repository, pinned to a commit) or
one the user gives: a local file or an http(s) URL, e.g. a copy on a machine without internet.
Whatever the source, the bytes must be the data set's (size and SHA-256), so a cached file is
the one BioXen was checked with; they are written to a hidden file beside the target and renamed
into place, so an interrupted fetch leaves no partial file under the final name.
``BIOXEN_OFFLINE=1`` forbids downloads, as it does for genomes.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from bioxen.data.reference import DataError, ReferenceData, REFERENCE_DATA, data_cache_dir, known
from bioxen.datafile import clip, read_bytes
from bioxen.env import DOWNLOAD_TIMEOUT_S


def reference_data(name: str) -> ReferenceData:
    data = known(name)
    if data is None:
        raise DataError(f"unknown reference data set '{clip(name)}' (known: {', '.join(REFERENCE_DATA)})")
    return data


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _download(url: str, limit: int) -> bytes:
    if os.environ.get("BIOXEN_OFFLINE") == "1":
        raise DataError(f"cannot download {url}: downloads are off (BIOXEN_OFFLINE=1)",
                        hint="fetch with --from FILE from a copy, or unset BIOXEN_OFFLINE")
    request = urllib.request.Request(url, headers={"User-Agent": "bioxen"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
            raw = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise DataError(f"cannot download {url}: HTTP {exc.code} {exc.reason}",
                        hint="the address may have moved; fetch with --from FILE or URL from a copy") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DataError(f"cannot download {url}: {clip(str(reason), 200)}",
                        hint="check the connection, or fetch with --from FILE from a copy") from None
    if len(raw) > limit:
        raise DataError(f"{url} is larger than {limit:,} bytes: not the expected file")
    return raw


def _read_source(data: ReferenceData, source: str) -> bytes:
    limit = 2 * max(data.size, data.archive_size)
    if source.startswith(("http://", "https://")):
        return _unpacked(data, _download(source, limit), source)
    raw = read_bytes(Path(source).expanduser(), DataError, f"copy of {data.filename}", limit)
    return _unpacked(data, raw, source)


def _unpacked(data: ReferenceData, raw: bytes, source: str) -> bytes:
    """The data set's file: ``raw`` itself, or, for a data set published inside an archive (a
    wheel), its member when ``raw`` is that archive."""
    if data.member is None or not zipfile.is_zipfile(io.BytesIO(raw)):
        return raw
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        try:
            info = archive.getinfo(data.member)
        except KeyError:
            raise DataError(f"{source} holds no {data.member}", hint="give the archive the data set is published "
                                                                    "in, or the file itself") from None
        if info.file_size > 2 * data.size:
            raise DataError(f"{source}: {data.member} is larger than {2 * data.size:,} bytes: not the expected file")
        return archive.read(info)


def _check(data: ReferenceData, raw: bytes, source: str) -> None:
    digest = _sha256(raw)
    if digest != data.sha256:
        raise DataError(f"{source} is not {data.filename} as published: {len(raw):,} bytes with SHA-256 "
                        f"{digest}, expected {data.size:,} bytes with SHA-256 {data.sha256}",
                        hint="another version of the file can still be used by its path or through "
                             "BIOXEN_DATA_PATH; the cache holds only the published one")


def _write_atomically(target: Path, raw: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
        os.chmod(partial, 0o644)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def fetch(name: str, source: str | None = None) -> Path:
    """Put data set ``name`` into the cache from ``source`` (default: its published URL) and
    return its path there. A cached file that already checks out is kept."""
    data = reference_data(name)
    target = data_cache_dir() / data.filename
    if target.is_file() and _sha256(target.read_bytes()) == data.sha256:
        return target
    source = source or data.url
    if source is None:
        raise DataError(f"{data.filename} has no public download: {data.licence}",
                        hint=f"copy it into the cache from a file: bioxen data fetch {data.name} --from FILE")
    raw = _read_source(data, str(source))
    _check(data, raw, str(source))
    _write_atomically(target, raw)
    return target

