"""Sequence QA of the DNA BioXen writes: what a synthesis vendor or an assembly would refuse.

:func:`check_construct` reads one ``Bio.SeqRecord`` (a GenBank image) and returns
:class:`Finding` s, data for the report, the bill of materials and the tests:

* ``repeat``: maximal exact direct repeats of ``min_repeat`` bp or more, once per pair of copies
  (tandem and overlapping copies included; a tandem array is reported once, at its shortest
  period). Repeats recombine (RecA) and make synthesis and assembly fail: error.
* ``inverted_repeat``: a sequence and its reverse complement elsewhere (or a palindrome), of
  ``min_repeat`` bp or more: warning (antisense RNA pairs are inverted repeats by design).
* ``restriction_site``: a site of an enzyme of the assembly standard (``ASSEMBLY_STANDARDS``), on
  either strand, across the origin of a circular record: error (it cuts the part during assembly).
* ``homopolymer``: a run of one base of ``homopolymer`` bp or more; error from
  ``HOMOPOLYMER_ERROR`` bp (see there), warning below.
* ``gc_window``: stretches where every ``gc_window``-bp window has its GC fraction outside
  ``gc_range``; consecutive windows are merged into one finding: error.
* ``ambiguous_base``: any letter but A, C, G, T (one cannot order an N): error.
* ``host_repeat``: stretches shared with the host genome (:class:`HostIndex`): warning.

Coordinates are 0-based, end-exclusive, as in Biopython (``start``/``end``); a site, run or GC
stretch across the origin of a circular record (``annotations["topology"]``) ends past
``len(record)``. Repeats are found on the linear sequence (a copy across the origin of a
circular record is not seen). :func:`check_constructs` adds the repeats *between* records (kind
``repeat`` whichever the orientation: two molecules in one cell recombine either way).

All k-mer work is numpy on 2-bit codes (k <= 32 per code; longer repeats are found by extending
32-mer seeds): a 20 kb construct is checked in a few tens of milliseconds.

:func:`diversify_cds` is the fixer: it re-codes a CDS with synonymous codons (DnaChisel) so that
it shares no ``min_repeat``-mer with the rest of the construct and carries no site, homopolymer
or GC window the checks would refuse.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from Bio.Data.CodonTable import unambiguous_dna_by_id
from Bio.Restriction import RestrictionBatch
from Bio.Restriction.Restriction import FormattedSeq
from Bio.Seq import Seq, translate
from Bio.SeqRecord import SeqRecord

from bioxen.errors import CompileError

# Enzymes whose sites a part must not carry in each assembly standard: Golden Gate assembles with
# the type IIS enzymes BsaI (Engler et al. 2008 PLoS One 3:e3647 (R)) and BsmBI (the second
# enzyme of e.g. GoldenBraid, Sarrion-Perdigones et al. 2011 PLoS One 6:e21622 (R)); BioBrick
# RFC10 cuts with its prefix and suffix enzymes EcoRI, XbaI, SpeI, PstI (Knight 2003 (R)).
ASSEMBLY_STANDARDS: dict[str, tuple[str, ...]] = {
    "golden_gate": ("BsaI", "BsmBI"),
    "biobrick": ("EcoRI", "XbaI", "SpeI", "PstI"),
    "none": (),
}
# Runs of one base from this length are refused by gene-synthesis vendors: IDT's gBlocks and
# Twist's gene complexity rules reject homopolymer runs of about 10 or more (R: recalled from the
# vendors' order pages, not read here); shorter runs down to ``homopolymer`` are warnings.
HOMOPOLYMER_ERROR = 10
KINDS = ("repeat", "inverted_repeat", "restriction_site", "homopolymer", "gc_window",
         "ambiguous_base", "host_repeat")
_SEED = 32                  # longest k-mer one uint64 holds (2 bits a base)
_GAP = 4                    # code of any letter but A, C, G, T
_CODE = np.full(256, _GAP, dtype=np.uint8)
for _i, _b in enumerate("ACGT"):
    _CODE[ord(_b)] = _CODE[ord(_b.lower())] = _i


@dataclass(frozen=True)
class Finding:
    """One problem in one record. ``start``/``end``: 0-based, end-exclusive (the first copy for
    repeats; ``other`` is the second copy). ``features``: labels of the features it touches."""

    kind: str
    record: str
    start: int
    end: int
    detail: str
    features: tuple[str, ...]
    severity: str
    other: tuple[int, int] | None = None


# --- k-mer codes --------------------------------------------------------------------------------

def _bases(sequence: str) -> np.ndarray:
    """0-3 for A, C, G, T (either case), 4 for anything else."""
    return _CODE[np.frombuffer(sequence.encode("ascii", "replace"), dtype=np.uint8)]


def _join(left: tuple, left_length: int, right: tuple, right_length: int) -> tuple:
    """Forward and reverse-complement codes of every (left + right)-mer, from those of the left
    part at i and the right part at i + left_length (the right part's complement comes first)."""
    count = len(right[0]) - left_length
    forward = (left[0][:count] << np.uint64(2 * right_length)) | right[0][left_length:left_length + count]
    reverse = (right[1][left_length:left_length + count] << np.uint64(2 * left_length)) | left[1][:count]
    return forward, reverse


def _codes(single: tuple, k: int) -> tuple:
    """Codes of every k-mer by doubling (log2 k passes over the sequence, not k)."""
    if k == 1:
        return single
    half = _codes(single, k // 2)
    whole = _join(half, k // 2, half, k // 2)
    return _join(whole, k - 1, single, 1) if k % 2 else whole


def _kmers(bases: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(forward codes, reverse-complement codes, valid) of the k-mer at each position; a k-mer
    holding a non-ACGT letter is not valid."""
    if len(bases) < k:
        empty = np.zeros(0, dtype=np.uint64)
        return empty, empty, np.zeros(0, dtype=bool)
    plus = (bases & 3).astype(np.uint64)
    forward, reverse = _codes((plus, np.uint64(3) - plus), k)   # complement: A<->T, C<->G
    gaps = np.concatenate(([0], np.cumsum(bases == _GAP)))
    return forward, reverse, (gaps[k:] - gaps[:-k]) == 0


def _equal_pairs(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (ids[a], ids[b]) with equal keys, a before b in (stable) key order."""
    order = np.argsort(keys, kind="stable")
    keys, ids = keys[order], ids[order]
    firsts, seconds = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for offset in range(1, len(keys)):
        same = keys[offset:] == keys[:-offset]
        if not same.any():   # equal keys are adjacent: no pair this far apart, none farther
            break
        firsts.append(ids[:-offset][same])
        seconds.append(ids[offset:][same])
    return np.concatenate(firsts), np.concatenate(seconds)


def _runs(diagonal: np.ndarray, position: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of consecutive ``position`` on one ``diagonal``: (diagonal, first, last)."""
    if not len(position):
        return []
    order = np.lexsort((position, diagonal))
    diagonal, position = diagonal[order], position[order]
    breaks = np.flatnonzero((np.diff(diagonal) != 0) | (np.diff(position) != 1)) + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [len(position)])) - 1
    return list(zip(diagonal[starts].tolist(), position[starts].tolist(), position[ends].tolist()))


def direct_repeats(sequence: str, min_repeat: int = 16) -> list[tuple[int, int, int]]:
    """Maximal exact direct repeats of ``min_repeat`` bp or more: (first start, second start,
    length), each pair once, sorted; a tandem array (copies that overlap) is one pair at its
    shortest period (:func:`_outside_arrays`).

    >>> direct_repeats("ACGTTGCAAGGCTTAC" + "GGG" + "ACGTTGCAAGGCTTAC", 16)
    [(0, 19, 16)]
    """
    k = min(min_repeat, _SEED)
    forward, _, valid = _kmers(_bases(sequence), k)
    position = np.flatnonzero(valid)
    first, second = _equal_pairs(forward[position], position)
    found = [(start, start + distance, last - start + k) for distance, start, last in _runs(second - first, first)]
    return _outside_arrays([pair for pair in found if pair[2] >= min_repeat])


def inverted_repeats(sequence: str, min_repeat: int = 16) -> list[tuple[int, int, int]]:
    """Maximal exact inverted repeats: (first start, second start, length) where
    ``sequence[second:second+length]`` is the reverse complement of ``sequence[first:first+length]``,
    first <= second; a palindrome is its own pair (first == second).

    >>> inverted_repeats("ACGTTGCAAGGCTTAC" + "GGG" + "GTAAGCCTTGCAACGT", 16)
    [(0, 19, 16)]
    """
    k = min(min_repeat, _SEED)
    forward, reverse, valid = _kmers(_bases(sequence), k)
    position = np.flatnonzero(valid)
    keys = np.concatenate((forward[position], reverse[position]))
    ids = np.concatenate((2 * position, 2 * position + 1))       # even: forward, odd: reverse
    a, b = _equal_pairs(keys, ids)
    mixed = (a % 2) != (b % 2)
    i = np.where(a % 2 == 0, a, b)[mixed] // 2      # seq[i:i+k] == revcomp(seq[j:j+k])
    j = np.where(a % 2 == 0, b, a)[mixed] // 2
    found = {min((start, anti - last, last - start + k), (anti - last, start, last - start + k))
             for anti, start, last in _runs(i + j, i)}
    return _outside_arrays([pair for pair in found if pair[2] >= min_repeat])


def _outside_arrays(pairs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The pairs (first, second, length), sorted, less those inside a low-complexity stretch that
    another pair spans: a tandem array (direct copies that overlap) or a palindrome (arms that
    overlap) gives one pair per period, and only the one spanning the whole stretch, at the
    shortest period, is kept."""
    pairs = sorted(pairs)
    if not pairs:
        return pairs
    table = np.array(pairs, dtype=np.int64)
    first, second, length = table.T
    end, period = second + length, second - first
    array = second < first + length                       # the two copies overlap
    s, e, p = first[array], end[array], period[array]
    kept = []
    for pair, start, stop, step in zip(pairs, first.tolist(), end.tolist(), period.tolist()):
        inside = (s <= start) & (e >= stop) & ((e - s > stop - start) | (p < step))
        if not inside.any():
            kept.append(pair)
    return kept


# --- features and findings ----------------------------------------------------------------------

def _label(feature) -> str:
    qualifiers = feature.qualifiers
    for key in ("label", "gene", "locus_tag"):
        if qualifiers.get(key):
            return str(qualifiers[key][0])
    return feature.type


class _Features:
    """The labelled spans of a record's features (the ``source`` feature left out)."""

    def __init__(self, record: SeqRecord):
        spans = [(int(part.start), int(part.end), _label(feature)) for feature in record.features
                 if feature.type != "source" for part in feature.location.parts]
        self.starts = np.array([s for s, _, _ in spans], dtype=np.int64)
        self.ends = np.array([e for _, e, _ in spans], dtype=np.int64)
        self.labels = [label for _, _, label in spans]
        self.length = len(record)

    def touching(self, *ranges: tuple[int, int]) -> tuple[str, ...]:
        hit = np.zeros(len(self.labels), dtype=bool)
        for start, end in ranges:
            for shift in (0, self.length) if end > self.length else (0,):  # across the origin
                hit |= (self.starts < end - shift) & (self.ends > start - shift)
        return tuple(dict.fromkeys(self.labels[i] for i in np.flatnonzero(hit)))


def _in(labels: tuple[str, ...]) -> str:
    return f" (in {', '.join(labels)})" if labels else ""


def _in_each(first: tuple[str, ...], second: tuple[str, ...]) -> str:
    """Where each copy of a repeat lies: " (in B0015 and B0015)"."""
    if not first and not second:
        return ""
    return f" (in {', '.join(first) or 'no feature'} and {', '.join(second) or 'no feature'})"


def _repeat_findings(record: SeqRecord, sequence: str, features: _Features, min_repeat: int) -> list[Finding]:
    found = []
    for kind, pairs, severity, word in (
            ("repeat", direct_repeats(sequence, min_repeat), "error", "repeat"),
            ("inverted_repeat", inverted_repeats(sequence, min_repeat), "warning", "inverted repeat")):
        for first, second, length in pairs:
            one, two = (first, first + length), (second, second + length)
            first_labels, second_labels = features.touching(one), features.touching(two)
            labels = tuple(dict.fromkeys(first_labels + second_labels))
            where = (f"{word} of {length} bp at {one[0]}-{one[1]} and {two[0]}-{two[1]}"
                     + _in_each(first_labels, second_labels)
                     if one != two else f"palindrome of {length} bp at {one[0]}-{one[1]}{_in(labels)}")
            found.append(Finding(kind, record.id, *one, where, labels, severity, two))
    return found


def _site_findings(record: SeqRecord, sequence: str, features: _Features, standard: str,
                   circular: bool) -> list[Finding]:
    if standard not in ASSEMBLY_STANDARDS:
        raise CompileError(f"unknown assembly standard {standard!r} (expected one of: "
                           f"{', '.join(ASSEMBLY_STANDARDS)})")
    if not ASSEMBLY_STANDARDS[standard]:
        return []
    try:
        dna = FormattedSeq(Seq(sequence), linear=not circular)
    except TypeError as exc:
        raise CompileError(f"record {record.id}: {exc}") from exc
    found = []
    # the enzymes' own site patterns, both strands; not RestrictionBatch.search, which returns
    # cut positions and drops a site whose cut falls outside a linear sequence
    for enzyme in RestrictionBatch(list(ASSEMBLY_STANDARDS[standard])):
        for one_based, group in dna.finditer(enzyme.compsite, enzyme.size):
            start, end = one_based - 1, one_based - 1 + enzyme.size
            strand = "both strands" if enzyme.is_palindromic() else (
                "+ strand" if group(str(enzyme)) else f"{enzyme.site} on the - strand")
            labels = features.touching((start, end))
            across = ", across the origin" if end > len(sequence) else ""
            text = (sequence + sequence[:enzyme.size])[start:end]
            found.append(Finding("restriction_site", record.id, start, end,
                                 f"{enzyme} site {text} at {start}-{end} ({strand}{across}){_in(labels)}",
                                 labels, "error"))
    return found


def _letter_runs(values: np.ndarray, circular: bool) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the runs of one value; on a circular record the runs at both ends are
    one run across the origin (its end past ``len(values)``)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(values) != 0) + 1))
    ends = np.concatenate((starts[1:], [len(values)]))
    if circular and len(starts) > 1 and values[0] == values[-1]:
        starts, ends = starts[1:], np.concatenate((ends[1:-1], [len(values) + ends[0]]))
    return starts, ends


def _homopolymer_findings(record, sequence, bases, features, homopolymer: int, circular: bool) -> list[Finding]:
    starts, ends = _letter_runs(bases, circular)
    flagged = (ends - starts >= homopolymer) | (bases[starts] == _GAP)
    found = []
    for start, end in zip(starts[flagged].tolist(), ends[flagged].tolist()):
        length, labels = end - start, features.touching((start, end))
        if bases[start] == _GAP:
            found.append(Finding("ambiguous_base", record.id, start, end,
                                 f"{length} bp of {sequence[start:min(end, start + 12)]!r} (not A, C, "
                                 f"G or T) at {start}-{end}{_in(labels)}", labels, "error"))
        else:
            severity = "error" if length >= HOMOPOLYMER_ERROR else "warning"
            found.append(Finding("homopolymer", record.id, start, end,
                                 f"run of {length} {sequence[start].upper()} at {start}-{end}{_in(labels)}",
                                 labels, severity))
    return found


def _gc_findings(record, bases, features, window: int, gc_range: tuple[float, float],
                 circular: bool) -> list[Finding]:
    """One finding per stretch covered by overlapping out-of-range windows (on a circular record
    the windows across the origin too)."""
    length = len(bases)
    if length < window:
        return []
    strong = (bases == 1) | (bases == 2)
    gc = np.concatenate(([0], np.cumsum(np.concatenate((strong, strong[:window - 1])) if circular else strong)))
    fraction = (gc[window:] - gc[:-window]) / window        # one window per start
    low, high = gc_range
    outside = np.flatnonzero((fraction < low) | (fraction > high))
    depth = np.zeros(length + window, dtype=np.int64)
    np.add.at(depth, outside, 1)
    np.add.at(depth, outside + window, -1)
    covered = np.cumsum(depth)[:length + window - 1] > 0
    if circular:                                             # fold the bases past the origin back
        covered = covered[:length] | np.concatenate((covered[length:], np.zeros(length - window + 1, dtype=bool)))
    else:
        covered = covered[:length]
    starts, ends = _letter_runs(covered.astype(np.uint8), circular)
    flagged = covered[starts]
    found = []
    for start, end in zip(starts[flagged].tolist(), ends[flagged].tolist()):
        windows = fraction[np.arange(start, end - window + 1) % len(fraction)]
        worst = windows.min() if windows.min() < low else windows.max()
        labels = features.touching((start, end))
        found.append(Finding("gc_window", record.id, start, end,
                             f"GC outside {low:.0%}-{high:.0%} in {window}-bp windows across "
                             f"{start}-{end} (reaching {worst:.0%}){_in(labels)}", labels, "error"))
    return found


def _check_settings(min_repeat: int, homopolymer: int, gc_window: int, gc_range: tuple[float, float]) -> None:
    """Refuse settings that make no sense (or, for short repeats, would pair every k-mer)."""
    problems = [what for what, bad in (
        (f"min_repeat {min_repeat} (at least 8 bp)", min_repeat < 8),
        (f"homopolymer {homopolymer} (at least 2 bp)", homopolymer < 2),
        (f"gc_window {gc_window} (at least 1 bp)", gc_window < 1),
        (f"gc_range {gc_range} (0 <= low < high <= 1)", not 0 <= gc_range[0] < gc_range[1] <= 1)) if bad]
    if problems:
        raise CompileError(f"sequence QA settings out of range: {'; '.join(problems)}")


def check_construct(record: SeqRecord, *, min_repeat: int = 16, standard: str = "golden_gate",
                    homopolymer: int = 8, gc_window: int = 50, gc_range: tuple[float, float] = (0.25, 0.75),
                    host: HostIndex | None = None) -> list[Finding]:
    """Every finding in one record, sorted by position (see the module's docstring)."""
    _check_settings(min_repeat, homopolymer, gc_window, gc_range)
    sequence = str(record.seq)
    bases = _bases(sequence)
    features = _Features(record)
    circular = record.annotations.get("topology") == "circular"
    found = (_repeat_findings(record, sequence, features, min_repeat)
             + _site_findings(record, sequence, features, standard, circular)
             + _homopolymer_findings(record, sequence, bases, features, homopolymer, circular)
             + _gc_findings(record, bases, features, gc_window, gc_range, circular)
             + (host.host_repeats(record) if host is not None else []))
    return sorted(found, key=lambda f: (f.start, f.end, KINDS.index(f.kind)))


def _cross_record_findings(records: Sequence[SeqRecord], min_repeat: int) -> list[Finding]:
    """Repeats (either orientation) with one copy in each of two records."""
    sequences = [str(r.seq) for r in records]
    offsets = np.cumsum([0] + [len(s) + 1 for s in sequences])    # one gap letter between records
    joined = "\n".join(sequences)
    features = [_Features(r) for r in records]
    found = []
    for pairs, orientation in ((direct_repeats(joined, min_repeat), ""),
                               (inverted_repeats(joined, min_repeat), " (reverse complement)")):
        for first, second, length in pairs:
            a, b = (int(np.searchsorted(offsets, p, side="right")) - 1 for p in (first, second))
            if a == b:
                continue
            one = (first - int(offsets[a]), first - int(offsets[a]) + length)
            two = (second - int(offsets[b]), second - int(offsets[b]) + length)
            first_labels, second_labels = features[a].touching(one), features[b].touching(two)
            found.append(Finding("repeat", records[a].id, *one,
                                 f"repeat of {length} bp at {one[0]}-{one[1]} in {records[a].id} and "
                                 f"{two[0]}-{two[1]} in {records[b].id}{orientation}"
                                 f"{_in_each(first_labels, second_labels)}",
                                 tuple(dict.fromkeys(first_labels + second_labels)), "error", two))
    return found


def check_constructs(records: Iterable[SeqRecord], **kw) -> list[Finding]:
    """:func:`check_construct` of each record (keywords passed on), then the repeats between
    records (their ``detail`` names both records; ``other`` is in the second)."""
    records = list(records)
    found = [f for record in records for f in check_construct(record, **kw)]
    return found + _cross_record_findings(records, kw.get("min_repeat", 16))


# --- the host genome ----------------------------------------------------------------------------

class HostIndex:
    """The ``min_repeat``-mers of a host genome, both strands, for :meth:`host_repeats`.

    Stored as sorted canonical 2-bit codes (the smaller of a k-mer's and its reverse complement's
    code, uint64) with their positions (uint32): 13 bytes per host base, about 60 MB for a 4.6 Mb
    E. coli genome. By chance alone a random k-mer occurs in a genome of G bp with probability
    about 2G / 4**k: at k = 16 that is 2.5e-4 per base for Syn3A (543 kb) and 2e-3 for E. coli,
    so short host matches in long constructs are expected; k = 20 makes them rare (8e-6).
    """

    def __init__(self, host: SeqRecord | str, *, min_repeat: int = 16, name: str | None = None):
        sequence = str(host.seq) if isinstance(host, SeqRecord) else str(host)
        self.name = name or (host.id if isinstance(host, SeqRecord) else "host")
        self.min_repeat = min_repeat
        self.k = min(min_repeat, _SEED)
        forward, reverse, valid = _kmers(_bases(sequence), self.k)
        position = np.flatnonzero(valid)
        canonical = np.minimum(forward, reverse)[position]
        order = np.argsort(canonical)
        self.codes = canonical[order]
        self.positions = position[order].astype(np.uint32)
        self.forward = (forward <= reverse)[position][order]      # the + strand's k-mer is canonical
        self.length = len(sequence)

    def host_repeats(self, record: SeqRecord) -> list[Finding]:
        """Stretches of ``min_repeat`` bp or more of the record whose every k-mer is in the host
        (kind ``host_repeat``, warning); the detail gives the host place of the first k-mer."""
        forward, reverse, valid = _kmers(_bases(str(record.seq)), self.k)
        canonical = np.minimum(forward, reverse)
        index = np.minimum(np.searchsorted(self.codes, canonical), max(len(self.codes) - 1, 0))
        hit = valid & (self.codes[index] == canonical) if len(self.codes) else valid & False
        features = _Features(record)
        found = []
        for _, first, last in _runs(np.zeros(int(hit.sum()), dtype=np.int64), np.flatnonzero(hit)):
            start, end = first, last + self.k
            if end - start < self.min_repeat:
                continue
            where = int(self.positions[index[first]])
            strand = "+" if bool(self.forward[index[first]]) == bool(forward[first] <= reverse[first]) else "-"
            labels = features.touching((start, end))
            found.append(Finding("host_repeat", record.id, start, end,
                                 f"{end - start} bp at {start}-{end} shared with host {self.name} "
                                 f"(from {where}, {strand} strand){_in(labels)}", labels, "warning"))
        return found


# --- the fixer ----------------------------------------------------------------------------------

def _check_cds(cds: str, table: int) -> str:
    cds = cds.upper()
    if not cds or len(cds) % 3 or set(cds) - set("ACGT"):
        raise CompileError(f"cannot diversify {cds[:30]!r}...: a CDS is A, C, G, T only and a whole "
                           f"number of codons (got {len(cds)} bp)")
    if table not in unambiguous_dna_by_id:
        raise CompileError(f"unknown genetic code table {table} (NCBI translation table numbers)")
    return cds


def _cds_constraints(dc, cds: str, table: int, min_repeat: int, sites: Sequence[str],
                     homopolymer: int, gc_window: int, gc_range: tuple[float, float]) -> list:
    """DnaChisel constraints on the CDS at 0..len(cds) of a problem whose sequence goes on with
    the context (frozen): synonymous codons, start and stop codons kept, no k-mer shared with the
    context or elsewhere in the CDS (either strand), no site, no run, GC windows in range."""
    whole = (0, len(cds))
    code = unambiguous_dna_by_id[table]
    kept = [(0, 3)] + ([(len(cds) - 3, len(cds))] if cds[-3:] in code.stop_codons else [])
    return ([dc.EnforceTranslation(genetic_table=code.names[0], location=whole)]
            + [dc.AvoidChanges(location=span) for span in kept]
            + [dc.UniquifyAllKmers(min_repeat, location=whole, include_reverse_complement=True)]
            + [dc.AvoidPattern(f"{site}_site", location=whole) for site in sites]
            + [dc.AvoidPattern(f"{homopolymer}x{base}", location=whole) for base in "ACGT"]
            + ([dc.EnforceGCContent(mini=gc_range[0], maxi=gc_range[1], window=gc_window, location=whole)]
               if len(cds) >= gc_window else []))


def diversify_cds(cds: str, avoid: Sequence[str], table: int = 11, min_repeat: int = 16,
                  sites: Sequence[str] = ("BsaI", "BsmBI"), seed: int = 0, *, homopolymer: int = 8,
                  gc_window: int = 50, gc_range: tuple[float, float] = (0.25, 0.75)) -> str:
    """``cds`` re-coded with synonymous codons (NCBI ``table``; start and stop codons kept) so that
    it shares no ``min_repeat``-mer, on either strand, with the ``avoid`` sequences (the rest of
    the construct) nor with itself, and carries no site of ``sites``, no run of ``homopolymer``
    bases and no ``gc_window`` outside ``gc_range``. DnaChisel solves it; the same inputs and
    ``seed`` give the same CDS. Raises CompileError when the constraints cannot all be met.
    The ``avoid`` sequences are the construct's other parts (tens of kb: DnaChisel scores the
    k-mers in Python). A site or run across the CDS's junctions with its neighbours is not seen:
    check the construct (:func:`check_construct`) after placing it.

    The answer is kept in BioXen's cache (``dna/diversified-<key>.txt``, keyed by every argument,
    this module's text and DnaChisel's version), since it is deterministic and took 2.4 s a CDS
    (eight VMs' reporters repeat four colours: 9.7 s of each compile's DNA on a slowed machine).
    A kept CDS is used only if it is still a synonymous recoding of ``cds`` with its start and
    stop codons; else, or when the cache cannot be read or written, it is solved again."""
    cds = _check_cds(cds, table)
    context = [s.upper() for s in avoid]
    arguments = (cds, tuple(context), table, min_repeat, tuple(sites), seed, homopolymer, gc_window,
                 tuple(gc_range))
    path = _kept_path("diversified", arguments)
    kept = _read_kept(path)
    if kept is not None and _synonymous(kept, cds, table):
        return kept
    diversified = _diversified(cds, context, table, min_repeat, sites, seed, homopolymer, gc_window, gc_range)
    _keep(path, diversified)
    return diversified


def _kept_path(kind: str, arguments: tuple) -> Path:
    """Where BioXen's cache keeps a ``kind`` answer of this module for ``arguments``."""
    from importlib import metadata

    from bioxen.env import cache_root

    try:
        version = metadata.version("dnachisel")
    except metadata.PackageNotFoundError:
        version = "?"
    key = hashlib.sha256(repr((arguments, version, Path(__file__).read_bytes())).encode()).hexdigest()
    return cache_root() / "dna" / f"{kind}-{key[:32]}.txt"


def _read_kept(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _keep(path: Path, text: str) -> None:
    """``text`` written whole beside ``path`` and renamed there; a cache that cannot be written
    is skipped."""
    from bioxen.errors import BioxenError
    from bioxen.outdir import write_text

    try:
        write_text(path, text + "\n")
    except (OSError, BioxenError):
        pass


def _synonymous(recoded: str, cds: str, table: int) -> bool:
    """``recoded`` is ``cds`` in other codons: same length, the same protein, the same start
    codon and the same stop codon (where ``cds`` ends in one)."""
    stop_kept = cds[-3:] not in unambiguous_dna_by_id[table].stop_codons or recoded[-3:] == cds[-3:]
    return (len(recoded) == len(cds) and not set(recoded) - set("ACGT") and recoded[:3] == cds[:3]
            and stop_kept and translate(recoded, table=table) == translate(cds, table=table))


def _diversified(cds: str, context: list[str], table: int, min_repeat: int, sites: Sequence[str], seed: int,
                 homopolymer: int, gc_window: int, gc_range: tuple[float, float]) -> str:
    """:func:`diversify_cds`'s answer, solved by DnaChisel."""
    import dnachisel as dc      # 1.4 s to import: only when a CDS is diversified

    # the context after the CDS, pieces joined as given (DnaChisel takes A, C, G, T only): the
    # k-mers across a junction are real when the pieces are neighbours in the construct, and
    # a harmless extra constraint otherwise
    sequence = "".join([cds, *context])
    constraints = _cds_constraints(dc, cds, table, min_repeat, sites, homopolymer, gc_window, gc_range)
    if context:
        constraints.append(dc.AvoidChanges(location=(len(cds), len(sequence))))
    state = np.random.get_state()     # DnaChisel draws from numpy's global generator
    np.random.seed(seed)
    try:
        problem = dc.DnaOptimizationProblem(sequence, constraints=constraints, logger=None)
        problem.resolve_constraints()
    except dc.NoSolutionError as exc:
        raise CompileError(f"cannot diversify a {len(cds)}-bp CDS against {len(context)} other "
                           f"sequence(s): {exc.message}",
                           hint="lower the constraints (min_repeat, gc_range, homopolymer) or "
                                "change the context") from exc
    finally:
        np.random.set_state(state)
    return problem.sequence[:len(cds)]
