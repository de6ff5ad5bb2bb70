"""RNA biophysics of VM isolation: orthogonal ribosome pools and gate sRNAs.

Model (translation initiation, Salis, Mirsky & Voigt 2009 Nat Biotech 27:946):
an mRNA whose Shine-Dalgarno (SD) pairs the anti-SD of a ribosome pool (the
3' end of that pool's 16S rRNA) with free energy dG initiates at

    S = exp(-BETA * (dG - dG_host))     relative to host SD on host ribosomes.

Only the SD:anti-SD term of the Salis model is computed. Every pool's UTR has
the same layout (leader, SD, 7-nt spacer, AUG), so the spacing and start-codon
terms are shared; flanks are screened to stay weakly structured. dG is the
best intermolecular duplex from ViennaRNA; an unfavourable best duplex counts
as 0 kcal/mol, the unpaired reference state (SD-less mRNAs still initiate).

Orthogonal pairs follow Rackham & Chin 2005 (Nat Chem Biol 1:159): mutate the
anti-SD of a 16S rRNA copy and give the VM's mRNAs the complementary SD. The
exact published o-SD sequences are not in our sources (PARAMETERS.md), so
pairs are chosen here by computation alone, not taken from the paper.

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

from bioxen.errors import DesignRefused  # noqa: F401  (re-exported)

BETA: float = 0.45               # mol/kcal, apparent Boltzmann factor (Salis 2009)
HOST_ANTI_SD: str = "ACCTCCTTA"  # E. coli 16S rRNA 3' end 5'-ACCUCCUUA-3' (PARAMETERS.md)
GAS_CONSTANT = 1.98720e-3        # kcal/(mol K)

MUTABLE_POSITIONS = (1, 8)       # anti-SD nt 2-8 (0-based slice) may change: 5'-A NNNNNNN A-3'
SD_SPAN = (0, 8)                 # the SD pairs anti-SD nt 1-8; host SD = AAGGAGGT
ON_TARGET_WINDOW = 2.0           # kcal/mol, o-pairs initiate like host pairs
GC_RANGE = (0.3, 0.7)            # GC fraction of the mutated region
SCREEN_SIZE = 400                # candidates kept for the pairwise matrix
SEARCH_BUDGET = 20_000           # branches tried per threshold in the pool search
LEADER_LENGTH, SPACER_LENGTH = 10, 7   # UTR = leader + SD + spacer, then AUG
FLANK_ALPHABET = "ACT"           # no G: flanks cannot make xUG starts or SD-like purine runs
FLANK_CHOICES = 32               # valid flank candidates compared per pool
MAX_FLANK_DRAWS = 5000
MAX_UTR_FOLD = -3.0              # kcal/mol, weakest allowed MFE of UTR + AUG
SRNA_MARGIN = 12.0               # kcal/mol, own target must beat every other UTR by this
START_CODONS = ("ATG", "GTG", "TTG")
STOP_CODONS = ("TAA", "TAG", "TGA")
_LOW_COMPLEXITY = re.compile(r"(.)\1{3}|(..)\2{2}")  # homopolymer >= 4, dinucleotide x3


@dataclass(frozen=True)
class SdPair:
    """One ribosome pool's SD/anti-SD pair and the 5' UTR its mRNAs carry (DNA, 5'->3')."""

    sd: str        # Shine-Dalgarno on the mRNAs: reverse complement of anti-SD nt 1-8
    anti_sd: str   # 9-nt 3' end of the pool's 16S rRNA
    utr: str       # leader + sd + spacer, placed right before ATG
    energy: float  # kcal/mol, duplex of sd with its own anti_sd


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


def dissociation_constant(energy: float, temperature: float = 37.0) -> float:
    """Kd (mol/L) of a duplex with free energy ``energy`` (kcal/mol): exp(dG / RT)."""
    return math.exp(energy / (GAS_CONSTANT * (temperature + 273.15)))


# --- SD/anti-SD crosstalk ---------------------------------------------------

def crosstalk(sds: list[str], anti_sds: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Energy E[i][j] (kcal/mol) of SD class i on pool j, and strength S.

    S[i][j] = exp(-BETA (E[i][j] - E[0][0])): index 0 is the host, so S[0][0] = 1.
    """
    energy = duplex_energies(sds, anti_sds)
    return energy, np.exp(-BETA * (energy - energy[0, 0]))


