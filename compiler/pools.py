"""Orthogonal ribosome pool sizing: what share of all ribosomes each pool holds.

o-rRNA and host rRNA take ribosomal protein alike (same assembly, disassembly and decay
constants; :mod:`bioxen.rules.ribosomes`), so pools split ribosomes as their rRNAs'
transcription. Pool k holds share s_k of all ribosomes when its o-rRNA is transcribed at
``w_k = w_host · s_k / (1 - Σ s) / saturation`` (Σ over the orthogonal pools; VMs on host
ribosomes use the host rRNA's share), with ``w_host`` the host rRNA's transcription and
``saturation`` the o-rRNA promoter's a/(θ_rP + a), both at the reference energy (equal
promoter laws give the same ratio at every energy).

The ``parameterize`` pass sizes the pools with :func:`pool_transcription`, the IR carries the
:class:`PoolSizing`, and SET_RESOURCE_LIMIT (:func:`bioxen.commands.assignments`) resizes them
with it, at compile time and live.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bioxen.errors import CompileError


def orrna_parameter(pool: str) -> str:
    """``w_rRNA_<pool>``, the model parameter of a pool's o-rRNA transcription (molecules/min).

    >>> orrna_parameter("o1")
    'w_rRNA_o1'
    """
    return f"w_rRNA_{pool}"


def pool_transcription(shares: Mapping[str, float], host_rrna: float, saturation: float) -> dict[str, float]:
    """o-rRNA transcription (molecules/min) that gives each orthogonal pool its share of all ribosomes.

    ``w_k = host_rrna · s_k / (1 - Σ s) / saturation`` for every pool k of ``shares``
    (the orthogonal pools' shares, 0 < Σ s < 1); ``host_rrna`` is the host rRNA's
    transcription and ``saturation`` the o-rRNA promoter's a/(θ_rP + a), both at
    the reference energy (see the module docstring).

    >>> pool_transcription({"o1": 0.2, "o2": 0.3}, 100.0, 0.5)
    {'o1': 80.0, 'o2': 120.0}
    >>> pool_transcription({"o1": 0.6, "o2": 0.4}, 100.0, 0.5)
    Traceback (most recent call last):
    ...
    bioxen.errors.CompileError: error: orthogonal ribosome shares sum to 1; they must leave the host some
    """
    host_share = 1 - sum(shares.values())
    if host_share <= 0:
        raise CompileError(f"orthogonal ribosome shares sum to {1 - host_share:g}; they must leave the host some")
    return {pool: host_rrna * share / host_share / saturation for pool, share in shares.items()}


@dataclass(frozen=True)
class PoolSizing:
    """What sizes the orthogonal pools of one model: each orthogonal VM's pool, and the host
    rRNA's transcription and the o-rRNA promoter's saturation at the reference energy."""

    pools: Mapping[str, str]    # orthogonal VM id -> its pool ("o1", ...)
    host_rrna: float            # molecules/min
    saturation: float           # dimensionless, a/(θ_rP + a)

    def parameters(self, shares: Mapping[str, float]) -> dict[str, float]:
        """{``w_rRNA_<pool>``: molecules/min} for every pool, given every orthogonal VM's share.

        >>> PoolSizing({"vm1": "o1", "vm2": "o2"}, 100.0, 0.5).parameters({"vm1": 0.2, "vm2": 0.3})
        {'w_rRNA_o1': 80.0, 'w_rRNA_o2': 120.0}
        """
        by_pool = pool_transcription({self.pools[vm]: shares[vm] for vm in self.pools},
                                     self.host_rrna, self.saturation)
        return {orrna_parameter(pool): w for pool, w in by_pool.items()}
