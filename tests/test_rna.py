"""RNA biophysics of VM isolation (real ViennaRNA): SD/anti-SD pools and gate sRNAs."""
import math
import time

import numpy as np
import pytest
import RNA

from bioxen import rna
from bioxen.errors import BioxenError
from bioxen.rna import (BETA, FOLD_MATCH, HOST_ANTI_SD, HOST_SD, MAX_SEQUESTRATION, ON_TARGET_WINDOW, DesignRefused,
                        crosstalk, design_pools, design_srna, dissociation_constant, duplex_energy, leak_ratios,
                        spacer_length, srna_crosstalk, unfolding_cost)

START_CODONS = ("ATG", "GTG", "TTG")


def _reverse_complement(dna):
    return dna.translate(str.maketrans("ACGT", "TGCA"))[::-1]


def _ratios(strength):
    """S[i][i] / max(S[i][j], S[j][i]) over j != i, for classes i > 0 (written out again here)."""
    size = len(strength)
    return [strength[i][i] / max(max(strength[i][j], strength[j][i]) for j in range(size) if j != i)
            for i in range(1, size)]


def _srna_gaps(pairs):
    utrs = [pair.utr for pair in pairs]
    energy = srna_crosstalk([design_srna(utr) for utr in utrs], utrs)
    own = np.diag(energy)
    off = energy + np.diag(np.full(len(utrs), np.inf))
    return energy, min(off.min(axis=1) - own), min(off.min(axis=0) - own)


def test_host_shine_dalgarno_pairs_host_anti_sd_strongly():
    assert duplex_energy("AGGAGG", HOST_ANTI_SD) < -8
    host = design_pools(0)[0][0]
    assert host.anti_sd == HOST_ANTI_SD and "AGGAGG" in host.sd and host.energy < -8


def test_complementary_beats_mismatched_and_rna_letters_equal_dna():
    assert duplex_energy("AAGGAGGT", HOST_ANTI_SD) < duplex_energy("AACCACCT", HOST_ANTI_SD) - 5
    assert duplex_energy("AGGAGG", "UCACCUCCUUA") == duplex_energy("aggagg", HOST_ANTI_SD)
    assert duplex_energy("AAAAAA", "AAAAAAAAA") == 0.0  # no favourable duplex: unpaired reference


def test_colder_pairs_tighter_and_library_temperature_is_restored():
    assert duplex_energy("AAGGAGGT", HOST_ANTI_SD, 25.0) < duplex_energy("AAGGAGGT", HOST_ANTI_SD)
    assert RNA.cvar.temperature == 37.0


def test_crosstalk_strength_is_relative_to_host_on_host():
    energy, strength = crosstalk(["AGGAGG", "ACCCTG"], [HOST_ANTI_SD, "ACAGGGTTA"])
    assert strength[0][0] == 1.0
    assert strength[1][1] == pytest.approx(math.exp(-BETA * (energy[1][1] - energy[0][0])))
    # a UTR fold F_i costs class i on every pool: S_ij = exp(-BETA ((E_ij + F_i) - (E_00 + F_0)))
    folded_energy, folded = crosstalk(["AGGAGG", "ACCCTG"], [HOST_ANTI_SD, "ACAGGGTTA"], [1.0, 4.0])
    assert np.array_equal(folded_energy, energy) and folded[0][0] == 1.0
    assert folded[1] == pytest.approx(strength[1] * math.exp(-BETA * 3.0))
    assert folded[1][1] / folded[1][0] == pytest.approx(strength[1][1] / strength[1][0])   # ratios unchanged


def test_unfolding_cost_is_the_footprint_opening_of_the_utr_fold():
    """F = MFE with SD..AUG held unpaired - free MFE (ViennaRNA), written out again here: a
    leader arm complementary to the SD folds a hairpin that costs several kcal/mol to open;
    A/C/U flanks cost little; and the leader may refold on its own once the 30S sits there."""
    sd = "GTCCAGTCCA"
    hairpin, open_ = "TCTGGACCTC" + sd + "TTTAT", "TCTACTACAC" + sd + "TTTAT"
    for utr in (hairpin, open_):
        message = (utr + "ATG").replace("T", "U")
        free = RNA.fold(message)[1]
        held = RNA.fold_compound(message)
        for k in range(utr.index(sd) + 1, len(message) + 1):
            held.hc_add_up(k)
        assert unfolding_cost(utr, sd) == pytest.approx(max(held.mfe()[1] - free, 0.0), abs=0.006)
    assert unfolding_cost(hairpin, sd) > 5 and unfolding_cost(open_, sd) < 2
    leader_hairpin = "GGGGAAACCCC" + sd + "TTTAT"      # folds on itself, outside the footprint
    assert unfolding_cost(leader_hairpin, sd) < 1 and RNA.fold((leader_hairpin + "ATG").replace("T", "U"))[1] < -3
    with pytest.raises(ValueError, match="not in the UTR"):
        unfolding_cost(open_, "AAGGAGGT")