def on_off_ratios(strength: np.ndarray) -> np.ndarray:
    """For each class i > 0: S[i][i] / max over j != i of max(S[i][j], S[j][i])."""
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
def _screen(host_anti_sd: str, mutable: tuple[int, int], sd_span: tuple[int, int],
            window: float, size: int) -> _Screen:
    """Every anti-SD with ``mutable`` changed, filtered, ranked by orthogonality to the host.

    Keeps the ``size`` pairs with the largest energy gap to the host (both
    directions), then computes their full crosstalk matrix. Cached by
    arguments in the process, and on disk under BioXen's cache
    (``rna/screen-<key>.npz``, keyed by the arguments, this module's text and
    ViennaRNA's version): the screen folds ~1.7e5 duplexes, 3-4 s that every
    compile of an orthogonal design paid in each new process. The matrix is read-only.
    """
    path = _screen_file((host_anti_sd, mutable, sd_span, window, size))
    try:
        with np.load(path, allow_pickle=False) as stored:
            screen = _Screen(tuple(stored["sds"].tolist()), tuple(stored["anti_sds"].tolist()),
                             np.array(stored["energy"], dtype=float))
    except (OSError, KeyError, ValueError, EOFError):     # absent, or unreadable: computed again
        screen = _screened(host_anti_sd, mutable, sd_span, window, size)
        _store_screen(path, screen)
    screen.energy.setflags(write=False)
    return screen


def _screen_file(arguments: tuple) -> Path:
    from bioxen.env import cache_root

    key = hashlib.sha256(repr((arguments, RNA.__version__, Path(__file__).read_bytes())).encode()).hexdigest()
    return cache_root() / "rna" / f"screen-{key[:32]}.npz"


def _store_screen(path: Path, screen: _Screen) -> None:
    """Write the screen beside its place and rename it there (readers never see half a file);
    a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
            np.savez(handle, sds=np.array(screen.sds), anti_sds=np.array(screen.anti_sds), energy=screen.energy)
        os.replace(handle.name, path)
    except OSError:
        pass


def _screened(host_anti_sd: str, mutable: tuple[int, int], sd_span: tuple[int, int],
              window: float, size: int) -> _Screen:
    host_sd = _sd_for(host_anti_sd, sd_span)
    host_energy = duplex_energy(host_sd, host_anti_sd)
    ranked = []
    for letters in itertools.product("ACGT", repeat=mutable[1] - mutable[0]):
        core = "".join(letters)
        anti_sd = host_anti_sd[:mutable[0]] + core + host_anti_sd[mutable[1]:]
        sd = _sd_for(anti_sd, sd_span)
        if anti_sd == host_anti_sd or not _acceptable_pair(core, sd, anti_sd):
            continue
        on_target = duplex_energy(sd, anti_sd)
        if abs(on_target - host_energy) > window:
            continue
        to_host = min(duplex_energy(sd, host_anti_sd), duplex_energy(host_sd, anti_sd))
        ranked.append((on_target - to_host, abs(on_target - host_energy), sd, anti_sd))
    kept = sorted(ranked)[:size]
    sds = (host_sd,) + tuple(row[2] for row in kept)
    anti_sds = (host_anti_sd,) + tuple(row[3] for row in kept)
    energy, _ = crosstalk(list(sds), list(anti_sds))
    return _Screen(sds, anti_sds, energy)


def _gaps(energy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthogonality margins (kcal/mol) of candidates 1..K: to the host, and pairwise.

    gap[i][j] = min(E[i][j], E[j][i]) - E[i][i]; the on/off ratio of i against j
    is exp(BETA * gap[i][j]); a pair's margin is the smaller of both directions.
    """
    gap = np.minimum(energy, energy.T) - np.diag(energy)[:, None]
    np.fill_diagonal(gap, np.inf)
    return gap[1:, 0], np.minimum(gap, gap.T)[1:, 1:]


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


def _most_orthogonal(screen: _Screen, n: int) -> tuple[int, ...] | None:
    """Screen indices (1-based) of n pairs maximising the smallest margin (binary search)."""
    host_gap, pair_gap = _gaps(screen.energy)
    levels = np.unique(np.concatenate([host_gap, pair_gap[np.isfinite(pair_gap)]]))
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
    host_gap, pair_gap = _gaps(screen.energy)
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


