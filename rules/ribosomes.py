"""Host ribosomes: the shared translation machinery.

``ribosome_inventory`` counts every ribosome the cell holds (made with each
ribosome, diluted like it), so translating ribosomes are ``inventory - free``:
two terms instead of a sum over every transcript, which keeps the growth rate
cheap to evaluate in genome-scale models. Its initial value must equal the
initial free plus bound ribosomes (the model builder sets it so).

Schema: ``ribosome(mrna)``; a free ribosome has ``mrna=None``; one bound to a
transcript is in a complex with it. Ribosomes are made by translating the host's
ribosomal sector (see :func:`bioxen.rules.expression.gene` with
``product='ribosome'``), after Weisse et al. 2015, PNAS 112:E1038.
"""
from __future__ import annotations


from bioxen.rules import Builder

INVENTORY = "ribosome_inventory"   # species counting every ribosome
ALL_RIBOSOMES = "ribosomes_all"    # observable: free plus bound ribosomes


def host_ribosomes(b: Builder, p: dict):
    """Declare the ribosome monomer, its binding constants and observables.

    >>> from bioxen.rules import Builder

INVENTORY = "ribosome_inventory"   # species counting every ribosome
ALL_RIBOSOMES = "ribosomes_all"    # observable: free plus bound ribosomes
    >>> b = Builder("doc"); r = host_ribosomes(b, {"k_b": 1.0, "k_u": 1.0})
    >>> [o.name for o in b.model.observables]
    ['ribosomes_free', 'ribosomes_all', 'ribosome_inventory_level']
    """
    ribosome = b.monomer("ribosome", ["mrna"])
    b.parameter("k_b", p["k_b"])
    b.parameter("k_u", p["k_u"])
    inventory = b.monomer(INVENTORY)
    free = b.observable("ribosomes_free", ribosome(mrna=None))
    b.observable(ALL_RIBOSOMES, ribosome())
    total = b.observable("ribosome_inventory_level", inventory())
    b.expression("ribosomes_translating", total - free, "molecules")
    return ribosome
