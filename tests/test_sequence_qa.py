"""Sequence QA of written constructs (bioxen.backend.sequence_qa): planted repeats, sites, runs and
GC windows are found where they were planted, with the features they touch; random DNA gives no
false repeat; the host index finds a piece of the real Syn3A genome; diversify_cds removes a
duplicated CDS's repeats without changing its protein."""
from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import pytest
from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord
from ruamel.yaml import YAML

from bioxen.backend.sequence_qa import (HostIndex, check_construct, check_constructs, diversify_cds,
                                        direct_repeats, inverted_repeats)
from bioxen.errors import CompileError
from bioxen.parts import PART_SEQUENCES

SITES = re.compile("GGTCTC|GAGACC|CGTCTC|GAGACG")     # BsaI, BsmBI, both strands


def background(length: int, seed: int) -> str:
    """Random DNA (seeded) with no BsaI/BsmBI site and no run of 6, so that only what a test
    plants is found."""
    rng = random.Random(seed)
    dna = "".join(rng.choice("ACGT") for _ in range(length))
    while (hit := SITES.search(dna) or re.search(r"A{6,}|C{6,}|G{6,}|T{6,}", dna)):
        dna = dna[:hit.start()] + "".join(rng.choice("ACGT") for _ in hit.group()) + dna[hit.end():]
    return dna


def plant(dna: str, at: int, piece: str) -> str:
    return dna[:at] + piece + dna[at + len(piece):]


def record(dna: str, features=(), id="construct", topology="linear") -> SeqRecord:
    return SeqRecord(Seq(dna), id=id, annotations={"molecule_type": "DNA", "topology": topology},
                     features=[SeqFeature(FeatureLocation(a, b, strand=1), type=kind, qualifiers=q)
                               for a, b, kind, q in features])


def of_kind(findings, kind):
    return [f for f in findings if f.kind == kind]


def test_planted_repeat_and_bsai_site_found_where_planted_with_their_features():
    dna = background(3000, seed=1)
    copy = "ACCTGAGGCATTCAGGTACA"                     # 20 bp
    dna = plant(plant(dna, 400, copy), 2000, copy)
    dna = plant(plant(dna, 399, "G"), 1999, "C")       # the copies differ just outside: 20 bp, not more
    dna = plant(plant(dna, 420, "T"), 2020, "A")
    dna = plant(dna, 2500, "GGTCTC")
    features = [(300, 1200, "CDS", {"label": ["geneA"]}), (1900, 2100, "terminator", {"label": ["B0015"]}),
                (2400, 2800, "CDS", {"gene": ["geneB"]}), (0, 3000, "source", {})]
    findings = check_construct(record(dna, features))
    repeats = of_kind(findings, "repeat")
    assert [(f.start, f.end, f.other, f.severity) for f in repeats] == [(400, 420, (2000, 2020), "error")]
    assert repeats[0].features == ("geneA", "B0015")
    assert repeats[0].detail == "repeat of 20 bp at 400-420 and 2000-2020 (in geneA and B0015)"
    sites = of_kind(findings, "restriction_site")
    assert [(f.start, f.end, f.features, f.severity) for f in sites] == [(2500, 2506, ("geneB",), "error")]
    assert "BsaI" in sites[0].detail and "+ strand" in sites[0].detail
    assert not of_kind(findings, "inverted_repeat")


def test_reverse_strand_site_and_a_site_across_the_origin_of_a_circular_record():
    dna = plant(background(1000, seed=2), 700, "GAGACC")          # BsaI on the - strand
    minus = of_kind(check_construct(record(dna)), "restriction_site")
    assert [(f.start, f.end) for f in minus] == [(700, 706)] and "- strand" in minus[0].detail
    across = "GTCTC" + background(995, seed=3)[:-1] + "G"        # G...|GTCTC joins across the origin
    assert not of_kind(check_construct(record(across)), "restriction_site")
    circular = of_kind(check_construct(record(across, topology="circular")), "restriction_site")
    assert [(f.start, f.end) for f in circular] == [(999, 1005)] and "origin" in circular[0].detail
    ecori = plant(dna, 100, "GAATTC")
    biobrick = check_construct(record(ecori), standard="biobrick")
    expected = [m.start() for m in re.finditer("(?=GAATTC)", ecori)]
    assert 100 in expected
    assert [f.start for f in of_kind(biobrick, "restriction_site") if f.detail.startswith("EcoRI")] == expected
    with pytest.raises(CompileError, match="golden_gate"):
        check_construct(record(dna), standard="moclo")


