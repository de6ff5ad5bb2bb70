"""One runtime session protocol: a compiled build being simulated, advanced and steered.

Two engines implement it: :class:`bioxen.runtime.hypervisor.Hypervisor` (libRoadRunner on
model.xml) and :class:`bioxen.runtime.cell.Cell` (bngsim on model.net, or libRoadRunner's
Gillespie method), so a program written against :class:`Session` runs on either.

    >>> session.advance(60); session.command("PAUSE_VM", "vm2")     # doctest: +SKIP
    >>> session.command("SET_RESOURCE_LIMIT", "vm1", resource="ribosomes", share=0.3)   # doctest: +SKIP
    >>> session.status()["vm2"].health                               # doctest: +SKIP
    'paused'

The commands are given once, here (:class:`Steering`): each sets the model parameters
:func:`bioxen.commands.assignments` names, as a timed command in the policy does, and every
mistake (an unknown VM or command, a destroyed VM, a share out of range) is the same
:class:`~bioxen.errors.CommandError` from either engine. Runtime state (time, inducers, the
ribosome shares in force) lives in the session, never in the build's spec
(:class:`bioxen.buildspec.BuildSpec`, which nothing changes after it is written).

Saving and loading a session is not part of the protocol: the Hypervisor saves versioned JSON
(:mod:`bioxen.runtime.state`), but a Cell's state also holds its mass and lineage, which that
format does not carry.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd

from bioxen.buildspec import BuildSpec
from bioxen.commands import (RESIZE, RESOURCES, SETTINGS, assignments, inducer_name, is_induced, ncaa_assignment,
                             ncaa_parameter, rnap_assignment, rnap_parameter)
from bioxen.errors import CommandError
from bioxen.pools import PoolSizing
from bioxen.runtime.limits import finite
from bioxen.runtime.summary import STARVED_SHARE


# SET_RESOURCE_LIMIT resources that set one model parameter of a VM: (its parameter, the
# assignment, what a VM without it lacks, how to compile one with it)
_VM_LEVELS = {
    "ncaa": (ncaa_parameter, ncaa_assignment, "does not depend on a non-canonical amino acid",
             "compile it with `genetic_code: ncaa`"),
    "rnap": (rnap_parameter, rnap_assignment, "has no RNA polymerase of its own",
             "compile it with `transcription: {pool: orthogonal}`"),
}


@dataclass(frozen=True)
class VmStatus:
    """GET_VM_STATUS: what one VM is doing now."""

    vm: str
    health: str               # viable, starved, paused, destroyed, or dormant (not yet created)
    translation_share: float  # of all translating ribosomes (cpu usage)
    proteome_share: float     # of the cell's protein mass (memory usage)
    protein: float            # molecules
    translation_flux: float   # proteins per minute
    fluorescence: float       # mature reporter molecules


@runtime_checkable
class Session(Protocol):
    """A compiled build being simulated (module docstring)."""

    spec: BuildSpec                     # the build's spec, as written
    ribosome_shares: dict[str, float]   # every VM's ribosome share in force now

    @property
    def time(self) -> float:
        """Minutes simulated."""

    def advance(self, minutes) -> pd.DataFrame:
        """Simulate ``minutes`` more (a number, or text such as '30 min'); that stretch's results table."""

    def command(self, name: str, vm: str, **args) -> None:
        """Give a hypervisor command now (CREATE_VM, PAUSE_VM, RESUME_VM, DESTROY_VM, or
        SET_RESOURCE_LIMIT with ``resource`` and ``share``)."""

    def status(self) -> dict[str, VmStatus]:
        """GET_VM_STATUS of every VM, now."""


