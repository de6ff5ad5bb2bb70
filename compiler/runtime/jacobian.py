"""bngsim's analytical Jacobian of a network file: checked over the pattern the solver uses, and
checked once per network.

bngsim derives the Jacobian of every functional rate law when a Simulator is made, compiles
the terms, and then checks them against finite differences at the initial state before it
trusts them (falling back to finite differences on a mismatch). Two of its settings make that
check cost what it must and no more:

* Below ``BNGSIM_JAC_SELFCHECK_DENSE_MAX`` species bngsim checks every entry of the dense
  Jacobian (one right-hand side per species, then n² comparisons): 1.85 of the 2.1 s a
  single Syn3A VM (1,897 species) takes to prepare. The sparse KLU solver these networks run
  on factorises only the Jacobian's sparsity pattern, and bngsim's sparse check tests exactly
  those entries (coloured differences, 0.3 s there), so above :data:`DENSE_CHECK_MAX` species
  the sparse check is asked for; smaller networks keep the dense one.
* The terms depend only on the network text and bngsim's version, so the check's verdict does
  too: once a network has passed it, later runs of the same network (other processes
  included) skip it (``BNGSIM_JAC_NO_SELFCHECK``; 1.0 of 3.0 s on three Syn3A VMs, 8,393
  species). The verdicts live beside BioXen's build cache (``jacobians/<sha256>``);
  ``BIOXEN_NO_CACHE=1`` keeps them unused, as it does the builds.
"""
from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from bioxen import cache

SKIP_CHECK = "BNGSIM_JAC_NO_SELFCHECK"
DENSE_CHECK = "BNGSIM_JAC_SELFCHECK_DENSE_MAX"
DENSE_CHECK_MAX = 200       # species: bngsim's dense check below, its sparse check above (engines.SPARSE_FROM_SPECIES)


def _verdicts() -> Path:
    return cache.root().parent / "jacobians"


def network_key(net: Path) -> str:
    """SHA-256 of the network file's text and of bngsim's version."""
    digest = hashlib.sha256(metadata.version("bngsim").encode() + b"\0")
    digest.update(net.read_bytes())
    return digest.hexdigest()


@contextmanager
def _bngsim_settings(**settings: str):
    """bngsim's environment settings while it prepares a model (it reads them then), restored after."""
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def ode_simulator(model, net: Path):
    """``bngsim.Simulator(model, method="ode")`` on the model of ``net``, skipping the Jacobian's
    self-check when this network (and bngsim version) has passed it before; recording that it
    passed when it did (the model's Jacobian then ``complete``)."""
    import bngsim

    settings = {DENSE_CHECK: str(DENSE_CHECK_MAX)}
    verdict = _verdicts() / network_key(net) if cache.enabled() else None
    if verdict is not None and verdict.is_file():
        settings[SKIP_CHECK] = "1"
    with _bngsim_settings(**settings):
        simulator = bngsim.Simulator(model, method="ode")
    if verdict is None or SKIP_CHECK in settings:
        return simulator
    if model.analytical_jacobian_status == "complete":
        try:
            verdict.parent.mkdir(parents=True, exist_ok=True)
            verdict.write_text(f"bngsim {metadata.version('bngsim')}: analytical Jacobian passed its self-check\n")
        except OSError:          # an unwritable cache costs the check next time, nothing else
            pass
    return simulator
