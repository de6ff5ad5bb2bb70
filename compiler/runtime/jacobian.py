"""bngsim's analytical Jacobian of a network file, its self-check done once per network.

bngsim derives the Jacobian of every functional rate law when a Simulator is made, compiles
the terms, and then checks them against finite differences at the initial state before it
trusts them (falling back to finite differences on a mismatch). On a whole-genome network the
check is a third of the preparation (1.0 of 3.0 s on three Syn3A VMs, 8,393 species). The
terms depend only on the network text and bngsim's version, so the check's verdict does too:
once a network has passed it, later runs of the same network (other processes included) skip
it (bngsim's ``BNGSIM_JAC_NO_SELFCHECK``). The verdicts live beside BioXen's build cache
(``jacobians/<sha256>``); ``BIOXEN_NO_CACHE=1`` keeps them unused, as it does the builds.
"""
from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from bioxen import cache

SKIP_CHECK = "BNGSIM_JAC_NO_SELFCHECK"


def _verdicts() -> Path:
    return cache.root().parent / "jacobians"


def network_key(net: Path) -> str:
    """SHA-256 of the network file's text and of bngsim's version."""
    digest = hashlib.sha256(metadata.version("bngsim").encode() + b"\0")
    digest.update(net.read_bytes())
    return digest.hexdigest()


@contextmanager
def _without_check():
    before = os.environ.get(SKIP_CHECK)
    os.environ[SKIP_CHECK] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ[SKIP_CHECK]
        else:
            os.environ[SKIP_CHECK] = before


def ode_simulator(model, net: Path):
    """``bngsim.Simulator(model, method="ode")`` on the model of ``net``, skipping the Jacobian's
    self-check when this network (and bngsim version) has passed it before; recording that it
    passed when it did (the model's Jacobian then ``complete``)."""
    import bngsim

    if not cache.enabled():
        return bngsim.Simulator(model, method="ode")
    verdict = _verdicts() / network_key(net)
    if verdict.is_file():
        with _without_check():
            return bngsim.Simulator(model, method="ode")
    simulator = bngsim.Simulator(model, method="ode")
    if model.analytical_jacobian_status == "complete":
        try:
            verdict.parent.mkdir(parents=True, exist_ok=True)
            verdict.write_text(f"bngsim {metadata.version('bngsim')}: analytical Jacobian passed its self-check\n")
        except OSError:          # an unwritable cache costs the check next time, nothing else
            pass
    return simulator
