"""RNA biophysics of VM isolation: orthogonal ribosome pools and gate sRNAs.

Model (translation initiation, Salis, Mirsky & Voigt 2009 Nat Biotech 27:946):
the translation initiation rate is proportional to exp(-BETA dG_total), with

    dG_total = dG_mRNA:rRNA + dG_start + dG_spacing + dG_standby - dG_mRNA,

dG_mRNA:rRNA the pairing of the 16S rRNA's 3' end (anti-SD) with the mRNA's
Shine-Dalgarno (SD) and dG_mRNA the folding of the mRNA that the 30S subunit
must undo to sit on the start region. Two terms are computed here, with
ViennaRNA: the SD:anti-SD duplex dG_ij of SD class i on pool j (the best
intermolecular duplex; an unfavourable best duplex counts as 0 kcal/mol, the
unpaired reference: an SD that pairs nothing still initiates), and the
unfolding cost F_i of class i's designed 5' UTR (:func:`unfolding_cost`: the
MFE of UTR + AUG with the ribosome's footprint, SD to AUG, held unpaired,
minus its free MFE; the leader upstream may refold, as in Salis' final
state). Every pool's UTR has the same layout (leader, SD, spacer ending on the
host register, AUG), so dG_start, dG_spacing and dG_standby are shared and
cancel. Relative to the host SD on host ribosomes,

    S_ij = exp(-BETA ((dG_ij + F_i) - (dG_00 + F_0))).

F_i is paid on every pool, the pairing dG_ij only on pools it pairs: the on/off
ratio of class i against pool j is exp(BETA (dG_ij - dG_ii)) whatever F_i is.

Orthogonal pairs follow Rackham & Chin 2005 (Nat Chem Biol 1:159): mutate the
anti-SD of a 16S rRNA copy and give the VM's mRNAs the complementary SD; and
Chubiz & Rao 2008 (Nucleic Acids Res 36:4038): choose the pairs by computation,
each initiating about as strongly as the wild-type pair does, not binding the
wild-type SD, and binding host mRNAs little. The exact published o-SD sequences
are not in our sources (PARAMETERS.md), so pairs are chosen here by
computation alone, not taken from the papers.

Which 16S nucleotides change (A: design choice). The anti-SD is the 3' end
5'-UCACCUCCUUA-3', 16S nt 1532-1542, part of the 13-nt single-stranded 3' tail
5'-GAUCACCUCCUUA-3' free to pair mRNA (Silke, Wei & Xia 2018 G3 8:3973, Table 1).
Nt 1533-1541 are varied (9 nt; Rackham & Chin varied the CCUCC core, nt
~1535-1539, R: recalled); U1532 and the 3'-terminal A1542 are kept. An o-SD is
the 10-nt reverse complement of nt 1532-1541, two pairs longer than the host SD
AAGGAGGU (nt 1534-1541). Its extra two nt take the place of the spacer's first
two: the 16S sits on the same register relative to the start codon as on host
mRNAs.

Paired sequestration (A: design choice, with the Salis model's terms). An SD
that pairs nothing still initiates at the unpaired reference, 1/240 of the host
pair (exp(BETA dG_00), dG_00 = -12.2 kcal/mol); with o-pairs no stronger than
the host's (+ 2 kcal/mol) no on/off ratio exceeded ~590, and host ribosomes,
4-7 times freer than a saturated pool's, made ~1.2% of each VM's proteins
(98.4% isolation; docs/virtualization.md, "Isolation"). So an o-SD may pair
its o-anti-SD up to MAX_SEQUESTRATION (7 kcal/mol) more strongly than the
host pair, and its 5' UTR's leader carries an arm complementary to part of the
SD, folding into a hairpin that sequesters it: the UTR is chosen so that F_i
offsets the extra pairing, the total dG_ii + F_i within FOLD_MATCH of the
host pair's (S_ii 0.89-1.12: o-mRNAs initiate like host mRNAs, as the pool
sizing assumes, never several-fold faster). Every off-target ribosome pays F_i
without the gain, so the ratio rises to exp(BETA (0 - dG_ii)), up to ~5,600.
Host mRNAs are not sequestered: they still reach every o-pool at >= 1/240 of
the host pair, which bounds :func:`on_off_ratios` (both directions) at ~270
but costs the pool capacity, not its VM's isolation (:func:`leak_ratios`).

Gate sRNAs are antisense to the SD and start codon (Hfq-dependent repression,
Masse 2003); sRNA:mRNA binding is reported as a duplex dG and Kd.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import math
import os
import random
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import RNA

from bioxen import forked
from bioxen.errors import DesignRefused  # noqa: F401  (re-exported)

BETA: float = 0.45               # mol/kcal, apparent Boltzmann factor (Salis 2009)
HOST_ANTI_SD: str = "TCACCTCCTTA"  # E. coli 16S rRNA nt 1532-1542 (3' end 5'-ACCUCCUUA-3', PARAMETERS.md,
                                   # within the 13-nt 3' tail GAUCACCUCCUUA, Silke et al. 2018 G3 8:3973)
HOST_SD: str = "AAGGAGGT"        # consensus SD of host mRNAs: pairs 16S nt 1534-1541
GAS_CONSTANT = 1.98720e-3        # kcal/(mol K)

MUTABLE_POSITIONS = (1, 10)      # anti-SD nt 1533-1541 may change: 5'-U NNNNNNNNN A-3'
SD_SPAN = (0, 10)                # an o-SD pairs nt 1532-1541 (10 nt)
ON_TARGET_WINDOW = 2.0           # kcal/mol an o-SD's duplex may be weaker than the host pair's
MAX_SEQUESTRATION = 7.0          # kcal/mol an o-SD may outpair the host pair; its UTR's fold offsets it
FOLD_MATCH = 0.25                # kcal/mol, most an o-UTR's total may differ from the host pair's
ARM_LENGTHS = (4, 8)             # nt of the leader's arm complementary to the SD (sequestering hairpin)
MIN_ARMS = 15                    # an o-SD needs this many arms free of start/stop codons (of 25)
ARM_PROBES, ARM_NEAR = 3, 1.0    # flanks scored per arm; kcal/mol, arms kept if their mean cost is this near
GC_RANGE = (0.3, 0.7)            # GC fraction of the mutated region
SCREEN_SAMPLE = 20_000           # anti-SDs drawn (seeded) from the 4^9 = 262,144 variants
SCREEN_SIZE = 200                # candidates kept for the pairwise matrix
SEARCH_BUDGET = 20_000           # branches tried per threshold in the pool search
LEADER_LENGTH, SPACER_LENGTH = 10, 7   # UTR = leader + SD + spacer, then AUG; 7 nt after the host SD
FLANK_ALPHABET = "ACT"           # no G outside an arm: flanks cannot make xUG starts or SD-like purine runs
FLANK_CHOICES = 16               # valid flank candidates compared per pool
MAX_FLANK_DRAWS = 2000
MAX_UTR_RETRIES = 8              # pool choices tried when a chosen SD gets no UTR
MAX_UTR_FOLD = -3.0              # kcal/mol, weakest allowed MFE of an unsequestered UTR + AUG
SRNA_MARGIN = 12.0               # kcal/mol, own target must beat every other UTR by this
START_CODONS = ("ATG", "GTG", "TTG")
STOP_CODONS = ("TAA", "TAG", "TGA")
_LOW_COMPLEXITY = re.compile(r"(.)\1{3}|(..)\2{2}")  # homopolymer >= 4, dinucleotide x3


@dataclass(frozen=True)
class SdPair:
    """One ribosome pool's SD/anti-SD pair and the 5' UTR its mRNAs carry (DNA, 5'->3')."""

    sd: str        # Shine-Dalgarno on the mRNAs: host AAGGAGGT, o-SDs the reverse complement of nt 1532-1541
    anti_sd: str   # 11-nt 3' end of the pool's 16S rRNA (nt 1532-1542)
    utr: str       # leader + sd + spacer, placed right before ATG
    energy: float  # kcal/mol, duplex of sd with its own anti_sd
    fold: float = 0.0  # kcal/mol, unfolding cost of utr + ATG (:func:`unfolding_cost`)

    @property
    def total(self) -> float:
        """kcal/mol, on-target initiation free energy: duplex plus unfolding cost."""
        return self.energy + self.fold


# --- sequences and energies -------------------------------------------------

def _dna(sequence: str) -> str:
    """Upper-case DNA spelling of a nucleic-acid sequence (U -> T)."""
    dna = sequence.upper().replace("U", "T")
    if not dna or set(dna) - set("ACGT"):
        raise ValueError(f"not a nucleic-acid sequence: {sequence!r}")
    return dna


def reverse_complement(sequence: str) -> str:
    """Reverse complement, DNA letters."""
    return _dna(sequence).translate(str.maketrans("ACGT", "TGCA"))[::-1]


@contextmanager
def _temperature(celsius: float):
    """Run ViennaRNA at ``celsius``: RNA.duplexfold only reads the library-wide
    temperature, so set it and restore it afterwards (not thread-safe)."""
    previous = RNA.cvar.temperature
    if celsius != previous:
        RNA.cvar.temperature = celsius
    try:
        yield
    finally:
        if RNA.cvar.temperature != previous:
            RNA.cvar.temperature = previous


def duplex_energy(a: str, b: str, temperature: float = 37.0) -> float:
    """kcal/mol of the best intermolecular duplex of RNAs ``a`` and ``b`` (<= 0).

    Uses ``RNA.duplexfold`` (RNAduplex; Turner 2004 parameters, duplex
    initiation included): it allows only intermolecular pairs, which is the
    hybridization term of the Salis model and of sRNA target prediction
    without accessibility. RNAcofold would also fold each strand, which for
    9-nt rRNA tails adds nothing and costs ~10x the time. Returns 0 when no
    duplex beats the unpaired strands. Deterministic.
    """
    return float(duplex_energies([a], [b], temperature)[0, 0])


def duplex_energies(rows: list[str], columns: list[str], temperature: float = 37.0) -> np.ndarray:
    """:func:`duplex_energy` of every ``rows[i]`` with every ``columns[j]``: each sequence
    spelled once and the temperature set once (a screen's matrix has ~10^5 duplexes)."""
    rows = [_dna(a).replace("T", "U") for a in rows]
    columns = [_dna(b).replace("T", "U") for b in columns]
    energy = np.empty((len(rows), len(columns)))
    with _temperature(temperature):
        for i, a in enumerate(rows):
            for j, b in enumerate(columns):
                energy[i, j] = min(round(RNA.duplexfold(a, b).energy, 2), 0.0)
    return energy


def unfolding_cost(utr: str, sd: str, temperature: float = 37.0) -> float:
    """kcal/mol (>= 0) a ribosome pays to open the start region of ``utr`` + AUG: the Salis
    model's dG_mRNA less the refolding left to the mRNA once the 30S sits on it, i.e. the MFE
    with the footprint (the last occurrence of ``sd`` through the AUG) held unpaired minus the
    free MFE (ViennaRNA, Turner 2004). The same on every pool: the footprint is opened whether
    or not the pool's anti-SD pairs the SD."""
    message = (_dna(utr) + "ATG").replace("T", "U")
    start = _dna(utr).rfind(_dna(sd))
    if start < 0:
        raise ValueError(f"SD {sd} is not in the UTR {utr}")
    with _temperature(temperature):
        fold = RNA.fold_compound(message)
        free = fold.mfe()[1]
        fold.hc_add_from_db("." * start + "x" * (len(message) - start))     # x: held unpaired
        opened = fold.mfe()[1]
    return round(max(opened - free, 0.0), 2)


def dissociation_constant(energy: float, temperature: float = 37.0) -> float:
    """Kd (mol/L) of a duplex with free energy ``energy`` (kcal/mol): exp(dG / RT)."""
    return math.exp(energy / (GAS_CONSTANT * (temperature + 273.15)))


# --- SD/anti-SD crosstalk ---------------------------------------------------

def crosstalk(sds: list[str], anti_sds: list[str],
              folds: list[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Energy E[i][j] (kcal/mol, SD:anti-SD duplex) of SD class i on pool j, and strength S.

    S[i][j] = exp(-BETA ((E[i][j] + F[i]) - (E[0][0] + F[0]))), F[i] the unfolding cost of
    class i's UTR (``folds``, 0 without): index 0 is the host, so S[0][0] = 1.
    """
    energy = duplex_energies(sds, anti_sds)
    fold = np.zeros(len(sds)) if folds is None else np.asarray(folds, dtype=float)
    total = energy + fold[:, None]
    return energy, np.exp(-BETA * (total - total[0, 0]))


def leak_ratios(strength: np.ndarray) -> np.ndarray:
    """For each class i > 0: S[i][i] / max over j != i of S[i][j], how much more its mRNAs
    initiate on their own pool than on any other (what sets the share of the VM's proteins
    made elsewhere)."""
    off = np.array(strength, dtype=float)
    np.fill_diagonal(off, 0.0)
    with np.errstate(divide="ignore"):
        return (np.diag(strength) / off.max(axis=1))[1:]


def on_off_ratios(strength: np.ndarray) -> np.ndarray:
    """For each class i > 0: S[i][i] / max over j != i of max(S[i][j], S[j][i]): its mRNAs on
    other pools and other mRNAs on its pool. Host mRNAs (unsequestered) on an o-pool initiate
    at least at the unpaired reference, so this is at most ~exp(-BETA dG_00) = 240."""
    off = np.maximum(strength, strength.T)
    np.fill_diagonal(off, 0.0)
    with np.errstate(divide="ignore"):      # a class nothing else binds is perfectly isolated (inf)
        return (np.diag(strength) / off.max(axis=1))[1:]


def _sd_for(anti_sd: str, span: tuple[int, int]) -> str:
    return reverse_complement(anti_sd[span[0]:span[1]])


def _has_codon(sequence: str, codons: tuple[str, ...]) -> bool:
    """Whether any frame of ``sequence`` holds one of ``codons``."""
    return any(sequence[k:k + 3] in codons for k in range(len(sequence) - 2))


def _gc(sequence: str) -> float:
    return sum(base in "GC" for base in sequence) / len(sequence)


def _acceptable_pair(core: str, sd: str, anti_sd: str) -> bool:
    """Sequence filters: GC of the mutated region, low complexity, codons in the SD."""
    return (GC_RANGE[0] <= _gc(core) <= GC_RANGE[1]
            and not _LOW_COMPLEXITY.search(sd) and not _LOW_COMPLEXITY.search(anti_sd)
            and not _has_codon(sd, START_CODONS + STOP_CODONS))


@dataclass(frozen=True)
class _Screen:
    """Candidate pairs (index 0 = host) and their read-only energy matrix."""

    sds: tuple[str, ...]
    anti_sds: tuple[str, ...]
    energy: np.ndarray


@functools.lru_cache(maxsize=4)
def _screen(host_anti_sd: str, host_sd: str, mutable: tuple[int, int], sd_span: tuple[int, int],
            window: float, size: int, sample: int) -> _Screen:
    """``sample`` anti-SDs with ``mutable`` changed (all of them if there are fewer),
    filtered, ranked by orthogonality to the host.

    Keeps the pairs whose SD has MIN_ARMS sequestering arms (:func:`_arms`) and whose own
    duplex is at most MAX_SEQUESTRATION stronger and at most
    ``window`` weaker than the host pair's; of them the ``size`` whose SD pairs the host
    anti-SD least relative to its own (largest E_i0 - E_ii), then computes their full
    crosstalk matrix (duplexes only: a UTR's fold is designed after the choice). Cached by
    arguments in the process, and on disk under BioXen's cache
    (``rna/screen-<key>.npz``, keyed by the arguments, this module's text and
    ViennaRNA's version): the screen folds ~6e4 duplexes, ~3 s that every
    compile of an orthogonal design paid in each new process. The matrix is read-only.
    """
    path = _cache_file("screen", (host_anti_sd, host_sd, mutable, sd_span, window, size, sample))
    try:
        with np.load(path, allow_pickle=False) as stored:
            screen = _Screen(tuple(stored["sds"].tolist()), tuple(stored["anti_sds"].tolist()),
                             np.array(stored["energy"], dtype=float))
    except (OSError, KeyError, ValueError, EOFError):     # absent, or unreadable: computed again
        screen = _screened(host_anti_sd, host_sd, mutable, sd_span, window, size, sample)
        _store(path, sds=np.array(screen.sds), anti_sds=np.array(screen.anti_sds), energy=screen.energy)
    screen.energy.setflags(write=False)
    return screen


def _cache_file(kind: str, arguments: tuple) -> Path:
    """Where BioXen's cache keeps a ``kind`` result for ``arguments``: keyed by them, this
    module's text (its constants and code) and ViennaRNA's version."""
    from bioxen.env import cache_root

    key = hashlib.sha256(repr((arguments, RNA.__version__, Path(__file__).read_bytes())).encode()).hexdigest()
    return cache_root() / "rna" / f"{kind}-{key[:32]}.npz"


def _store(path: Path, **arrays) -> None:
    """Write ``arrays`` beside ``path`` and rename the file there (readers never see half a
    file); a cache that cannot be written is skipped."""
    handle = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
            np.savez(handle, **arrays)
        os.replace(handle.name, path)
    except OSError:                      # a full or read-only cache: nothing half-written is left
        if handle is not None:
            Path(handle.name).unlink(missing_ok=True)


def _variants(length: int, sample: int):
    """``sample`` distinct sequences of ``length`` nt, drawn with a fixed seed and returned in
    lexicographic order (every sequence, in that order, when there are at most ``sample``)."""
    count = 4 ** length
    codes = range(count) if count <= sample else sorted(random.Random(0).sample(range(count), sample))
    for code in codes:
        yield "".join("ACGT"[(code >> 2 * (length - 1 - k)) & 3] for k in range(length))


def _screened(host_anti_sd: str, host_sd: str, mutable: tuple[int, int], sd_span: tuple[int, int],
              window: float, size: int, sample: int) -> _Screen:
    """:func:`_screen`'s work, on two cores where ``fork`` is (:func:`_halves`): the candidates,
    then the rows of the kept pairs' matrix, half of each in a forked child (one Syn3A compile
    of an orthogonal design with an empty cache: 1.9 s in one process). The same result either
    way: each candidate and each duplex is computed as in one process, and the kept pairs are
    sorted by value."""
    host_energy = duplex_energy(host_sd, host_anti_sd)
    cores = list(_variants(mutable[1] - mutable[0], sample))

    def ranked(part: list[str]) -> list[tuple[float, str, str]]:
        found = []
        for core in part:
            anti_sd = host_anti_sd[:mutable[0]] + core + host_anti_sd[mutable[1]:]
            sd = _sd_for(anti_sd, sd_span)
            if anti_sd == host_anti_sd or not _acceptable_pair(core, sd, anti_sd) or len(_arms(sd)) < MIN_ARMS:
                continue
            on_target = duplex_energy(sd, anti_sd)
            if not host_energy - MAX_SEQUESTRATION <= on_target <= host_energy + window:
                continue
            found.append((on_target - duplex_energy(sd, host_anti_sd), sd, anti_sd))
        return found

    kept = sorted(row for part in _halves(ranked, cores) for row in part)[:size]
    sds = [host_sd] + [row[1] for row in kept]
    anti_sds = [host_anti_sd] + [row[2] for row in kept]
    energy = np.vstack(_halves(lambda rows: duplex_energies(rows, anti_sds), sds))
    return _Screen(tuple(sds), tuple(anti_sds), energy)


PARALLEL_ITEMS = 64     # fewer items than this are worked through in one process


def _halves(work, items: list) -> list:
    """``[work(items[:h]), work(items[h:])]`` (h half of them), the second half computed by a
    forked child while this process computes the first, where ``fork`` is available and there
    are at least :data:`PARALLEL_ITEMS` items; else both in this process."""
    half = len(items) // 2
    if len(items) < PARALLEL_ITEMS or not forked.available():
        return [work(items[:half]), work(items[half:])]
    child = forked.Forked(lambda: work(items[half:]), "screening SD/anti-SD pairs")
    try:
        return [work(items[:half]), child.result()]
    finally:
        child.close()


def _gaps(energy: np.ndarray, min_ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Orthogonality margins (kcal/mol) of candidates 1..K: to the host, and pairwise.

    Every class's UTR brings its total to the host pair's (dG_ii + F_i = dG_00 + F_0), so
    class i initiates on pool j at exp(-BETA (E[i][j] - E[i][i])) of its own rate: its margin
    there is E[i][j] - E[i][i], and a pair's margin the smaller of both classes'. A candidate
    whose pool host mRNAs bind with a margin E[0][i] - E[0][0] below ``min_ratio`` is left
    out (its host margin -inf): that side is capped at -E[0][0] for every pool (host mRNAs
    are not sequestered), so it is a filter, not part of what is maximised.
    """
    own = np.diag(energy)
    gap = energy - own[:, None]
    np.fill_diagonal(gap, np.inf)
    host_side = energy[0, 1:] - energy[0, 0] - FOLD_MATCH     # a UTR's total may be FOLD_MATCH weaker
    host_gap = np.where(host_side >= math.log(min_ratio) / BETA, gap[1:, 0], -np.inf)
    return host_gap, np.minimum(gap, gap.T)[1:, 1:]


def _clique(threshold: float, n: int, host_gap: np.ndarray,
            pair_gap: np.ndarray) -> tuple[int, ...] | None:
    """First (in screen order) n candidates whose every margin is >= threshold.

    Depth-first search, at most SEARCH_BUDGET branches; None if none was found
    within them (so for many pools the design may be slightly conservative).
    """
    adjacent, branches = pair_gap >= threshold, itertools.count()

    def extend(chosen: tuple[int, ...], options: list[int]):
        if len(chosen) == n:
            return chosen
        for k, candidate in enumerate(options):
            if len(chosen) + len(options) - k < n or next(branches) > SEARCH_BUDGET:
                return None
            found = extend(chosen + (candidate,),
                           [other for other in options[k + 1:] if adjacent[candidate, other]])
            if found:
                return found
        return None

    return extend((), [i for i in range(len(host_gap)) if host_gap[i] >= threshold])


def _most_orthogonal(screen: _Screen, n: int, min_ratio: float,
                     excluded: frozenset[int] = frozenset()) -> tuple[int, ...] | None:
    """Screen indices (1-based) of n pairs maximising the smallest margin (binary search),
    leaving out the ``excluded`` ones."""
    host_gap, pair_gap = _gaps(screen.energy, min_ratio)
    host_gap[[i - 1 for i in excluded]] = -np.inf
    levels = np.unique(np.concatenate([host_gap[np.isfinite(host_gap)], pair_gap[np.isfinite(pair_gap)]]))
    best, low, high = None, 0, len(levels) - 1
    while low <= high:
        middle = (low + high) // 2
        found = _clique(levels[middle], n, host_gap, pair_gap)
        if found is not None:
            best, low = found, middle + 1
        else:
            high = middle - 1
    return None if best is None else tuple(i + 1 for i in best)


def _most_pools(screen: _Screen, min_ratio: float, limit: int) -> int:
    """How many orthogonal pools (< limit) reach ``min_ratio`` together."""
    host_gap, pair_gap = _gaps(screen.energy, min_ratio)
    threshold = math.log(min_ratio) / BETA
    count = 0
    while count + 1 < limit and _clique(threshold, count + 1, host_gap, pair_gap):
        count += 1
    return count


def _refuse(n: int, min_ratio: float, screen: _Screen, sds, anti_sds, strength) -> None:
    ratios = on_off_ratios(strength)
    worst = int(np.argmin(ratios)) + 1
    off = np.maximum(strength[worst], strength[:, worst])
    off[worst] = 0.0
    rival = "the host pool" if int(np.argmax(off)) == 0 else f"pool o{int(np.argmax(off))}"
    feasible = _most_pools(screen, min_ratio, n)
    fewer = (f"put at most {feasible} VMs in orthogonal pools (the others in pool 'host')"
             if feasible else "no orthogonal pool reaches that ratio; use pool 'host'")
    raise DesignRefused(
        f"cannot give {n} VMs orthogonal ribosome pools with on/off ratio >= {min_ratio:g}: "
        f"the best design reaches {ratios[worst - 1]:.3g} for pool o{worst} "
        f"(SD {sds[worst]}, anti-SD {anti_sds[worst]}) against {rival}",
        hint=f"{fewer}, or lower min_ratio to {ratios.min():.3g} or less")


# --- UTRs and sRNAs ---------------------------------------------------------

def design_srna(utr: str, length: int = 24) -> str:
    """Antisense gate sRNA (DNA 5'->3'): reverse complement of the UTR's last
    ``length - 3`` nt plus the ATG, so it covers the SD and start codon.

    A real build appends an Hfq-binding scaffold (e.g. from a natural sRNA such
    as MicC or SgrS) 3' of this sequence; none is invented here.
    """
    utr = _dna(utr)
    if not 4 <= length <= len(utr) + 3:
        raise DesignRefused(f"sRNA length {length} does not fit a {len(utr)}-nt UTR plus ATG",
                            hint=f"choose a length between 4 and {len(utr) + 3}")
    return reverse_complement(utr[len(utr) - (length - 3):] + "ATG")


def srna_crosstalk(srnas: list[str], utrs: list[str]) -> np.ndarray:
    """dG (kcal/mol) of sRNA i on the start region (UTR + ATG) of mRNA j."""
    return duplex_energies(srnas, [utr + "ATG" for utr in utrs])


def spacer_length(sd: str) -> int:
    """nt between ``sd`` and the start codon: SPACER_LENGTH after the host SD; an o-SD's pairs
    beyond the host SD's (16S nt 1532-1533) take the spacer's first nt, so the 16S sits on the
    same register relative to the start codon on every pool's mRNAs."""
    return SPACER_LENGTH - (len(sd) - len(HOST_SD))


def _arms(sd: str) -> list[str]:
    """Leader arms that can sequester ``sd``: reverse complements of its ARM_LENGTHS-nt
    stretches holding no start or stop codon."""
    arms = (reverse_complement(sd[at:at + length]) for length in range(ARM_LENGTHS[0], ARM_LENGTHS[1] + 1)
            for at in range(len(sd) - length + 1))
    return [arm for arm in arms if not _has_codon(arm, START_CODONS + STOP_CODONS)]


def _flank_candidate(rng: random.Random, sd: str, arms: list[str]) -> tuple[str, str] | None:
    """A random leader and spacer around ``sd`` passing the sequence filters. Without ``arms``:
    A/C/U flanks folding weakly (MFE of UTR + AUG >= MAX_UTR_FOLD). With them: the leader
    carries one of the arms (complementary to part of the SD) at a random place among A/C/U
    nt, so that the UTR folds into a hairpin holding the SD (its cost is scored by the caller)."""
    arm = rng.choice(arms) if arms else ""
    rest = "".join(rng.choice(FLANK_ALPHABET) for _ in range(LEADER_LENGTH - len(arm)))
    cut = rng.randint(0, len(rest))
    leader = rest[:cut] + arm + rest[cut:]
    spacer = "".join(rng.choice(FLANK_ALPHABET) for _ in range(spacer_length(sd)))
    message = leader + sd + spacer + "ATG"
    if _has_codon(message[:-1], START_CODONS + STOP_CODONS) or re.search(r"(.)\1{3}", message):
        return None
    if not arms and RNA.fold(message.replace("T", "U"))[1] < MAX_UTR_FOLD:
        return None
    return leader, spacer


def _srna_distinct(utr: str, chosen: list[str]) -> bool:
    """Whether the sRNAs of ``utr`` and of every chosen UTR keep to their own target."""
    own = duplex_energy(design_srna(utr), utr + "ATG")
    for other in chosen:
        other_own = duplex_energy(design_srna(other), other + "ATG")
        if (duplex_energy(design_srna(utr), other + "ATG") < other_own + SRNA_MARGIN
                or duplex_energy(design_srna(other), utr + "ATG") < own + SRNA_MARGIN):
            return False
    return True


def _foreign_pairing(sd: str, spacer: str, own: int, anti_sds: tuple[str, ...]) -> float:
    """kcal/mol the spacer and ATG add to the SD's strongest foreign anti-SD duplex."""
    added = [duplex_energy(sd, anti) - duplex_energy(sd + spacer + "ATG", anti)
             for j, anti in enumerate(anti_sds) if j != own]
    return max(added, default=0.0)


class _NoUtr(Exception):
    """No 5' UTR found for the pool at ``index`` (0 = host): an internal signal of the pool search,
    which tries another pool or raises :class:`DesignRefused` (:meth:`refused`)."""

    def __init__(self, index: int, sd: str):
        super().__init__(index, sd)
        self.index, self.sd = index, sd

    def refused(self) -> DesignRefused:
        return DesignRefused(f"no 5' UTR around SD {self.sd} passes the codon, structure, initiation and "
                             "sRNA-specificity filters", hint="ask for fewer pools")


def _scored_flanks(rng: random.Random, sd: str, arms: list[str], draws: int):
    """(leader, spacer, unfolding cost) of the flanks passing the filters among ``draws``."""
    for _ in range(draws):
        flanks = _flank_candidate(rng, sd, arms)
        if flanks is not None:
            yield flanks[0], flanks[1], unfolding_cost(flanks[0] + sd + flanks[1], sd)


def _near_arms(rng: random.Random, sd: str, target: float) -> list[str]:
    """The arms whose leaders' unfolding cost averages within ARM_NEAR of ``target`` over
    ARM_PROBES flanks each (an arm sets most of the hairpin; the rest of the leader tunes it)."""
    near = []
    for arm in _arms(sd):
        costs = [cost for _, _, cost in itertools.islice(_scored_flanks(rng, sd, [arm], 20 * ARM_PROBES),
                                                        ARM_PROBES)]
        if costs and abs(sum(costs) / len(costs) - target) <= ARM_NEAR:
            near.append(arm)
    return near


def _design_utrs(sds: tuple[str, ...], anti_sds: tuple[str, ...], energies: list[float]) -> list[str]:
    """One UTR per pool. The host's: A/C/U flanks folding weakly. An o-SD's: if its duplex
    E_ii is stronger than the host pair's total (E_00 + F_0), a leader that sequesters it
    (arms chosen by :func:`_near_arms`), its unfolding cost F_i bringing E_ii + F_i within
    FOLD_MATCH of the host's total (o-mRNAs initiate at 0.89-1.12x the rate of host mRNAs on
    host ribosomes; the pool sizing's fairness drifts with that spread, measured on the
    three-Syn3A design: 1.2% at 0.5 kcal/mol, 0.5% at 0.15). Of the first FLANK_CHOICES
    flanks passing the filters, take the one whose spacer adds least foreign anti-SD
    pairing, then the closest total, then the most A/U-rich spacer (as natural RBSs), whose
    sRNA stays specific. Leader pairing with anti-SDs is not scored: 15+ nt from the start
    codon it cannot place a ribosome (Salis 2009 spacing penalty, ~7 kcal/mol 10 nt past the
    optimum; recalled, not re-read). Seeded locally, so deterministic.
    """
    rng, utrs, host_total = random.Random(0), [], None
    for own, (sd, energy) in enumerate(zip(sds, energies)):
        sequester = host_total is not None and host_total - energy > FOLD_MATCH
        arms = _near_arms(rng, sd, host_total - energy) if sequester else []
        options = []
        for leader, spacer, cost in _scored_flanks(rng, sd, arms, MAX_FLANK_DRAWS if arms or not sequester else 0):
            off = 0.0 if host_total is None else energy + cost - host_total
            if abs(off) <= FOLD_MATCH:
                options.append((_foreign_pairing(sd, spacer, own, anti_sds), abs(off), _gc(spacer),
                                leader + sd + spacer))
                if len(options) == FLANK_CHOICES:
                    break
        specific = (option[-1] for option in sorted(options))
        utr = next((utr for utr in specific if _srna_distinct(utr, utrs)), None)
        if utr is None:
            raise _NoUtr(own, sd)
        if host_total is None:
            host_total = energy + unfolding_cost(utr, sd)
        utrs.append(utr)
    return utrs


def design_pools(n: int, min_ratio: float = 100.0) -> tuple[list[SdPair], np.ndarray, np.ndarray]:
    """The host pair plus ``n`` orthogonal SD/anti-SD pairs, with E and S ((n+1) x (n+1)), as
    :func:`_designed_pools` designs them; kept in BioXen's cache (``rna/pools-<key>.npz``, keyed
    like the screen), since the design is deterministic and its UTR folds took 0.1-0.2 s of
    every compile of three orthogonal pools. A refusal is not kept (it is raised again); a
    file that cannot be read, or does not hold n + 1 pools, is designed again."""
    if n < 0:
        raise ValueError(f"number of orthogonal pools must be >= 0, got {n}")
    path = _cache_file("pools", (n, float(min_ratio)))
    try:
        with np.load(path, allow_pickle=False) as stored:
            numbers = np.array(stored["numbers"], dtype=float)
            pairs = [SdPair(str(sd), str(anti), str(utr), float(energy), float(fold)) for sd, anti, utr, (energy, fold)
                     in zip(stored["sds"].tolist(), stored["anti_sds"].tolist(), stored["utrs"].tolist(), numbers,
                            strict=True)]
            energy, strength = np.array(stored["energy"], dtype=float), np.array(stored["strength"], dtype=float)
        if len(pairs) != n + 1 or energy.shape != (n + 1, n + 1) or strength.shape != (n + 1, n + 1):
            raise ValueError("not this design's size")
        return pairs, energy, strength
    except (OSError, KeyError, ValueError, EOFError):     # absent, or unreadable: designed again
        pairs, energy, strength = _designed_pools(n, min_ratio)
    _store(path, sds=np.array([p.sd for p in pairs]), anti_sds=np.array([p.anti_sd for p in pairs]),
           utrs=np.array([p.utr for p in pairs]), numbers=np.array([[p.energy, p.fold] for p in pairs], dtype=float),
           energy=energy, strength=strength)
    return pairs, energy, strength


def _designed_pools(n: int, min_ratio: float) -> tuple[list[SdPair], np.ndarray, np.ndarray]:
    """The host pair plus ``n`` orthogonal SD/anti-SD pairs, with E and S ((n+1) x (n+1)).

    Candidates: 20,000 anti-SDs 5'-U NNNNNNNNN A-3' (16S nt 1533-1541 varied;
    drawn with a fixed seed from the 262,144), SD = reverse complement of nt
    1532-1541; filters: GC 0.3-0.7 in the varied part, no homopolymer >= 4 or
    dinucleotide repeat x3, no start or stop codon in the SD, on-target duplex
    at most MAX_SEQUESTRATION stronger and ON_TARGET_WINDOW weaker than the
    host pair's; the 200 pairing the host anti-SD least are kept. Chosen: the
    n maximising the smallest margin of their mRNAs on other pools (host
    included), among those host mRNAs bind with a ratio >= ``min_ratio``; then
    each gets a UTR whose fold brings its total within FOLD_MATCH of the host
    pair's (module docstring; a pool none fits is swapped for the next best
    choice), and S includes the folds. Refused when an
    on/off ratio (both directions, :func:`on_off_ratios`) is below
    ``min_ratio``. The screen takes ~4 s once and is cached (``_screen``, in
    the process and on disk).
    """
    screen = _screen(HOST_ANTI_SD, HOST_SD, MUTABLE_POSITIONS, SD_SPAN, ON_TARGET_WINDOW, SCREEN_SIZE,
                     SCREEN_SAMPLE)
    # host mRNAs reach an o-pool at >= the unpaired reference: a min_ratio above that ceiling
    # filters nothing in; then the design closest to it is built, and refused below
    ceiling = math.exp(BETA * (-screen.energy[0, 0] - FOLD_MATCH)) * (1 - 1e-9)
    excluded = frozenset()       # candidates for which no UTR within FOLD_MATCH was found
    for _ in range(MAX_UTR_RETRIES):
        chosen = ((_most_orthogonal(screen, n, min(min_ratio, ceiling), excluded)
                   or _most_orthogonal(screen, n, 1.0, excluded)) if n else ())
        if chosen is None:
            raise DesignRefused(f"only {len(screen.sds) - 1 - len(excluded)} candidate pairs; cannot choose {n}",
                                hint="ask for fewer VMs in orthogonal pools")
        sds = (screen.sds[0],) + tuple(screen.sds[i] for i in chosen)
        anti_sds = (screen.anti_sds[0],) + tuple(screen.anti_sds[i] for i in chosen)
        duplexes = [float(screen.energy[i, i]) for i in (0,) + tuple(chosen)]
        try:
            utrs = _design_utrs(sds, anti_sds, duplexes)
            break
        except _NoUtr as missing:
            if missing.index == 0:
                raise missing.refused() from None
            excluded |= {chosen[missing.index - 1]}
    else:
        raise DesignRefused(f"no 5' UTRs found for {n} pools after {MAX_UTR_RETRIES} choices",
                            hint="ask for fewer VMs in orthogonal pools")
    folds = [unfolding_cost(utr, sd) for sd, utr in zip(sds, utrs)]
    energy, strength = crosstalk(list(sds), list(anti_sds), folds)
    if n and on_off_ratios(strength).min() < min_ratio:
        _refuse(n, min_ratio, screen, sds, anti_sds, strength)
    pairs = [SdPair(sd, anti, utr, float(energy[i, i]), folds[i])
             for i, (sd, anti, utr) in enumerate(zip(sds, anti_sds, utrs))]
    return pairs, energy, strength
