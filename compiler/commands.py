"""The hypervisor's command vocabulary: one list of names for the policy, the IR, the back
ends and the runtime.

A command acts through a chemical signal: one inducer per VM and command, a model parameter
between 0 (absent) and 1 (fully induced). CREATE_VM, PAUSE_VM, RESUME_VM and DESTROY_VM set an
inducer (:data:`SETTINGS`); SET_RESOURCE_LIMIT sets none but re-sizes every orthogonal ribosome
pool (:mod:`bioxen.pools`). :func:`assignments` is the one map from a command to the model
parameters it sets; SBML events, BNGL actions and the live runtime all use it, and
:func:`is_induced` is the one reading of an inducer's level.

>>> TIMED
('CREATE_VM', 'PAUSE_VM', 'RESUME_VM', 'DESTROY_VM', 'BOOT_VM', 'SET_RESOURCE_LIMIT')
>>> setting("PAUSE_VM", "vm1"), is_induced(1.0), is_induced(0.0)
(('command_pause_vm1', 1.0), True, False)
"""
from __future__ import annotations

from collections.abc import Mapping

from bioxen.errors import CommandError
from bioxen.pools import PoolSizing

COMMANDS = ("create", "pause", "destroy", "boot")   # the inducers of each VM (boot: its non-core genes)
INDUCER_PREFIX = "command_"
# What each hypervisor command does to the inducers: (inducer, level).
SETTINGS = {"CREATE_VM": ("create", 1.0), "PAUSE_VM": ("pause", 1.0), "RESUME_VM": ("pause", 0.0),
            "DESTROY_VM": ("destroy", 1.0), "BOOT_VM": ("boot", 1.0)}
RESIZE = "SET_RESOURCE_LIMIT"      # gives an orthogonal VM's pool a new share of the ribosomes
TIMED = (*SETTINGS, RESIZE)        # the commands a policy may time (policy/schema.py TimedCommand)
SWITCHES = ("PAUSE_VM", "RESUME_VM")   # the commands that switch a created VM off and on again
# what SET_RESOURCE_LIMIT can resize (ncaa: an ncaa VM's amino acid in the medium; rnap: the
# expression of a VM's orthogonal RNA polymerase)
RESOURCES = ("ribosomes", "ncaa", "rnap")
RNAP_PREFIX = "rnap_level_"       # the model parameter of a VM's polymerase expression (0..1 of its full level)
NCAA_PREFIX = "ncaa_medium_"       # the model parameter of a VM's ncAA in the medium (molecules per cell volume)
# molecules per cell in one mole per litre, for a 1 fL E. coli cell (CCDB E. coli statistics)
MOLECULES_PER_MOLAR = 6.02214076e23 * 1e-15
INDUCED = 0.5                      # an inducer at or above this level is present (its command given)


def is_induced(level: float) -> bool:
    """Whether an inducer at ``level`` (0 absent, 1 fully induced) counts as present.

    >>> is_induced(0.5), is_induced(0.49)
    (True, False)
    """
    return level >= INDUCED


def inducer_name(command: str, vm: str) -> str:
    """``command_<command>_<vm>``, the model parameter of one inducer.

    >>> inducer_name("destroy", "vm2")
    'command_destroy_vm2'
    >>> inducer_name("reboot", "vm2")
    Traceback (most recent call last):
    ...
    bioxen.errors.CommandError: error: unknown inducer 'reboot' (expected one of: create, pause, destroy)
    """
    if command not in COMMANDS:
        raise CommandError(f"unknown inducer '{command}' (expected one of: {', '.join(COMMANDS)})")
    return f"{INDUCER_PREFIX}{command}_{vm}"


