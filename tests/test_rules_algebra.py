"""The rate algebra of the mechanism library (bioxen.rules.product, total, inverse) makes the
very expressions sympy's own Mul, Add and Pow make, whether it builds them directly (a gene's
rate) or leaves them to sympy."""
import pytest
import sympy
from sympy import srepr

from bioxen.rules import Builder, inverse, product, total


@pytest.fixture
def symbols():
    b = Builder("algebra")
    m = b.monomer("E")
    w, theta, n, k = (b.parameter(name, 2.0) for name in ("w_g", "theta_g", "n_g", "K_q"))
    a = b.observable("energy_level", m())
    licence = b.expression("licence_vm1", w * 0 + 1)
    return {"w": w, "theta": theta, "n": n, "k": k, "a": a, "licence": licence}


def _cases(s):
    w, theta, n, k, a, licence = (s[x] for x in ("w", "theta", "n", "k", "a", "licence"))
    return {   # name: (what the library is asked, what sympy makes of the same)
        "transcription rate": ([w, a, inverse(total(theta, a))], [w, a, sympy.Pow(sympy.Add(theta, a), -1)]),
        "with a licence": ([licence, w, a, inverse(total(theta, a))],
                           [licence, w, a, sympy.Pow(sympy.Add(theta, a), -1)]),
        "with a repression": ([w, a, inverse(total(theta, a)), inverse(1 + (k / a) ** 2)],
                              [w, a, sympy.Pow(sympy.Add(theta, a), -1), sympy.Pow(1 + (k / a) ** 2, -1)]),
        "translation rate": ([licence, w, inverse(n)], [licence, w, sympy.Pow(n, -1)]),
        "a yield": ([w, 1 - n], [w, 1 - n]),
        "a base twice": ([w, a, inverse(w)], [w, a, sympy.Pow(w, -1)]),
        "a symbol and its sum": ([a, inverse(total(a, theta))], [a, sympy.Pow(sympy.Add(a, theta), -1)]),
        "a number": ([2, w, a], [2, w, a]),
        "one factor": ([w], [w]),
    }


@pytest.mark.parametrize("case", list(_cases({k: sympy.Symbol(k) for k in
                                              ("w", "theta", "n", "k", "a", "licence")})))
def test_product_is_sympys_product(symbols, case):
    """The same tree, in the same order (srepr), as Mul of the same factors, so every printer
    (BNGL, the network file, SBML's formulas) writes the same text; and the same value."""
    asked, sympys = _cases(symbols)[case]
    made, expected = product(*asked), sympy.Mul(*sympys)
    assert srepr(made) == srepr(expected) and made == expected and hash(made) == hash(expected)
    values = {s: v for s, v in zip(sorted(made.free_symbols, key=str), (1.5, 2.5, 3.5, 4.5, 5.5, 6.5))}
    assert float(made.subs(values)) == pytest.approx(float(expected.subs(values)), rel=1e-15)


def test_total_and_inverse_are_sympys(symbols):
    theta, a, n = symbols["theta"], symbols["a"], symbols["n"]
    for terms in ((theta, a), (a, theta), (theta, a, n), (theta, 1), (theta, theta), (theta,)):
        assert srepr(total(*terms)) == srepr(sympy.Add(*terms))
    for x in (n, total(theta, a), theta + 1, 2 * theta, sympy.Integer(4), theta ** 2):
        assert srepr(inverse(x)) == srepr(sympy.Pow(x, -1))


def test_every_gene_rate_of_a_design_is_what_sympy_makes_of_it(small_policy):
    """Each expression of a compiled design is what sympy makes when it evaluates the same
    arguments: the library's direct construction never leaves a product or sum sympy would
    have written otherwise."""
    from bioxen.backend.compile import compile_design
    from bioxen.frontend import read_design

    model = compile_design(read_design(small_policy)).builder.model
    checked = set()
    for expression in model.expressions:
        for node in sympy.preorder_traversal(expression.expr):
            if isinstance(node, (sympy.Mul, sympy.Add, sympy.Pow)):
                assert srepr(node.func(*node.args)) == srepr(node), expression.name
                checked.add(expression.name)
    rates = {e.name for e in model.expressions if e.name.startswith(("transcription_rate_", "translation_rate_"))}
    assert len(rates) > 10 and rates <= checked
