import pytest

from bioxen.units import micromolar, minutes


@pytest.mark.parametrize("text,value", [("6 h", 360), ("20 min", 20), ("90 s", 1.5), ("1 d", 1440),
                                        ("0.5h", 30)])
def test_durations_carry_units(text, value):
    assert minutes(text) == pytest.approx(value)


@pytest.mark.parametrize("text", [6, "6", "6 parsecs", "h", "-"])
def test_durations_without_a_known_unit_are_rejected(text):
    with pytest.raises(ValueError, match="unit|duration"):
        minutes(text)


@pytest.mark.parametrize("text,value", [("4 uM", 4), ("4 µM", 4), ("500 nM", 0.5), ("0.01 mM", 10)])
def test_concentrations_carry_units(text, value):
    assert micromolar(text) == pytest.approx(value)


@pytest.mark.parametrize("text", [4, "4", "4 mg", "-1 uM"])
def test_concentrations_without_a_known_unit_are_rejected(text):
    with pytest.raises(ValueError, match="unit|concentration"):
        micromolar(text)