def test_random_sequence_has_no_repeat_and_inverted_repeats_are_warnings():
    dna = background(5000, seed=4)
    findings = check_construct(record(dna))
    assert not of_kind(findings, "repeat") and not of_kind(findings, "inverted_repeat")
    arm = "GATCCAGTTGCAACGGTA"                           # 18 bp and its reverse complement
    hairpin = plant(plant(dna, 1000, arm), 1030, str(Seq(arm).reverse_complement()))
    inverted = of_kind(check_construct(record(hairpin)), "inverted_repeat")
    assert [(f.start, f.end, f.other, f.severity) for f in inverted] == [(1000, 1018, (1030, 1048), "warning")]
    with pytest.raises(CompileError, match="min_repeat 4"):
        check_construct(record(dna), min_repeat=4)


def _maximal_pairs_brute_force(dna: str, k: int, inverted: bool) -> set:
    """Every maximal exact repeat pair by comparing all pairs of positions (the oracle)."""
    n, other = len(dna), str(Seq(dna).reverse_complement()) if inverted else dna
    found = {}
    for i in range(n):
        for j in range(n) if inverted else range(i + 1, n):
            # forward: dna[i+t] == dna[j+t]; inverted: dna[i+t] == complement(dna[j+L-1-t]),
            # i.e. dna[i:] against the reverse complement read from (n - j - L)
            if inverted:
                jj = n - 1 - j                          # dna[i] pairs with complement(dna[j])
                if i > 0 and jj > 0 and dna[i - 1] == other[jj - 1]:
                    continue                            # extends to the left: not maximal
                length = 0
                while i + length < n and jj + length < n and dna[i + length] == other[jj + length]:
                    length += 1
                if length >= k:
                    second = j - length + 1
                    pair = min((i, second, length), (second, i, length))
                    found[pair] = pair
            else:
                if i > 0 and dna[i - 1] == dna[j - 1]:
                    continue
                length = 0
                while j + length < n and dna[i + length] == dna[j + length]:
                    length += 1
                if length >= k:
                    found[(i, j, length)] = (i, j, length)
    # a pair inside a stretch that a tandem array or palindrome spans is that array's echo: keep
    # the pair spanning the whole stretch at its shortest period
    arrays = [(i, j + length, j - i) for i, j, length in found if j < i + length]
    return {(i, j, length) for i, j, length in found
            if not any(s <= i and j + length <= e and (e - s > j + length - i or p < j - i)
                       for s, e, p in arrays)}


@pytest.mark.parametrize("seed", [5, 6])
def test_repeat_finder_agrees_with_brute_force_on_repeat_rich_dna(seed):
    rng = random.Random(seed)
    dna = "".join(rng.choice("ACGT") for _ in range(80))
    dna = dna + dna[10:40] + "AAAAAAAAAAAA" + "ACGACGACGACGACG" + str(Seq(dna[20:45]).reverse_complement())
    dna += "".join(rng.choice("ACGT") for _ in range(60))
    for k in (5, 8):
        assert set(direct_repeats(dna, k)) == _maximal_pairs_brute_force(dna, k, inverted=False)
        assert set(inverted_repeats(dna, k)) == _maximal_pairs_brute_force(dna, k, inverted=True)


def test_homopolymers_gc_windows_and_ambiguous_bases():
    dna = background(2000, seed=7)
    dna = plant(dna, 99, "C" + "A" * 12 + "C")            # error (>= 10)
    dna = plant(dna, 299, "A" + "C" * 8 + "A")            # warning (8 or 9)
    dna = plant(dna, 499, "T" + "G" * 7 + "T")            # below the threshold: nothing
    dna = plant(dna, 1000, ("AATTATAT" * 12)[:90])        # 0% GC for 90 bp
    dna = plant(dna, 1800, "N")
    findings = check_construct(record(dna, [(950, 1050, "CDS", {"label": ["geneC"]})]))
    runs = of_kind(findings, "homopolymer")
    assert [(f.start, f.end, f.severity) for f in runs] == [(100, 112, "error"), (300, 308, "warning")]
    assert "run of 12 A" in runs[0].detail
    (window,) = of_kind(findings, "gc_window")
    assert window.start <= 1000 and window.end >= 1090 and window.end - window.start < 200
    assert window.severity == "error" and window.features == ("geneC",)
    assert [(f.start, f.end, f.severity) for f in of_kind(findings, "ambiguous_base")] == [(1800, 1801, "error")]


def test_runs_and_gc_windows_across_the_origin_of_a_circular_record():
    dna = "AAAAAT" + ("AATTATAT" * 5)[:37] + background(1000, seed=14)[43:-7] + "GAAAAAA"
    linear = check_construct(record(dna))
    assert not of_kind(linear, "homopolymer")             # 5 + 6 A: no run of 8 on either end
    circular = check_construct(record(dna, topology="circular"))
    assert [(f.start, f.end) for f in of_kind(circular, "homopolymer")] == [(994, 1005)]
    (window,) = of_kind(circular, "gc_window")            # 49 bp of A/T across the origin
    assert window.start <= 994 and window.end >= 1043 and window.end - window.start < 150
    (straight,) = of_kind(linear, "gc_window")            # linear: only the 43 bp at the start count
    assert straight.start == 0 and straight.end < window.end - 1000 + 1