def test_three_vms_get_orthogonal_pools():
    pairs, energy, strength = design_pools(3)
    assert len(pairs) == 4 and energy.shape == strength.shape == (4, 4)
    assert strength[0][0] == 1.0
    assert min(_ratios(strength)) >= 100
    assert len({pair.anti_sd for pair in pairs}) == 4
    assert pairs[0].sd == HOST_SD == _reverse_complement(HOST_ANTI_SD[2:10])  # 16S nt 1534-1541
    for i, pair in enumerate(pairs):
        assert pair.energy == energy[i][i] and pair.fold == unfolding_cost(pair.utr, pair.sd)
        # o-ribosomes initiate like host ones: the total (duplex + UTR fold) within FOLD_MATCH
        assert abs(pair.total - pairs[0].total) <= FOLD_MATCH + 1e-9
        assert strength[i][i] == pytest.approx(math.exp(-BETA * (pair.total - pairs[0].total)))
        assert pairs[0].energy - MAX_SEQUESTRATION <= pair.energy <= pairs[0].energy + ON_TARGET_WINDOW
        assert len(pair.anti_sd) == 11 and pair.anti_sd[0] + pair.anti_sd[-1] == "TA"  # nt 1532, 1542 kept
        if i:
            assert pair.sd == _reverse_complement(pair.anti_sd[:10])  # o-SDs pair nt 1532-1541


def test_sequestered_o_sds_leak_far_less_than_the_unpaired_reference_allowed_before():
    """An SD that pairs no anti-SD still initiates at the unpaired reference (0 kcal/mol). Without
    sequestration, o-pairs no stronger than the host's + window leaked at >= 1/590 of their own
    rate. Now each o-SD pairs 6-7 kcal/mol more strongly than the host pair and its UTR's hairpin
    costs about as much, on every pool: on a pool it does not pair, class i initiates at
    exp(BETA E_ii) of its own rate (a leak ratio up to exp(BETA (MAX_SEQUESTRATION - E_00)),
    ~5,600), while host mRNAs, unsequestered, still reach every o-pool at >= 1/240 of the host
    pair (the isolation ratio, both directions, <= exp(BETA (FOLD_MATCH - E_00)) ~ 270)."""
    pairs, energy, strength = design_pools(3)
    leaks, ratios = leak_ratios(strength), _ratios(strength)
    print(f"\nleak ratios {[round(r) for r in leaks]}, both directions {[round(r) for r in ratios]}, "
          f"duplexes {[p.energy for p in pairs]}, UTR folds {[p.fold for p in pairs]}")
    for i, pair in enumerate(pairs[1:], start=1):
        assert pair.energy <= pairs[0].energy - 5 and pair.fold >= 5          # sequestered
        assert pair.utr[:10] != pairs[0].utr[:10]
        unpaired = [j for j in range(4) if j != i and energy[i][j] == 0.0]
        assert unpaired                                                         # pairs nothing there
        for j in unpaired:   # the off-target ribosome pays the fold without the pairing gain
            assert strength[i][j] == pytest.approx(math.exp(-BETA * (pair.fold - pairs[0].total)))
    assert pairs[0].fold < 3
    assert min(leaks) >= 1000 > 590                                             # measured 1,401
    assert max(leaks) <= math.exp(BETA * (MAX_SEQUESTRATION - energy[0][0]))
    assert 100 <= min(ratios) and max(ratios) <= math.exp(BETA * (FOLD_MATCH - energy[0][0]))


def test_eight_pools_are_mutually_orthogonal_above_the_default_min_ratio():
    """Eight VMs on eight pools: each SD reaches the policy's default min_ratio (100) against the
    host and every other pool, in both directions (its SD on their anti-SD, theirs on its)."""
    start = time.perf_counter()
    pairs, energy, strength = design_pools(8, min_ratio=100.0)
    took = time.perf_counter() - start
    assert len({pair.anti_sd for pair in pairs}) == len({pair.sd for pair in pairs}) == 9
    for i in range(1, 9):
        for j in range(9):
            if j != i:
                assert strength[i][i] >= 100 * max(strength[i][j], strength[j][i]), (i, j)
    assert min(leak_ratios(strength)) >= 300                                   # measured 332
    print(f"\n8 pools: smallest on/off ratio {min(_ratios(strength)):.0f}, smallest leak ratio "
          f"{min(leak_ratios(strength)):.0f}, {took:.1f} s (screen included)")


