"""Expression table front end: per-gene protein and mRNA counts and subsystems.

A CSV with a ``locus_tag`` column and any of ``protein_count``, ``mrna_count``
(molecules per cell) and ``subsystem``. Other columns are ignored. UTF-8 text of at most
MAX_TABLE_BYTES; every count a finite number >= 0.
"""
from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from bioxen.datafile import clip, decode_text, read_bytes
from bioxen.errors import Diagnostic, TableError, at

KNOWN_COLUMNS = ("protein_count", "mrna_count", "subsystem")
MAX_TABLE_BYTES = 100_000_000   # a genome-wide table is ~1 MB (Syn3A: 40 KB)
MAX_REPORTED = 20


@dataclass(frozen=True)
class GeneExpression:
    locus_tag: str
    protein_count: float | None
    mrna_count: float | None
    subsystem: str | None
    line: int


@dataclass(frozen=True)
class ExpressionTable:
    source: str
    sha256: str
    rows: tuple[GeneExpression, ...]
    columns: tuple[str, ...]

    def by_locus_tag(self) -> dict[str, GeneExpression]:
        return {row.locus_tag: row for row in self.rows}


def _count(text: str, column: str, path: Path, line: int, errors: list) -> float | None:
    text = text.strip()
    if text in ("", "NA", "nan", "NaN"):
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        errors.append(Diagnostic(f"{column} must be a non-negative number, not {clip(text)!r}",
                                 at(path, line)))
        return None
    return value


def read_expression_table(path: str | Path) -> ExpressionTable:
    path = Path(path)
    raw = read_bytes(path, TableError, "expression table", MAX_TABLE_BYTES)
    reader = csv.DictReader(decode_text(raw, path, TableError, "expression table").splitlines())
    try:
        rows, errors = _rows(reader, path)
    except csv.Error as exc:  # a field over csv's size limit, a stray quote
        raise TableError(f"invalid CSV: {clip(str(exc))}", at(path, reader.line_num or 1)) from None
    if len(errors) > MAX_REPORTED:
        errors = errors[:MAX_REPORTED] + [Diagnostic(f"... and {len(errors) - MAX_REPORTED:,} more such errors",
                                                     at(path))]
    if errors:
        raise TableError.collected(errors)
    return ExpressionTable(str(path), hashlib.sha256(raw).hexdigest(), tuple(rows),
                           tuple(c for c in KNOWN_COLUMNS if c in reader.fieldnames))


def _rows(reader: csv.DictReader, path: Path) -> tuple[list[GeneExpression], list[Diagnostic]]:
    header = reader.fieldnames or []
    if "locus_tag" not in header:
        raise TableError(f"expression table has no 'locus_tag' column (columns: {clip(', '.join(header))})",
                         at(path, 1), hint="expected locus_tag plus any of " + ", ".join(KNOWN_COLUMNS))
    errors: list[Diagnostic] = []
    rows, seen = [], {}
    for line, row in enumerate(reader, start=2):
        tag = (row.get("locus_tag") or "").strip()
        if not tag and not any((row.get(c) or "").strip() for c in KNOWN_COLUMNS):
            continue  # a blank or totals row that describes no gene
        if not tag:
            errors.append(Diagnostic("empty locus_tag", at(path, line)))
            continue
        if tag in seen:
            errors.append(Diagnostic(f"locus_tag {clip(tag)} repeats line {seen[tag]}", at(path, line)))
            continue
        seen[tag] = line
        subsystem = (row.get("subsystem") or "").strip() or None
        rows.append(GeneExpression(
            tag,
            _count(row.get("protein_count") or "", "protein_count", path, line, errors),
            _count(row.get("mrna_count") or "", "mrna_count", path, line, errors),
            subsystem, line))
    return rows, errors
