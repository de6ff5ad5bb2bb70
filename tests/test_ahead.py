"""The DNA written ahead (bioxen.backend.ahead): a forked process writes it while the model
compiles; the build holds the same files as one written in place, and whatever the child raises
(or its death) reaches the user as the format's error, with nothing left behind."""
import os
import tempfile

import pytest

from bioxen import pipeline
from bioxen.backend import ahead as ahead_module, compile as compile_module
from bioxen.backend.compile import compile_design, write_build
from bioxen.errors import BioxenError, CompileError
from bioxen.frontend import read_design
from conftest import two_vm_policy

DNA_FILES = ("vm_vm1.gb", "vm_vm2.gb", "hypervisor.gb", "bom.csv", "sequence_qa.json", "design.nt")


@pytest.fixture
def policy(tmp_path, synthetic_genbank):
    return two_vm_policy(tmp_path / "two.yaml", synthetic_genbank, 60, 7)


def _leftovers() -> set[str]:
    return {p.name for p in os.scandir(tempfile.gettempdir()) if p.name.startswith("bioxen-dna-")}


def test_dna_written_ahead_is_the_dna_written_in_place(policy, tmp_path, monkeypatch):
    forked = []
    real_job = ahead_module._Job
    monkeypatch.setattr(ahead_module, "_Job", lambda *a: forked.append(a[0]) or real_job(*a))
    before = _leftovers()
    built = pipeline.build(policy, tmp_path / "ahead", formats=["dna"], use_cache=False)
    assert forked == ["dna"]                       # the DNA was written by a child process
    in_place = write_build(compile_design(read_design(policy)), tmp_path / "in_place", formats=["dna"])
    for name in DNA_FILES:
        assert (built.out / name).read_bytes() == (in_place / name).read_bytes(), name
    assert _leftovers() == before                  # the child's directory is gone


def test_the_child_writing_ahead_writes_sbol3_in_two_processes(policy, tmp_path, monkeypatch):
    """The DNA's child may fork a helper of its own (it is daemonic only to its parent): with
    the threshold lowered, the two VMs' SBOL3 is written in two halves, and design.nt is the one
    written in place, in one process, byte for byte."""
    import bioxen.backend.sbol as sbol

    in_place = write_build(compile_design(read_design(policy)), tmp_path / "in_place", formats=["dna"])
    monkeypatch.setattr(sbol, "SPLIT_FEATURES", 1)
    writers = tmp_path / "writers"
    writers.mkdir()
    real = sbol._checked_text

    def noted(doc):          # each process that writes a half leaves its pid
        (writers / str(os.getpid())).touch()
        return real(doc)

    monkeypatch.setattr(sbol, "_checked_text", noted)
    pipeline.build(policy, tmp_path / "ahead", formats=["dna"], use_cache=False)
    assert (tmp_path / "ahead" / "design.nt").read_bytes() == (in_place / "design.nt").read_bytes()
    pids = {int(p.name) for p in writers.iterdir()}
    assert len(pids) == 2 and os.getpid() not in pids, pids      # the child and its helper


def test_a_build_without_dna_forks_nothing(policy, tmp_path, monkeypatch):
    monkeypatch.setattr(ahead_module, "_Job", lambda *a: pytest.fail("forked for a build without DNA"))
    built = pipeline.build(policy, tmp_path / "sbml", formats=["sbml"], use_cache=False)
    assert not any((built.out / name).exists() for name in DNA_FILES)


def _refuses(design, directory):
    (directory / "vm_vm1.gb").write_text("half a record")
    raise CompileError("hypervisor gene tetR: no DNA in the parts library", hint="add it to parts.yaml")


def test_the_childs_error_is_the_builds_error_and_nothing_is_left(policy, tmp_path, monkeypatch):
    monkeypatch.setitem(compile_module.AHEAD, "dna", _refuses)
    before = _leftovers()
    with pytest.raises(CompileError, match="hypervisor gene tetR: no DNA") as raised:
        pipeline.build(policy, tmp_path / "out", formats=["dna"], use_cache=False)
    assert raised.value.errors[0].hint == "add it to parts.yaml"   # the error as raised, hint included
    assert not (tmp_path / "out").exists()          # no partial build
    assert _leftovers() == before


def test_a_child_that_dies_is_named(policy, tmp_path, monkeypatch):
    monkeypatch.setitem(compile_module.AHEAD, "dna", lambda design, directory: os._exit(3))
    with pytest.raises(BioxenError, match="writing dna ahead: its process ended with exit code 3"):
        pipeline.build(policy, tmp_path / "out", formats=["dna"], use_cache=False)
    assert not (tmp_path / "out").exists()


def test_a_compile_that_fails_stops_the_child(policy, tmp_path, monkeypatch):
    """The model fails to build after the child started: the child is stopped, its files removed."""
    def slow(design, directory):
        (directory / "vm_vm1.gb").write_text("x")
        import time
        time.sleep(60)

    def broken(*args, **kwargs):
        raise CompileError("rules: broken on purpose")

    monkeypatch.setitem(compile_module.AHEAD, "dna", slow)
    monkeypatch.setattr(compile_module, "build_model", broken)
    before = _leftovers()
    with pytest.raises(CompileError, match="broken on purpose"):
        pipeline.build(policy, tmp_path / "out", formats=["dna"], use_cache=False)
    assert _leftovers() == before
    assert not (tmp_path / "out").exists()