def test_impossible_isolation_is_refused_with_the_ratio_reached():
    with pytest.raises(DesignRefused) as refused:
        design_pools(3, min_ratio=1e30)
    message = str(refused.value)
    assert "1e+30" in message and "reaches" in message and "min_ratio" in message
    reached = float(message.split("reaches ")[1].split()[0])
    assert reached >= 100
    assert isinstance(refused.value, ValueError) and isinstance(refused.value, BioxenError)


def test_utrs_carry_their_sd_spaced_from_the_start_codon_and_no_other_start():
    pairs, _, _ = design_pools(3)
    for pair in pairs:
        spacer = spacer_length(pair.sd)
        assert pair.utr.endswith(pair.sd + pair.utr[-spacer:])
        assert spacer + len(pair.sd) == 7 + 8  # the 16S on the host register: 7 nt from its nt 1534 to ATG
        message = pair.utr + "ATG"
        assert not any(message[k:k + 3] in START_CODONS for k in range(len(pair.utr)))
        assert "ATG" not in pair.utr
    assert len({pair.utr for pair in pairs}) == 4
    for a in pairs:
        for b in pairs:
            if a is not b:  # leaders and spacers differ, not only SDs
                assert a.utr[:10] != b.utr[:10] and a.utr[-5:] != b.utr[-5:]


def test_srna_covers_sd_and_start_codon_and_pairs_its_own_utr_far_better():
    pairs, _, _ = design_pools(3)
    srna = design_srna(pairs[1].utr)
    target = _reverse_complement(srna)
    spacer = spacer_length(pairs[1].sd)
    assert len(srna) == 24 and target.endswith(pairs[1].sd + pairs[1].utr[-spacer:] + "ATG")
    energy, worst_row_gap, worst_column_gap = _srna_gaps(pairs)
    print(f"\nsRNA dG matrix (kcal/mol):\n{np.round(energy, 1)}\n"
          f"smallest own-vs-other gap: {min(worst_row_gap, worst_column_gap):.1f} kcal/mol")
    assert np.all(np.diag(energy) < -30)
    assert min(worst_row_gap, worst_column_gap) >= 10  # Kd ratio > 1e7


def test_srna_longer_than_its_target_is_refused():
    with pytest.raises(DesignRefused, match="does not fit"):
        design_srna("AAGGAGGTATTAT", length=24)


def test_dissociation_constant_of_minus_twelve_is_3_5_nanomolar():
    # exp(-12 / (1.98720e-3 * 310.15)) = exp(-19.470) = 3.50e-9 M
    assert dissociation_constant(-12.0) == pytest.approx(3.50e-9, rel=0.01)
    assert dissociation_constant(0.0) == 1.0


@pytest.mark.slow
def test_design_is_deterministic():
    first = rna._designed_pools(3, 100.0)
    rna._screen.cache_clear()
    second = rna._designed_pools(3, 100.0)
    assert first[0] == second[0]
    assert np.array_equal(first[1], second[1]) and np.array_equal(first[2], second[2])


def test_the_design_is_kept_on_disk_and_designed_again_when_unreadable(tmp_path, monkeypatch):
    """A compile reads its pools' design (UTR folds included) from BioXen's cache instead of
    designing it again: the same pairs, to the bit; a damaged file, or one holding another
    number of pools, is designed again; a refusal is not kept."""
    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(tmp_path))
    designed = rna._designed_pools(3, 100.0)
    design_pools(1)
    (one_pool,) = (tmp_path / "rna").glob("pools-*.npz")
    first = design_pools(3)
    (stored,) = set((tmp_path / "rna").glob("pools-*.npz")) - {one_pool}
    real, calls = rna._designed_pools, []
    monkeypatch.setattr(rna, "_designed_pools", lambda *args: calls.append(args) or real(*args))
    read_back = design_pools(3)
    assert calls == []                                   # read, not designed
    for got in (first, read_back):
        assert got[0] == designed[0] and all(type(p.energy) is float and type(p.sd) is str for p in got[0])
        assert np.array_equal(got[1], designed[1]) and np.array_equal(got[2], designed[2])
    assert read_back[1] is not first[1]                  # each caller gets arrays of its own
    stored.write_bytes(b"half a file")
    assert design_pools(3)[0] == designed[0] and len(calls) == 1
    stored.write_bytes(one_pool.read_bytes())            # one pool's design where three belong
    assert design_pools(3)[0] == designed[0] and len(calls) == 2
    with pytest.raises(DesignRefused):
        design_pools(3, min_ratio=1e30)
    assert len(list((tmp_path / "rna").glob("pools-*.npz"))) == 2     # 1 and 3 pools; no refusal


