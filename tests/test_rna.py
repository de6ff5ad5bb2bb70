"""RNA biophysics of VM isolation (real ViennaRNA): SD/anti-SD pools and gate sRNAs."""
import math
import time

import numpy as np
import pytest
import RNA

from bioxen import rna
from bioxen.errors import BioxenError
from bioxen.rna import (BETA, HOST_ANTI_SD, DesignRefused, crosstalk, design_pools, design_srna,
                        dissociation_constant, duplex_energy, srna_crosstalk)

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
    assert duplex_energy("AGGAGG", "ACCUCCUUA") == duplex_energy("aggagg", HOST_ANTI_SD)
    assert duplex_energy("AAAAAA", "AAAAAAAAA") == 0.0  # no favourable duplex: unpaired reference


def test_colder_pairs_tighter_and_library_temperature_is_restored():
    assert duplex_energy("AAGGAGGT", HOST_ANTI_SD, 25.0) < duplex_energy("AAGGAGGT", HOST_ANTI_SD)
    assert RNA.cvar.temperature == 37.0


def test_crosstalk_strength_is_relative_to_host_on_host():
    energy, strength = crosstalk(["AGGAGG", "ACCCTG"], [HOST_ANTI_SD, "ACAGGGTTA"])
    assert strength[0][0] == 1.0
    assert strength[1][1] == pytest.approx(math.exp(-BETA * (energy[1][1] - energy[0][0])))


def test_three_vms_get_orthogonal_pools():
    pairs, energy, strength = design_pools(3)
    assert len(pairs) == 4 and energy.shape == strength.shape == (4, 4)
    assert strength[0][0] == 1.0
    assert min(_ratios(strength)) >= 100
    assert len({pair.anti_sd for pair in pairs}) == 4
    for i, pair in enumerate(pairs):
        assert pair.energy == energy[i][i]
        assert abs(pair.energy - pairs[0].energy) <= 2.0  # o-ribosomes initiate like host ones
        assert pair.sd == _reverse_complement(pair.anti_sd[:8])


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
        assert pair.utr.endswith(pair.sd + pair.utr[-7:])  # 7-nt spacer to ATG
        message = pair.utr + "ATG"
        assert not any(message[k:k + 3] in START_CODONS for k in range(len(pair.utr)))
        assert "ATG" not in pair.utr
    assert len({pair.utr for pair in pairs}) == 4
    for a in pairs:
        for b in pairs:
            if a is not b:  # leaders and spacers differ, not only SDs
                assert a.utr[:10] != b.utr[:10] and a.utr[-7:] != b.utr[-7:]


def test_srna_covers_sd_and_start_codon_and_pairs_its_own_utr_far_better():
    pairs, _, _ = design_pools(3)
    srna = design_srna(pairs[1].utr)
    target = _reverse_complement(srna)
    assert len(srna) == 24 and target.endswith(pairs[1].sd + pairs[1].utr[-7:] + "ATG")
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


def test_design_is_deterministic():
    first = design_pools(3)
    rna._screen.cache_clear()
    second = design_pools(3)
    assert first[0] == second[0]
    assert np.array_equal(first[1], second[1]) and np.array_equal(first[2], second[2])


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
        print(f"{name:>4}: SD {pair.sd} anti-SD {pair.anti_sd} UTR {pair.utr} dG {pair.energy:.1f}")
    with np.printoptions(precision=3, suppress=True, linewidth=120):
        print(f"E (kcal/mol):\n{energy}\nS:\n{strength}")
    print("on/off ratios:", [round(r) for r in _ratios(strength)])
    assert set(timings) == set(range(7))  # speed is reported here, not asserted (noisy machines)


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
    screen = rna._screen(rna.HOST_ANTI_SD, rna.MUTABLE_POSITIONS, rna.SD_SPAN, rna.ON_TARGET_WINDOW, rna.SCREEN_SIZE)
    assert not screen.energy.flags.writeable
    rna._screen.cache_clear()