def setting(command: str, vm: str) -> tuple[str, float]:
    """The inducer parameter a hypervisor command sets, and the level it sets it to.

    >>> setting("RESUME_VM", "vm2")
    ('command_pause_vm2', 0.0)
    >>> setting("REBOOT_VM", "vm2")
    Traceback (most recent call last):
    ...
    bioxen.errors.CommandError: error: unknown command 'REBOOT_VM' (expected one of: CREATE_VM, PAUSE_VM, RESUME_VM, DESTROY_VM, SET_RESOURCE_LIMIT)
    """
    if command not in SETTINGS:
        raise CommandError(f"unknown command '{command}' (expected one of: {', '.join(TIMED)})")
    inducer, level = SETTINGS[command]
    return inducer_name(inducer, vm), level


def ncaa_parameter(vm: str) -> str:
    """The model parameter of an ncaa VM's non-canonical amino acid in the medium (molecules).

    >>> ncaa_parameter("vm3")
    'ncaa_medium_vm3'
    """
    return f"{NCAA_PREFIX}{vm}"


def ncaa_assignment(vm: str, micromolar: float) -> dict[str, float]:
    """SET_RESOURCE_LIMIT ncaa: the medium's ncAA for ``vm`` at ``micromolar`` (0 withdraws it).

    >>> ncaa_assignment("vm3", 0.0)
    {'ncaa_medium_vm3': 0.0}
    """
    if not micromolar >= 0:
        raise CommandError(f"ncAA concentration {micromolar!r} uM must be >= 0")
    return {ncaa_parameter(vm): micromolar * 1e-6 * MOLECULES_PER_MOLAR}


def rnap_parameter(vm: str) -> str:
    """The model parameter of a VM's orthogonal RNA polymerase expression (0..1 of its full level).

    >>> rnap_parameter("vm1")
    'rnap_level_vm1'
    """
    return f"{RNAP_PREFIX}{vm}"


def rnap_assignment(vm: str, level: float) -> dict[str, float]:
    """SET_RESOURCE_LIMIT rnap: ``vm``'s polymerase gene at ``level`` of its full expression.

    >>> rnap_assignment("vm1", 0.25)
    {'rnap_level_vm1': 0.25}
    >>> rnap_assignment("vm1", 1.5)
    Traceback (most recent call last):
    ...
    bioxen.errors.CommandError: error: polymerase level 1.5 must lie between 0 and 1
    """
    if not 0 <= level <= 1:
        raise CommandError(f"polymerase level {level!r} must lie between 0 and 1")
    return {rnap_parameter(vm): float(level)}


def assignments(command: str, vm: str, share: float | None = None, shares: Mapping[str, float] | None = None,
                sizing: PoolSizing | None = None, resource: str = "ribosomes",
                concentration: float | None = None, level: float | None = None) -> dict[str, float]:
    """The model parameters a hypervisor command sets, {parameter: value}.

    For SET_RESOURCE_LIMIT, ``share`` is the VM's new share and ``shares`` every orthogonal
    VM's share before the command: every pool's o-rRNA transcription follows from the new
    shares by ``sizing`` (:func:`bioxen.pools.pool_transcription`).

    >>> assignments("RESUME_VM", "vm2")
    {'command_pause_vm2': 0.0}
    >>> sizing = PoolSizing({"vm1": "o1", "vm2": "o2"}, 100.0, 0.5)
    >>> assignments("SET_RESOURCE_LIMIT", "vm2", 0.3, {"vm1": 0.2, "vm2": 0.1}, sizing)
    {'w_rRNA_o1': 80.0, 'w_rRNA_o2': 120.0}
    """
    if command == RESIZE and resource == "ncaa":
        if concentration is None:
            raise CommandError(f"{RESIZE} ncaa needs the ncAA's new concentration in the medium")
        return ncaa_assignment(vm, concentration)
    if command == RESIZE and resource == "rnap":
        if level is None:
            raise CommandError(f"{RESIZE} rnap needs the polymerase's new level")
        return rnap_assignment(vm, level)
    if command == RESIZE:
        if share is None or sizing is None or vm not in sizing.pools:
            raise CommandError(f"{RESIZE} needs an orthogonal VM, its new share and the pool sizing")
        return sizing.parameters({**(shares or {}), vm: share})
    return dict([setting(command, vm)])
