"""Fluorescent checkpoints, the molecular debugger's reporters (policy ``checkpoints:``).

A checkpoint watches one model quantity x (an observable or expression, e.g. a VM's protein
total, the host's energy or growth rate) and lights a fluorescent reporter gene, on host
ribosomes, when x passes its threshold K (molecules per cell, minutes)::

    ∅ → m_c      at  w_c·a/(θ + a)·s(x)      s = x^n/(K^n + x^n) (above)  or  K^n/(K^n + x^n) (below)
    m_c → P_c → F_c                          (translation, then maturation into the fluorescent form)

s is the sensing promoter's activity (Hill coefficient n = ``reporter.checkpoint_hill``); the rate,
length and maturation are the VMs' reporters' (``reporter`` of the parts library). The debugger
(:mod:`bioxen.runtime.debugger`) reads the crossing itself; the reporter is what a microscope
would see, later by its transcription, translation and maturation.
"""
from __future__ import annotations

import difflib

from bioxen.errors import CompileError
from bioxen.roles import Role
from bioxen.rules import Builder, Quantity, expression
from bioxen.rules.expression import GeneSpec
from bioxen.rules.host import HOST_OUTPUTS

PARAMETERS = ("parts.reporter.checkpoint_hill",)


def gene_name(name: str) -> str:
    return f"checkpoint_{name}"


def reporter_name(name: str) -> str:
    """The observable of a checkpoint's matured (fluorescent) reporter."""
    return f"checkpoint_{name}_reporter"


def watched(b: Builder, watch: str, location=None):
    """The model quantity a checkpoint watches: an observable or expression by name (the results
    table's host names energy, ribosomes_free, growth_rate read as their model quantities)."""
    name = HOST_OUTPUTS.get(watch, watch)
    for components in (b.model.observables, b.model.expressions):
        if name in components.keys():
            return components[name]
    known = list(b.model.observables.keys()) + list(b.model.expressions.keys()) + list(HOST_OUTPUTS)
    close = difflib.get_close_matches(watch, known, n=3)
    raise CompileError(f"checkpoint watches '{watch}', which is no observable or expression of the model",
                       location, hint=f"did you mean {', '.join(close)}?" if close else
                       "name an observable of model.bngl (e.g. vm1_protein_total) or energy, growth_rate")


def checkpoint(b: Builder, name: str, quantity, threshold: float, direction: str, q: dict[str, Quantity],
               transcription_threshold: float, mrna_decay: float):
    """The checkpoint's reporter gene; returns the observable of its fluorescent reporter."""
    k = b.parameter(f"checkpoint_threshold_{name}", threshold, "", "policy checkpoints")
    n = b.parameter(f"checkpoint_hill_{name}", q["checkpoint_hill"])
    ratio = (quantity / k) ** n
    sensing = b.expression(f"checkpoint_sensor_{name}", ratio / (1 + ratio) if direction == "above" else 1 / (1 + ratio),
                           "dimensionless")
    spec = GeneSpec(name=gene_name(name), locus_tags=(), max_transcription=q["max_transcription"].value,
                    threshold=transcription_threshold, length=q["length"].value, mrna_decay=mrna_decay,
                    product_kind="protein")
    made = expression.gene(b, spec, factor=sensing)
    mature = b.monomer(f"fluorescent_{gene_name(name)}", role=Role("fluorescent_protein", gene=spec.name))
    b.rule(f"maturation_{gene_name(name)}", made["protein_pattern"] >> mature(),
           b.parameter(f"k_maturation_{gene_name(name)}", q["maturation"]), role=spec.role("maturation"))
    return b.observable(reporter_name(name), mature())
