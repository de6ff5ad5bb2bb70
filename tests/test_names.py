import pytest

from bioxen.names import is_sid, mangle, unmangle

NAMES = ["JCVISYN3A_0001", "16S rRNA", "rpsL-1", "a 'quoted' \"name\"", "_x", "__", "", "ψ gene",
         "operon JCVISYN3A_0001", "Genetic Information Processing", "2_5"]


@pytest.mark.parametrize("name", NAMES)
def test_mangled_names_are_valid_identifiers_and_reversible(name):
    sid = mangle(name)
    assert is_sid(sid)
    assert unmangle(sid) == name


def test_mangling_never_collides():
    variants = ["a-b", "a_b", "a b", "a__b", "a_2db", "a.b", "A-b"]
    assert len({mangle(v) for v in variants}) == len(variants)


def test_docstring_examples_hold():
    """Docstrings show exact behaviour (PySB style); keep them true."""
    import doctest

    import bioxen.names
    import bioxen.rules.ribosomes
    import bioxen.units
    for module in (bioxen.names, bioxen.units, bioxen.rules.ribosomes):
        assert doctest.testmod(module).failed == 0, module.__name__
