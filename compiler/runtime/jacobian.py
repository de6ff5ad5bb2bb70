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
  included) skip it (``BNGSIM_JAC_NO_SELFCHECK``; 1.0 of 3.0 s on three Syn3A VMs, 8,405
  species). The verdicts live beside BioXen's build cache (``jacobians/<sha256>``);
  ``BIOXEN_NO_CACHE=1`` keeps them unused, as it does the builds.

bngsim can also compile a network's right-hand side and Jacobian to C (its codegen, cached by
bngsim per network): integration then takes 0.5 s where the interpreted terms take 1.2 s (a 2-h
ODE of three Syn3A VMs), but compiling takes minutes (2 min there), so BioXen asks for it only
when told to (``BIOXEN_COMPILE_RHS=1``); the verdict then records the compiled library, and later
runs of the network use it for as long as it exists, with no setting.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from bioxen import cache
from bioxen.env import cache_root, env_number
from bioxen.errors import SimulationError

logger = logging.getLogger(__name__)

SKIP_CHECK = "BNGSIM_JAC_NO_SELFCHECK"
DENSE_CHECK = "BNGSIM_JAC_SELFCHECK_DENSE_MAX"
DENSE_CHECK_MAX = 200       # species: bngsim's dense check below, its sparse check above (engines.SPARSE_FROM_SPECIES)
COMPILE = "BIOXEN_COMPILE_RHS"


def _verdicts() -> Path:
    return cache_root() / "jacobians"


def network_key(net: Path) -> str:
    """SHA-256 of the network file's text and of bngsim's version."""
    digest = hashlib.sha256(metadata.version("bngsim").encode() + b"\0")
    digest.update(net.read_bytes())
    return digest.hexdigest()


def _read(verdict: Path) -> dict | None:
    """A verdict: {"checked": True, "compiled": path of bngsim's compiled library or ""}; None
    for none (or one that cannot be read, which costs a check)."""
    try:
        found = json.loads(verdict.read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and found.get("checked") is True else None


def _write(verdict: Path, compiled: str) -> None:
    try:
        verdict.parent.mkdir(parents=True, exist_ok=True)
        verdict.write_text(json.dumps({"checked": True, "compiled": compiled, "bngsim": metadata.version("bngsim")}))
    except OSError:          # an unwritable cache costs the check next time, nothing else
        pass


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


def compile_asked() -> bool:
    return bool(env_number(COMPILE, int, 0, lambda text: SimulationError(
        f"{COMPILE} must be 0 or 1, got {text!r}"), lambda value: value in (0, 1)))


def ode_simulator(model, net: Path):
    """``bngsim.Simulator(model, method="ode")`` on the model of ``net``: its Jacobian checked
    over the sparsity pattern, or not at all when this network (and bngsim version) passed the
    check before; on bngsim's compiled library when the verdict names one that exists, or when
    ``BIOXEN_COMPILE_RHS=1`` asks for it (minutes, once per network). A network that passes is
    recorded (the model's Jacobian then ``complete``)."""
    import bngsim

    settings = {DENSE_CHECK: str(DENSE_CHECK_MAX)}
    verdict = _verdicts() / network_key(net) if cache.enabled() else None
    known = _read(verdict) if verdict is not None else None
    if known is not None:
        settings[SKIP_CHECK] = "1"
    compiled = bool(known and known.get("compiled") and Path(known["compiled"]).is_file())
    with _bngsim_settings(**settings):
        if compiled or compile_asked():
            try:
                simulator = bngsim.Simulator(model, method="ode", codegen=True)
            except (RuntimeError, OSError) as exc:     # no C compiler, a failed build: interpreted
                logger.warning("bngsim could not compile %s (%s); running it interpreted", net, str(exc)[:300])
                simulator = bngsim.Simulator(model, method="ode")
        else:
            simulator = bngsim.Simulator(model, method="ode")
    library = getattr(simulator, "_codegen_so_path", "") or ""
    if verdict is not None and model.analytical_jacobian_status == "complete" and (
            known is None or library != known.get("compiled", "")):
        _write(verdict, library)
    return simulator
