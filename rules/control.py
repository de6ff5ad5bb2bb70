"""Commands as chemical signals: one inducer level per VM and command.

An inducer is a model parameter between 0 (absent) and 1 (fully induced);
timed commands and the live runtime set it. The genetic parts it drives are
in the mechanism that owns them (the gate sRNA in :mod:`bioxen.rules.srna`,
the protease in :mod:`bioxen.rules.proteolysis`). SET_RESOURCE_LIMIT sets no
inducer: it re-sizes every orthogonal ribosome pool (its o-rRNA gene's
transcription, :mod:`bioxen.rules.ribosomes`).

The command vocabulary (:data:`SETTINGS`, :func:`inducer_name`, :func:`assignments`, the one
map from a hypervisor command to the model parameters it sets) is :mod:`bioxen.commands`,
re-exported here; this module builds the inducers and inducible promoters into a model.
"""
from __future__ import annotations

from bioxen.commands import (COMMANDS, INDUCER_PREFIX, RESIZE, SETTINGS,  # noqa: F401  (re-exported)
                             assignments, inducer_name, setting)
from bioxen.roles import Role
from bioxen.rules import Builder


def inducer(b: Builder, command: str, vm: str, level: float = 0.0):
    """The inducer of one command for one VM, a parameter starting at ``level``."""
    return b.parameter(inducer_name(command, vm), level, "dimensionless",
                       "inducer level: 0 absent, 1 fully induced", role=Role("inducer", vm=vm))


def inducible(b: Builder, name: str, inducer_level, leak: float):
    """Promoter activity ``leak + (1 - leak)·I`` of an inducible promoter (dimensionless)."""
    leak_parameter = b.parameter(f"leak_{name}", leak, "dimensionless")
    return b.expression(f"promoter_activity_{name}", leak_parameter + (1 - leak_parameter) * inducer_level,
                        "dimensionless")