class Steering:
    """The hypervisor commands of a session, given once for every engine. A session sets
    ``build_dir``, ``spec``, ``ribosome_shares`` and ``sizing`` and reads and sets its model's
    parameters (:meth:`_level`, :meth:`_set_levels`)."""

    build_dir: Path
    spec: BuildSpec
    ribosome_shares: dict[str, float]
    sizing: PoolSizing | None

    def _level(self, parameter: str) -> float:
        raise NotImplementedError

    def _set_levels(self, values: Mapping[str, float]) -> None:
        raise NotImplementedError

    def _check_vm(self, vm: str) -> None:
        if not isinstance(vm, str) or vm not in self.spec.vms:
            raise CommandError(f"unknown VM '{vm}' (VMs: {', '.join(self.spec.vms) or 'none'})")
        if self.induced("destroy", vm):
            raise CommandError(f"VM '{vm}' is destroyed; it takes no further commands")

    def induced(self, inducer: str, vm: str) -> bool:
        """Whether ``vm``'s ``inducer`` (create, pause, destroy) is present now."""
        return is_induced(self._level(inducer_name(inducer, vm)))

    def command(self, name: str, vm: str, **args) -> None:
        """Apply a hypervisor command now: CREATE_VM, PAUSE_VM, RESUME_VM, DESTROY_VM, or
        SET_RESOURCE_LIMIT with ``resource`` and ``share`` (:meth:`set_resource_limit`)."""
        if name == RESIZE:
            amount = [key for key in ("share", "concentration", "level") if key in args]
            if "resource" not in args or len(amount) != 1 or len(args) != 2:
                raise CommandError(f"{RESIZE} needs a resource and one amount (share, concentration or level)",
                                   hint=f"use set_resource_limit('{vm}', 'ribosomes', share)")
            return self.set_resource_limit(vm, args["resource"], args[amount[0]])
        if not isinstance(name, str) or name not in SETTINGS:
            raise CommandError(f"unknown command {name!r} (expected one of: {', '.join(SETTINGS)}, {RESIZE})")
        if args:
            raise CommandError(f"{name} takes no settings (got: {', '.join(args)})")
        self._check_vm(vm)
        self._set_levels(assignments(name, vm))

    def create(self, vm: str) -> None:
        """CREATE_VM: start a slot compiled dormant (its genes and its ribosome pool switch on)."""
        self._check_vm(vm)
        if self.induced("create", vm):
            raise CommandError(f"VM '{vm}' is already running",
                               hint="only a slot compiled with `start: dormant` can be created")
        self.command("CREATE_VM", vm)

    def pause(self, vm: str) -> None:
        self.command("PAUSE_VM", vm)

    def resume(self, vm: str) -> None:
        self.command("RESUME_VM", vm)

    def destroy(self, vm: str) -> None:
        self.command("DESTROY_VM", vm)

    def set_resource_limit(self, vm: str, resource: str, share: float) -> None:
        """SET_RESOURCE_LIMIT: give an orthogonal VM's pool ``share`` of the cell's ribosomes;
        with ``resource`` ``"ncaa"``, set the medium's non-canonical amino acid of an ncaa VM to
        ``share`` micromolar (0 withdraws it: the VM stops making its UAG-bearing proteins); with
        ``"rnap"``, set a VM's own RNA polymerase gene to ``share`` (0..1) of its full expression.

        Pools split ribosomal protein as their rRNAs' transcription, so every pool's o-rRNA
        transcription is set from every orthogonal VM's share by the law that sized them
        (:func:`bioxen.pools.pool_transcription`), as a timed command would.
        """
        share = finite(share, {"ncaa": "ncAA concentration", "rnap": "polymerase level"}.get(resource, "ribosome share"),
                       CommandError)
        if not isinstance(resource, str) or resource not in RESOURCES:
            raise CommandError(f"unknown resource '{resource}' (resources: {', '.join(RESOURCES)})")
        self._check_vm(vm)
        if resource in _VM_LEVELS:
            parameter, assignment, lacking, hint = _VM_LEVELS[resource]
            try:
                self._level(parameter(vm))
            except Exception:
                raise CommandError(f"VM '{vm}' {lacking}", hint=hint) from None
            self._set_levels(assignment(vm, share))
            return
        if self.sizing is None:
            raise CommandError(f"{self.build_dir} has no pool sizing in outputs.json",
                               hint="recompile the policy with this version of bioxen")
        if vm not in self.sizing.pools:
            raise CommandError(f"VM '{vm}' runs on host ribosomes; its ribosome share is not a pool to resize",
                               hint="put the VM on an orthogonal pool (ribosomes: {pool: orthogonal})")
        shares = {name: self.ribosome_shares[name] for name in self.sizing.pools}
        total = sum(dict(shares, **{vm: share}).values())
        if not 0 < share < 1 or total >= 1:
            raise CommandError(f"ribosome share {share!r} for '{vm}' must be in (0, 1) and leave the host "
                               f"some (orthogonal shares would sum to {total:g})")
        self._set_levels(assignments(RESIZE, vm, share, shares, self.sizing))
        self.ribosome_shares[vm] = share

    def health(self, vm: str, translation_share: float) -> str:
        """destroyed, dormant (not yet created), paused, starved (under a tenth of its share of the
        translating ribosomes) or viable."""
        if self.induced("destroy", vm):
            return "destroyed"
        if not self.induced("create", vm):
            return "dormant"
        if self.induced("pause", vm):
            return "paused"
        return "starved" if translation_share < STARVED_SHARE * self.ribosome_shares[vm] else "viable"

    def follow_timed_resizes(self, start: float, end: float) -> None:
        """The build's timed SET_RESOURCE_LIMITs in (start, end] resized the pools: take the shares they set."""
        for entry in self.spec.control:
            if entry.command == RESIZE and entry.ribosome_shares is not None and start < entry.at_min <= end:
                self.ribosome_shares.update(entry.ribosome_shares)