def _flank_candidate(rng: random.Random, sd: str) -> tuple[str, str] | None:
    """A random leader and spacer around ``sd`` passing the sequence filters."""
    leader = "".join(rng.choice(FLANK_ALPHABET) for _ in range(LEADER_LENGTH))
    spacer = "".join(rng.choice(FLANK_ALPHABET) for _ in range(SPACER_LENGTH))
    message = leader + sd + spacer + "ATG"
    if _has_codon(message[:-1], START_CODONS + STOP_CODONS) or re.search(r"(.)\1{3}", message):
        return None
    if RNA.fold(message.replace("T", "U"))[1] < MAX_UTR_FOLD:
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


def _design_utrs(sds: tuple[str, ...], anti_sds: tuple[str, ...]) -> list[str]:
    """One UTR per pool. Of the first FLANK_CHOICES flanks passing the sequence
    filters, take the one whose spacer adds least foreign anti-SD pairing, then
    the most A/U-rich spacer (as natural RBSs), whose sRNA stays specific.
    Leader pairing is not scored: 15+ nt from the start codon it cannot place
    a ribosome (Salis 2009 spacing penalty, ~7 kcal/mol 10 nt past the optimum;
    recalled, not re-read). Seeded locally, so deterministic.
    """
    rng, utrs = random.Random(0), []
    for own, sd in enumerate(sds):
        draws = (_flank_candidate(rng, sd) for _ in range(MAX_FLANK_DRAWS))
        options = list(itertools.islice(filter(None, draws), FLANK_CHOICES))
        options.sort(key=lambda flanks: (_foreign_pairing(sd, flanks[1], own, anti_sds),
                                         _gc(flanks[1])))
        specific = (leader + sd + spacer for leader, spacer in options)
        utr = next((utr for utr in specific if _srna_distinct(utr, utrs)), None)
        if utr is None:
            raise DesignRefused(f"no 5' UTR around SD {sd} passes the codon, structure and "
                                f"sRNA-specificity filters", hint="ask for fewer pools")
        utrs.append(utr)
    return utrs


def design_pools(n: int, min_ratio: float = 100.0) -> tuple[list[SdPair], np.ndarray, np.ndarray]:
    """The host pair plus ``n`` orthogonal SD/anti-SD pairs, with E and S ((n+1) x (n+1)).

    Candidates: every anti-SD 5'-A NNNNNNN A-3' (nt 2-8 of ACCUCCUUA varied,
    16,384), SD = reverse complement of nt 1-8; filters: GC 0.3-0.7 in the
    varied part, no homopolymer >= 4 or dinucleotide repeat x3, no start or
    stop codon in the SD, on-target dG within 2 kcal/mol of the host's; the
    400 most host-orthogonal are kept. Chosen: the n maximising the smallest
    on/off ratio (host included); refused below ``min_ratio``. The screen is
    cached (``_screen``, keyed by its arguments): ~2 s once, then < 0.4 s per
    call for n <= 6. With the defaults, at most 5 VMs reach a ratio of 100.
    """
    if n < 0:
        raise ValueError(f"number of orthogonal pools must be >= 0, got {n}")
    screen = _screen(HOST_ANTI_SD, MUTABLE_POSITIONS, SD_SPAN, ON_TARGET_WINDOW, SCREEN_SIZE)
    chosen = _most_orthogonal(screen, n) if n else ()
    if chosen is None:
        raise DesignRefused(f"only {len(screen.sds) - 1} candidate pairs; cannot choose {n}",
                            hint="ask for fewer VMs in orthogonal pools")
    sds = (screen.sds[0],) + tuple(screen.sds[i] for i in chosen)
    anti_sds = (screen.anti_sds[0],) + tuple(screen.anti_sds[i] for i in chosen)
    energy, strength = crosstalk(list(sds), list(anti_sds))
    if n and on_off_ratios(strength).min() < min_ratio:
        _refuse(n, min_ratio, screen, sds, anti_sds, strength)
    utrs = _design_utrs(sds, anti_sds)
    pairs = [SdPair(sd, anti, utr, float(energy[i, i]))
             for i, (sd, anti, utr) in enumerate(zip(sds, anti_sds, utrs))]
    return pairs, energy, strength