def test_repeats_across_records_name_both_records():
    piece = "TTGACAGCTAGCTCAGTCCTAGGTAT"                  # 26 bp
    # flanked by C on both: C pairs with G across the two copies, so the repeat ends at 26 bp
    one = record(plant(background(1500, seed=9), 199, f"C{piece}C"), id="hypervisor")
    two = record(plant(background(1500, seed=10), 899, f"C{Seq(piece).reverse_complement()}C"), id="vm1")
    three = record(background(1500, seed=11), id="vm2")
    findings = check_constructs([one, two, three])
    across = [f for f in of_kind(findings, "repeat") if f.other is not None and "vm1" in f.detail]
    assert [(f.record, f.start, f.end, f.other) for f in across] == [("hypervisor", 200, 226, (900, 926))]
    assert "hypervisor" in across[0].detail and "reverse complement" in across[0].detail
    assert not [f for f in findings if "vm2" in f.detail]


@pytest.mark.slow
def test_host_index_finds_a_planted_piece_of_the_syn3a_genome(genome_path, record_property):
    syn3a = SeqIO.read(genome_path / "CP016816.2.gb", "genbank")
    started = time.perf_counter()
    host = HostIndex(syn3a)
    built = time.perf_counter() - started
    record_property("measured", f"HostIndex of Syn3A ({len(syn3a)} bp): {built:.2f} s")
    piece = str(syn3a.seq[100_000:100_030])
    dna = plant(plant(background(4000, seed=12), 500, piece), 3000, str(Seq(piece).reverse_complement()))
    found = host.host_repeats(record(dna, [(450, 600, "CDS", {"label": ["geneD"]})]))
    by_start = {f.start: f for f in found}
    assert (by_start[500].end, by_start[500].severity, by_start[500].features) == (530, "warning", ("geneD",))
    assert "from 100000, + strand" in by_start[500].detail
    assert by_start[3000].end == 3030 and "- strand" in by_start[3000].detail
    assert built < 5


def _gfp() -> str:
    return "".join(YAML(typ="safe").load(PART_SEQUENCES.read_text())["parts"]["E0040"]["sequence"].split())


def test_diversify_cds_removes_the_repeats_of_a_duplicated_gfp_and_keeps_its_protein():
    gfp = _gfp()
    spacer = background(60, seed=13)
    first = gfp + spacer
    second = diversify_cds(gfp, [first], seed=0)
    assert second != gfp and len(second) == len(gfp)
    assert str(Seq(second).translate(table=11)) == str(Seq(gfp).translate(table=11))
    assert second[:3] == gfp[:3] and second[-3:] == gfp[-3:]
    construct = record(first + second)
    findings = check_construct(construct)
    assert not of_kind(findings, "repeat") and not of_kind(findings, "inverted_repeat")
    # BBa_E0040 itself carries a BsaI site (GAGACC at 643); its diversified copy carries none
    assert [f.start for f in of_kind(findings, "restriction_site")] == [643] and not SITES.search(second)
    assert diversify_cds(gfp, [first], seed=0) == second     # the same answer (here kept: see below)
    with pytest.raises(CompileError, match="cannot diversify"):
        diversify_cds("ATG" * 30 + "TAA", [])             # Met has one codon: its repeats stay
    with pytest.raises(CompileError, match="whole number of codons"):
        diversify_cds(gfp[:-1], [first])


def test_a_diversified_cds_is_kept_in_the_cache_and_checked_before_use(monkeypatch, tmp_path):
    """The answer is deterministic, so it is kept (BIOXEN_CACHE_DIR/dna); a later call takes it
    without DnaChisel, a kept CDS that is no longer a synonymous recoding is solved again, and
    a solve from an empty cache gives the same CDS."""
    import bioxen.backend.sequence_qa as qa

    gfp = _gfp()
    first = gfp + background(60, seed=13)
    solved = diversify_cds(gfp, [first], seed=0)
    (kept,) = (Path(os.environ["BIOXEN_CACHE_DIR"]) / "dna").glob("diversified-*.txt")
    assert kept.read_text().strip() == solved

    def unsolvable(*args, **kwargs):
        raise AssertionError("DnaChisel called for a kept answer")

    with monkeypatch.context() as patch:
        patch.setattr(qa, "_diversified", unsolvable)
        assert diversify_cds(gfp, [first], seed=0) == solved
        with pytest.raises(AssertionError, match="DnaChisel called"):
            diversify_cds(gfp, [first], seed=1)                    # another seed: another answer
    for broken in ("GTG" + solved[3:], solved[:30] + "TAA" + solved[33:], solved[:-1] + "A", "N" + solved[1:]):
        kept.write_text(broken)                                    # start, stop, protein or letters changed
        assert diversify_cds(gfp, [first], seed=0) == solved
    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(tmp_path / "empty"))
    assert diversify_cds(gfp, [first], seed=0) == solved           # deterministic for one seed
