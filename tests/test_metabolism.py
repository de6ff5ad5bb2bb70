"""Flux balance behind run_metabolic_pathways: iMB155 for Syn3A, E. coli core for MG1655,
constrained by knockouts, expression and glucose."""
import os
import subprocess
import sys
import textwrap

import pytest

from bioxen.api.metabolism import MetabolismError, ecoli_core_model, flux_balance, model_for, syn3a_model

RIBOFLAVIN_KINASE = "JCVISYN3A_0291"     # MMSYN1_0291: RBFK and FMNAT, essential in iMB155


@pytest.fixture(scope="module")
def imb155(shared):
    return syn3a_model(shared / "data")


def test_imb155_grows_and_maps_its_genes_onto_the_genomes_locus_tags(imb155, shared):
    state = flux_balance(imb155)
    assert state.status == "optimal" and state.grows
    assert state.growth == pytest.approx(0.6834, abs=1e-3)     # Breuer et al. 2019's model, as cobra solves it
    assert len(imb155.to_model) == 155 and imb155.to_model[RIBOFLAVIN_KINASE] == "MMSYN1_0291"
    assert model_for(["JCVISYN3A_0001"], shared / "data").name == "iMB155"


def test_an_essential_knockout_stops_growth_and_names_the_lost_reactions(imb155):
    state = flux_balance(imb155, knockouts=[RIBOFLAVIN_KINASE])
    assert state.growth == 0.0 and not state.grows
    assert state.lost_reactions == ("FMNAT", "RBFK")
    assert flux_balance(imb155).growth > 0.6         # the model itself is unchanged afterwards


def test_a_knockout_outside_metabolism_removes_nothing_and_says_so(imb155):
    state = flux_balance(imb155, knockouts=["JCVISYN3A_0001"])     # dnaA: no metabolic reaction
    assert state.grows and state.lost_reactions == () and state.not_in_model == ("JCVISYN3A_0001",)


def test_lower_expression_of_a_rate_limiting_enzyme_lowers_growth_in_proportion(imb155):
    full = flux_balance(imb155).growth
    half = flux_balance(imb155, expression={RIBOFLAVIN_KINASE: 0.5})
    assert set(half.capped) == {"RBFK", "FMNAT"}
    assert half.growth == pytest.approx(0.5 * full, rel=1e-3)
    assert flux_balance(imb155, expression={RIBOFLAVIN_KINASE: 2.0}).growth == pytest.approx(full)


def test_without_glucose_neither_model_grows():
    ecoli = ecoli_core_model()
    assert flux_balance(ecoli).growth == pytest.approx(0.8739, abs=1e-3)
    assert flux_balance(ecoli, glucose_available=False).growth == 0.0


def test_syn3a_without_glucose_cannot_grow(imb155):
    assert flux_balance(imb155, glucose_available=False).growth == 0.0


def test_a_missing_metabolic_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("BIOXEN_DATA_PATH", raising=False)
    with pytest.raises(MetabolismError, match="iMB155_syn3a_metabolism.xml not found"):
        syn3a_model(tmp_path)


def test_losing_the_race_for_cobrapys_cache_directory_does_not_fail_the_import(tmp_path):
    """Two processes importing cobra at once on a new machine (pytest -n 2, Dask workers): cobra
    makes its cache directory without exist_ok, so the one that loses the race gets
    FileExistsError. Here the other process wins every time: the directory appears just as this
    one creates it."""
    script = textwrap.dedent("""
        import pathlib
        made = pathlib.Path.mkdir
        def lose_the_race(self, mode=0o777, parents=False, exist_ok=False):
            made(self, mode, parents, exist_ok=True)          # the other process's mkdir
            if self.name == "cobrapy" and not exist_ok:
                raise FileExistsError(17, "File exists", str(self))
        pathlib.Path.mkdir = lose_the_race
        import bioxen.api.metabolism
        import cobra
        print(cobra.Configuration().cache_directory)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == str(tmp_path / "cobrapy")