@pytest.mark.slow
def test_report_design_matrices_and_timing():
    """Run with -s to see the chosen pools, the matrices and the time per call."""
    rna._screen.cache_clear()
    start = time.perf_counter()
    design_pools(1)
    first_call = time.perf_counter() - start
    timings = {}
    for n in range(7):
        start = time.perf_counter()
        design_pools(n, min_ratio=1.0)
        timings[n] = time.perf_counter() - start
    pairs, energy, strength = design_pools(3)
    print(f"\nfirst call (candidate screen): {first_call:.2f} s; cached calls: "
          + ", ".join(f"n={n} {t * 1000:.0f} ms" for n, t in timings.items()))
    for name, pair in zip(["host", "o1", "o2", "o3"], pairs):
        print(f"{name:>4}: SD {pair.sd} anti-SD {pair.anti_sd} UTR {pair.utr} dG {pair.energy:.1f} "
              f"fold {pair.fold:.1f} total {pair.total:.1f}")
    with np.printoptions(precision=3, suppress=True, linewidth=120):
        print(f"E (kcal/mol):\n{energy}\nS:\n{strength}")
    print("on/off ratios:", [round(r) for r in _ratios(strength)], "leak ratios:",
          [round(r) for r in leak_ratios(strength)])
    assert set(timings) == set(range(7))  # speed is reported here, not asserted (noisy machines)


@pytest.mark.slow
def test_the_screen_is_kept_on_disk_and_computed_again_when_unreadable(tmp_path, monkeypatch):
    """A new process reads the screen from BioXen's cache instead of folding ~1.7e5 duplexes
    again; a damaged file is computed again, with the same design."""
    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(tmp_path))
    rna._screen.cache_clear()
    first = design_pools(2)
    (stored,) = (tmp_path / "rna").glob("screen-*.npz")
    rna._screen.cache_clear()
    read_back = design_pools(2)
    assert read_back[0] == first[0] and np.array_equal(read_back[1], first[1])
    stored.write_bytes(b"half a file")
    rna._screen.cache_clear()
    again = design_pools(2)
    assert again[0] == first[0] and np.array_equal(again[2], first[2])
    screen = rna._screen(rna.HOST_ANTI_SD, rna.HOST_SD, rna.MUTABLE_POSITIONS, rna.SD_SPAN, rna.ON_TARGET_WINDOW,
                         rna.SCREEN_SIZE, rna.SCREEN_SAMPLE)
    assert not screen.energy.flags.writeable
    rna._screen.cache_clear()


def test_the_screen_on_two_cores_is_the_screen_in_one(monkeypatch):
    """Half the candidates and half the matrix's rows are worked through by a forked child; the
    kept pairs and their energies are those one process finds."""
    from bioxen import forked

    arguments = (rna.HOST_ANTI_SD, rna.HOST_SD, rna.MUTABLE_POSITIONS, rna.SD_SPAN, rna.ON_TARGET_WINDOW, 80, 3000)
    children = []
    real = forked.Forked

    def counted(*args, **kwargs):
        children.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(forked, "Forked", counted)
    two = rna._screened(*arguments)
    assert len(children) == 2          # the candidates, then the matrix
    monkeypatch.setattr(forked, "available", lambda: False)
    one = rna._screened(*arguments)
    assert len(children) == 2 and len(one.sds) == 81
    assert two.sds == one.sds and two.anti_sds == one.anti_sds and np.array_equal(two.energy, one.energy)


def test_a_full_cache_keeps_no_half_written_screen(tmp_path, monkeypatch):
    """A cache with no room left is skipped, and the file begun there is removed."""
    import errno
    import os

    def full(handle, **arrays):
        handle.write(b"PK\x03\x04 half an archive")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(rna.np, "savez", full)
    rna._store(tmp_path / "rna" / "screen-x.npz", energy=np.zeros(2))
    assert list((tmp_path / "rna").iterdir()) == []
