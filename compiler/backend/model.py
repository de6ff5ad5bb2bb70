"""Back end, first step: a Design becomes a PySB rule-based model."""
from __future__ import annotations

from dataclasses import dataclass

from bioxen.ir import Design, GuestVM
from bioxen.names import mangle
from bioxen.rules import Builder, Quantity, energy, expression, growth
from bioxen.rules.expression import GeneSpec
from bioxen.rules.host import weisse_host
from bioxen.rules.species import species_id


@dataclass(frozen=True)
class VmOutputs:
    """Names of the model quantities that report on one VM."""

    vm: str
    protein_total: str           # observable
    elongation_rules: tuple[str, ...]


def _host_quantities(design: Design) -> dict[str, Quantity]:
    quantities = dict(design.chassis.parameters)
    for key, value in design.host_overrides.items():
        if value is not None:
            quantities[key] = Quantity(value, quantities[key].units, "policy override")
    return quantities


def _guest_vm(b: Builder, vm: GuestVM, guest: dict[str, Quantity]) -> VmOutputs:
    proteins, elongations = [], []
    for unit in vm.units:
        spec = GeneSpec(
            name=f"{vm.id}_{mangle(unit.name)}", locus_tags=unit.locus_tags,
            max_transcription=unit.max_transcription,
            threshold=guest["transcription_threshold"].value,
            length=unit.length or 1.0, initiation_strength=unit.initiation_strength,
            mrna_decay=guest["mrna_decay"].value, protein_decay=guest["protein_decay"].value,
            coding=unit.coding)
        made = expression.gene(b, spec)
        if unit.coding:
            proteins.append(made["protein"]())
            elongations.append(f"elongation_{spec.name}")
    name = f"{vm.id}_protein_total"
    if proteins:
        pattern = proteins[0]
        for extra in proteins[1:]:
            pattern = pattern + extra
        b.observable(name, pattern)
    return VmOutputs(vm.id, name if proteins else "", tuple(elongations))


def build_model(design: Design) -> tuple[Builder, tuple[VmOutputs, ...]]:
    """The whole cell: host physiology, every guest unit, energy use and dilution."""
    b = Builder(mangle(design.name))
    p = _host_quantities(design)
    weisse_host(b, p)
    outputs = tuple(_guest_vm(b, vm, design.chassis.guest) for vm in design.vms)
    energy.translation_cost(b, p)
    _host_initial_state(b, design.chassis.steady_state)
    growth.dilution(b)
    return b, outputs


def _host_initial_state(b: Builder, state: dict[str, float]) -> None:
    """Start from the chassis steady state; species it does not list start at 0."""
    patterns = {}
    for rule in b.model.rules:
        for cp in rule.reactant_pattern.complex_patterns + rule.product_pattern.complex_patterns:
            patterns.setdefault(species_id(cp), cp)
    state = dict(state)
    state["ribosome_inventory"] = sum(v for k, v in state.items() if "ribosome" in k.split("__"))
    for sid, value in sorted(state.items()):
        if sid in patterns and value > 0:
            b.initial(patterns[sid], b.parameter(f"initial_{sid}", value, "molecules"))
