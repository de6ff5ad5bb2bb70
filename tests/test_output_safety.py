"""Output safety (issue 15): `-o` replaces only a BioXen build, and whole; an interrupt leaves the
old build or the new one, never a mix or hidden leftovers; a damaged cache entry is not served;
model.omex is written whatever the working directory; results and reports are written whole."""
import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bioxen.backend import cache, compile as compile_module, omex
from bioxen.backend.compile import compile_design, write_build
from bioxen.cli import app
from bioxen.errors import CompileError
from bioxen.frontend import read_design
from bioxen.outdir import (OutputError, build_problems, check_out_file, replacing_dir, signals_deferred,
                           staged_files)

from conftest import synthetic_policy

runner = CliRunner()
CACHED = "copied from the cache"
CLI = [sys.executable, "-c", "import sys; from bioxen.cli import main; sys.argv[0] = 'bioxen'; main()"]
# a wide writing window for the interrupt test: copasi and dna take most of a second to write
INTERRUPT_FORMATS = "sbml,bngl,net,dna,antimony,omex,copasi"


@pytest.fixture(scope="module")
def policy(tmp_path_factory) -> Path:
    return synthetic_policy(tmp_path_factory.mktemp("safety"), "small", """
name: small
vms:
  - {{id: vm1, genome: {genome}, ribosomes: {{share: 0.2}}, genetic_code: recode}}
simulate: {{until: 10 min, points: 3}}
""")


@pytest.fixture(scope="module")
def compiled(policy):
    return compile_design(read_design(policy))


@pytest.fixture(scope="module")
def reference(compiled, tmp_path_factory) -> Path:
    """A complete build (never changed by a test: copy it first)."""
    return write_build(compiled, tmp_path_factory.mktemp("reference") / "build", ["sbml", "omex"])


def snapshot(directory: Path) -> dict:
    """Every entry under ``directory`` with its bytes (files) or None (directories)."""
    return {p.relative_to(directory).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(directory.rglob("*"))}


def hidden_beside(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.parent.iterdir() if p.name.startswith("."))


def compile_cli(policy, out, *extra):
    return runner.invoke(app, ["compile", str(policy), "-o", str(out), "--formats", "sbml", *extra])


def refused(result, *words):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and all(w in result.output for w in words), result.output


def copy_of(build: Path, where: Path) -> Path:
    shutil.copytree(build, where)
    return where


# -- what -o may replace ------------------------------------------------------------------

def test_a_folder_of_the_users_files_is_refused_and_untouched(policy, tmp_path):
    mine = tmp_path / "mine"
    (mine / "measurements").mkdir(parents=True)
    (mine / "thesis.txt").write_text("four years of work")
    (mine / "measurements" / "od600.csv").write_text("t,od\n0,0.1\n")
    before = snapshot(tmp_path)
    refused(compile_cli(policy, mine), str(mine), "not a BioXen build")
    refused(compile_cli(policy, mine, "--no-cache"), str(mine), "not a BioXen build")
    assert snapshot(tmp_path) == before


def test_the_working_directory_and_those_above_it_are_refused(policy, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    local = work / "small.yaml"
    local.write_text(policy.read_text())
    monkeypatch.chdir(work)
    before = snapshot(tmp_path)
    for out in (".", "..", str(work), str(tmp_path), "/"):
        refused(compile_cli(local, out), "working directory")
    assert snapshot(tmp_path) == before


def test_a_file_a_symbolic_link_and_an_unwritable_place_are_refused(policy, reference, tmp_path):
    build = copy_of(reference, tmp_path / "build")
    (tmp_path / "link").symlink_to(build)
    before = snapshot(tmp_path)
    refused(compile_cli(policy, tmp_path / "link"), "symbolic link")
    refused(compile_cli(policy, policy), "is a file")
    refused(compile_cli(policy, policy / "build"), "is a file")
    refused(compile_cli(policy, "/proc/bioxen-build"), "cannot write in /proc")   # refuses even root
    assert snapshot(tmp_path) == before


def test_a_build_holding_the_designs_own_input_is_refused(policy, reference, tmp_path):
    build = copy_of(reference, tmp_path / "build")
    inside = build / "small.yaml"
    inside.write_text(policy.read_text())
    before = snapshot(build)
    refused(compile_cli(inside, build), "an input of the design")
    assert snapshot(build) == before


def test_a_new_an_empty_and_an_old_build_directory_are_written(policy, tmp_path):
    new, empty = tmp_path / "new" / "deep" / "build", tmp_path / "empty"
    empty.mkdir()
    for out in (new, empty):
        assert compile_cli(policy, out).exit_code == 0
        assert build_problems(out, exact=True) == [] and hidden_beside(out) == []
    (new / "results.csv").write_text("an old run")
    old = (new / "manifest.json").read_text()
    result = compile_cli(policy, new, "--no-cache")
    assert result.exit_code == 0, result.output
    assert (new / "manifest.json").read_text() != old and not (new / "results.csv").exists()
    assert build_problems(new, exact=True) == [] and hidden_beside(new) == []


def test_build_files_follow_the_umask(policy, tmp_path):
    """Under umask 022 a build (fresh or copied from the cache) and a run's results are readable
    by all: directories 0755, files 0644, never owner-only (issue 17)."""
    previous = os.umask(0o022)
    try:
        fresh, cached = tmp_path / "fresh", tmp_path / "cached"
        assert compile_cli(policy, fresh).exit_code == 0          # compiled (the test's cache is empty)
        result = compile_cli(policy, cached)
        assert result.exit_code == 0 and CACHED in result.output, result.output
        result = runner.invoke(app, ["simulate", str(fresh), "--until", "10 min", "--points", "3"])
        assert result.exit_code == 0, result.output
    finally:
        os.umask(previous)
    modes = {p.relative_to(tmp_path).as_posix(): oct(p.stat().st_mode & 0o777)
             for out in (fresh, cached) for p in [out, *out.rglob("*")]}
    assert "fresh/results.csv" in modes and "cached/model.xml" in modes
    assert {name: mode for name, mode in modes.items()
            if mode != (oct(0o755) if (tmp_path / name).is_dir() else oct(0o644))} == {}


def test_the_api_refuses_too(compiled, tmp_path):
    (tmp_path / "notes.txt").write_text("keep")
    with pytest.raises(OutputError, match="not a BioXen build"):
        write_build(compiled, tmp_path, ["sbml"])
    assert (tmp_path / "notes.txt").read_text() == "keep"


# -- interrupts ---------------------------------------------------------------------------

def test_signals_wait_while_a_build_is_swapped_even_with_other_threads():
    """With another thread running, blocking SIGINT in the main thread does not stop
    Python raising KeyboardInterrupt there; signals_deferred does."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    spinner = threading.Thread(target=time.sleep, args=(1,), daemon=True)
    spinner.start()
    finished = False
    try:
        with pytest.raises(KeyboardInterrupt):
            with signals_deferred():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)
                finished = True
    finally:
        signal.signal(signal.SIGINT, previous)
    assert finished


@pytest.mark.parametrize("failure", [KeyboardInterrupt, SystemExit, CompileError])
def test_a_failed_or_interrupted_write_keeps_the_old_build(compiled, reference, tmp_path, monkeypatch, failure):
    build = copy_of(reference, tmp_path / "build")
    before = snapshot(build)

    def fails(*_):
        raise failure("stopped while writing model.omex")

    monkeypatch.setitem(compile_module.WRITERS, "omex", fails)
    with pytest.raises(failure):
        write_build(compiled, build, ["sbml", "omex"])
    assert snapshot(build) == before and hidden_beside(build) == []


def fake_build(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model.xml").write_text(text)
    files = {"model.xml": hashlib.sha256(text.encode()).hexdigest()}
    (directory / "manifest.json").write_text(json.dumps({"bioxen_manifest": 1, "files": files}))
    return directory


KILLED_BETWEEN_RENAMES = """
import os, signal, sys
from pathlib import Path
from bioxen import outdir
rename = os.rename
def rename_then_die(source, target):
    rename(source, target)
    if "bioxen-trash" in str(target):          # the old build moved aside, the new not yet in
        os.kill(os.getpid(), signal.SIGKILL)
outdir.os.rename = rename_then_die
with outdir.replacing_dir(sys.argv[1]) as staging:
    (staging / "model.xml").write_text("new")
    (staging / "manifest.json").write_text('{"bioxen_manifest": 1, "files": {}}')
"""
KILLED_WHILE_STAGING = """
import os, signal, sys
from bioxen import outdir
with outdir.replacing_dir(sys.argv[1]) as staging:
    (staging / "model.xml").write_text("half")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_what_a_killed_writer_left_is_cleared_and_the_old_build_put_back(tmp_path):
    """SIGKILL cannot be deferred: the next write to the same place tidies up after it."""
    build = fake_build(tmp_path / "build", "old")
    for script in (KILLED_WHILE_STAGING, KILLED_BETWEEN_RENAMES):
        assert subprocess.run([sys.executable, "-c", script, str(build)]).returncode == -signal.SIGKILL
    assert not build.exists() and len(hidden_beside(build)) == 2        # a staging and a trash
    with pytest.raises(CompileError):
        with replacing_dir(build):
            raise CompileError("this compile fails too")
    assert (build / "model.xml").read_text() == "old" and build_problems(build, exact=True) == []
    assert hidden_beside(build) == []


def complete_build(out: Path, files: set[str]) -> str:
    """The manifest of ``out``, after checking it is a complete build of ``files``."""
    assert build_problems(out, exact=True) == [], build_problems(out, exact=True)
    manifest = (out / "manifest.json").read_text()
    assert set(json.loads(manifest)["files"]) == files
    return manifest


def staging_seen(out: Path, process, present: bool = True, limit: float = 60) -> float | None:
    """Wait until the build's staging directory is ``present`` beside ``out`` (writing has
    begun) or not (it was swapped in); the time that took, or None if the process ended first."""
    began = time.perf_counter()
    while process.poll() is None and time.perf_counter() - began < limit:
        if any(".bioxen-staging-" in name for name in os.listdir(out.parent)) == present:
            return time.perf_counter() - began
        time.sleep(0.005)
    return None


def interrupt_runs(command, out: Path, runs: int, seed: int, env=None, reset=lambda: None) -> list[str]:
    """Run ``command`` once whole, timing its writing (from the staging directory appearing
    to its swap into place); then ``runs`` times, each stopped by SIGINT or SIGTERM: a quarter at a
    moment spread over the run before writing, the rest spread over writing, swapping and a
    little after (over the last half of the run if writing was too quick to see), ``reset`` before each.
    After each, ``out`` must be the complete old build or the complete new one, with nothing
    hidden beside it. What happened, one line a run (the whole run's output first)."""
    reset()
    began = time.perf_counter()
    whole = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    before_writing = staging_seen(out, whole)
    writing = staging_seen(out, whole, present=False) if before_writing else None
    output, error = whole.communicate()
    duration = time.perf_counter() - began
    assert whole.returncode == 0, error
    writing = writing or duration - (before_writing or 0)
    files = set(json.loads((out / "manifest.json").read_text())["files"])
    rng, seen = random.Random(seed), [output]
    early = runs // 4 if before_writing else 0
    for run in range(runs):
        reset()
        old = complete_build(out, files)
        stop = (signal.SIGINT, signal.SIGTERM)[run % 2]
        spread = (run - early + rng.random()) / (runs - early)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        if before_writing is None:
            delay = duration * (0.5 + 0.55 * spread)
            moment = f"{delay:.2f} s of {duration:.2f} s"
        elif run < early:
            delay = before_writing * (0.3 + 0.7 * (run + rng.random()) / early)
            moment = f"{delay:.2f} s of {before_writing:.2f} s before writing"
        else:
            delay = writing * 1.5 * spread
            moment = f"{delay:.2f} s into {writing:.2f} s of writing"
            if staging_seen(out, process) is None:
                delay = 0
        time.sleep(delay)
        process.send_signal(stop)
        process.communicate()
        new = complete_build(out, files)
        assert hidden_beside(out) == [], f"{stop.name} {moment} left {hidden_beside(out)}"
        seen.append(f"{stop.name} {moment}: exit {process.returncode}, {'new' if new != old else 'old'} build")
    return seen


@pytest.mark.slow
def test_a_compile_stopped_at_any_moment_leaves_the_old_build_or_the_new(policy, tmp_path, record_property):
    out = tmp_path / "build"
    command = [*CLI, "compile", str(policy), "-o", str(out), "--no-cache", "--formats", INTERRUPT_FORMATS]
    whole, *seen = interrupt_runs(command, out, runs=8, seed=15)
    record_property("measured", "\n".join(seen))
    assert any("exit 0" not in s for s in seen), seen          # the build was stopped, not just raced


@pytest.mark.slow
def test_a_cache_restore_stopped_at_any_moment_leaves_the_old_build_or_the_new(policy, reference, tmp_path,
                                                                             record_property):
    env = {**os.environ, "BIOXEN_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "build"
    filled = subprocess.run([*CLI, "compile", str(policy), "-o", str(tmp_path / "first"), "--formats", "sbml,omex"],
                            capture_output=True, text=True, env=env)
    assert filled.returncode == 0, filled.stderr

    def reset():                    # the old build: the same files, another manifest (its timings)
        shutil.rmtree(out, ignore_errors=True)
        copy_of(reference, out)

    command = [*CLI, "compile", str(policy), "-o", str(out), "--formats", "sbml,omex"]
    whole, *seen = interrupt_runs(command, out, runs=3, seed=16, env=env, reset=reset)
    record_property("measured", "\n".join(seen))
    assert CACHED in whole


def test_a_restore_interrupted_in_copying_keeps_the_old_build_and_the_entry(policy, reference, tmp_path,
                                                                           monkeypatch):
    assert compile_cli(policy, tmp_path / "first").exit_code == 0
    build = copy_of(reference, tmp_path / "build")
    before = snapshot(build)
    copy, copied = cache._copy_hashed, []

    def copy_then_stop(source, target):
        if copied:
            raise KeyboardInterrupt
        copied.append(source)
        return copy(source, target)

    monkeypatch.setattr(cache, "_copy_hashed", copy_then_stop)
    with pytest.raises(KeyboardInterrupt):
        cache.restore(cache.build_key(read_design(policy), ("sbml",)), build)
    assert snapshot(build) == before and hidden_beside(build) == []
    monkeypatch.setattr(cache, "_copy_hashed", copy)
    assert CACHED in compile_cli(policy, build).output                 # the entry was kept


# -- the cache serves only what it stored -------------------------------------------------

@pytest.mark.parametrize("damage", ["changed", "added", "removed"])
@pytest.mark.slow
def test_a_damaged_cache_entry_is_not_served(policy, tmp_path, damage):
    assert compile_cli(policy, tmp_path / "a").exit_code == 0
    (entry,) = [p for p in cache.root().iterdir() if not p.name.startswith(".")]
    if damage == "changed":
        (entry / "model.xml").write_text((entry / "model.xml").read_text().replace("vm1", "vm2"))
    elif damage == "added":
        (entry / "extra.txt").write_text("not from the compiler")
    else:
        (entry / "outputs.json").unlink()
    result = compile_cli(policy, tmp_path / "b")
    assert result.exit_code == 0 and CACHED not in result.output, result.output
    assert (tmp_path / "b" / "model.xml").read_bytes() == (tmp_path / "a" / "model.xml").read_bytes()
    assert build_problems(tmp_path / "b", exact=True) == []
    assert CACHED in compile_cli(policy, tmp_path / "c").output         # a good entry replaced it


def test_a_build_whose_writer_failed_is_not_stored(policy, tmp_path, monkeypatch):
    def fails(*_):
        raise CompileError("model.omex could not be written")

    monkeypatch.setitem(compile_module.WRITERS, "omex", fails)
    result = runner.invoke(app, ["compile", str(policy), "-o", str(tmp_path / "b"), "--formats", "sbml,omex"])
    refused(result, "model.omex could not be written")
    assert not (tmp_path / "b").exists() and hidden_beside(tmp_path / "b") == []
    assert not cache.root().exists() or not [p for p in cache.root().iterdir() if not p.name.startswith(".")]


# -- model.omex ---------------------------------------------------------------------------

def test_omex_is_whole_when_the_working_directory_cannot_be_written(compiled, tmp_path, monkeypatch):
    """libcombine used to put its entries in ./temp*.tmp and archive them empty."""
    monkeypatch.chdir("/proc")
    with pytest.raises(OSError):
        Path("bioxen-probe").write_text("")                           # not even root writes here
    out = write_build(compiled, tmp_path / "build", ["sbml", "omex"])
    with zipfile.ZipFile(out / "model.omex") as archive:
        assert archive.read("model.xml") == (out / "model.xml").read_bytes()
        assert b"<sedML" in archive.read(omex.SEDML_LOCATION)
    assert build_problems(out, exact=True) == [] and hidden_beside(out) == []


def test_an_archive_that_does_not_read_back_is_an_error(compiled, tmp_path, monkeypatch):
    def empty_entries(entries, written, design_name):
        with zipfile.ZipFile(written, "w") as archive:
            for location in entries:
                archive.writestr(location, "")

    monkeypatch.setattr(omex, "_write_archive", empty_entries)
    with pytest.raises(CompileError, match="does not hold model.xml, simulation.sedml"):
        write_build(compiled, tmp_path / "build", ["sbml", "omex"])
    assert not (tmp_path / "build").exists() and hidden_beside(tmp_path / "build") == []



@pytest.mark.parametrize("links", [True, False], ids=["hard link", "no hard links"])
def test_the_archive_written_beside_the_other_formats(compiled, tmp_path, monkeypatch, links):
    """With other formats to write, model.omex is written by a forked child into a hidden
    directory of its own (holding a link to model.xml, or a copy where the file system has no
    hard links), then moved into the build: it archives model.xml byte for byte, the build holds
    nothing else, and a failure there fails the build as in place."""
    if not links:
        def no_links(source, target):
            raise OSError(1, "Operation not permitted")
        monkeypatch.setattr(compile_module.os, "link", no_links)
    children = []
    real = compile_module.forked.Forked
    monkeypatch.setattr(compile_module.forked, "Forked", lambda *a: children.append(a[1]) or real(*a))
    out = write_build(compiled, tmp_path / "build", ["sbml", "net", "omex"])
    assert children == ["writing omex"]
    with zipfile.ZipFile(out / "model.omex") as archive:
        assert archive.read("model.xml") == (out / "model.xml").read_bytes()
    assert build_problems(out, exact=True) == [] and hidden_beside(out) == []
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]

    def fails(build, directory):
        raise CompileError("model.omex could not be written")

    monkeypatch.setitem(compile_module.WRITERS, "omex", fails)
    with pytest.raises(CompileError, match="model.omex could not be written"):
        write_build(compiled, tmp_path / "failed", ["sbml", "net", "omex"])
    assert not (tmp_path / "failed").exists() and hidden_beside(tmp_path / "failed") == []


def test_a_format_refused_beside_the_others_is_listed_and_leaves_nothing(compiled, tmp_path, monkeypatch):
    """COPASI and Antimony refuse a network over their limits from their forked children: under
    ``all`` the build lists why and holds no trace of them; named explicitly, the build fails."""
    monkeypatch.setenv("BIOXEN_COPASI_MAX_REACTIONS", "1")
    children = []
    real = compile_module.forked.Forked
    monkeypatch.setattr(compile_module.forked, "Forked", lambda *a: children.append(a[1]) or real(*a))
    out = write_build(compiled, tmp_path / "build", ["all"])
    assert set(children) >= {"writing copasi", "writing antimony", "writing omex"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert "copasi" not in manifest["formats"] and manifest["formats_refused"]["copasi"].startswith("COPASI: ")
    assert {"antimony", "omex"} <= set(manifest["formats"]) and (out / "model.ant").is_file()
    assert not (out / "model.cps").exists() and build_problems(out, exact=True) == []
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    with pytest.raises(CompileError, match="COPASI: "):
        write_build(compiled, tmp_path / "named", ["sbml", "bngl", "copasi"])
    assert not (tmp_path / "named").exists() and hidden_beside(tmp_path / "named") == []


FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))      # as a write into an open file raises it: no name


def test_a_full_disk_is_said_of_the_builds_file_and_leaves_nothing(compiled, tmp_path, monkeypatch):
    """No room left (a write into an open file names no file; a move into the build names its
    source and its target): an OutputError about the build's own file, never the staging
    directory the user does not see or an internal error, and nothing left behind."""
    out = tmp_path / "build"
    with pytest.raises(OutputError) as caught:
        with replacing_dir(out) as staging:
            with staged_files(staging / "model.xml") as (temporary,):
                temporary.write_text("<sbml")
                raise FULL
    assert str(caught.value).startswith(f"{out / 'model.xml'}: error: cannot write: No space left on device")
    assert not out.exists() and hidden_beside(out) == []

    for failure in (FULL, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "elsewhere" / "design.nt"),
                                  None, str(out / "design.nt"))):
        with pytest.raises(OutputError, match="cannot write: No space left on device") as caught:
            with replacing_dir(out) as staging:
                failure.filename2 = failure.filename2 and str(staging / "design.nt")
                raise failure
        assert str(caught.value).startswith(f"{out}: error:") and not out.exists() and hidden_beside(out) == []

    def full_at_bngl(build, directory):
        (directory / "model.bngl").write_text("begin model")
        raise FULL

    monkeypatch.setitem(compile_module.WRITERS, "bngl", full_at_bngl)
    with pytest.raises(OutputError, match="cannot write: No space left on device"):
        write_build(compiled, out, ["sbml", "bngl"])
    assert not out.exists() and hidden_beside(out) == []


def test_an_error_not_about_room_is_left_alone(tmp_path):
    with pytest.raises(OSError, match="Input/output error"):
        with replacing_dir(tmp_path / "build"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
    assert hidden_beside(tmp_path / "build") == []


def test_names_longer_than_a_file_system_takes_are_refused_up_front(compiled, tmp_path):
    """A build's staging directory is named after it with 25 bytes more, a file's temporary with
    26 more: a name that fits but whose staging name does not was an internal error (ENAMETOOLONG
    from the first stat), as was a path over PATH_MAX."""
    for length, fits in ((230, True), (231, False), (300, False)):
        out = tmp_path / ("x" * length)
        if fits:
            assert write_build(compiled, out, ["sbml"]) == out and (out / "model.xml").is_file()
            continue
        with pytest.raises(OutputError, match=f"the name is {length} bytes long; a file name here takes at most 230"):
            write_build(compiled, out, ["sbml"])
    deep = tmp_path.joinpath(*["d" * 200] * 21)
    with pytest.raises(OutputError, match="the path is .* bytes long; at most 4071 fit"):
        write_build(compiled, deep, ["sbml"])
    with pytest.raises(OutputError, match="a file name here takes at most 229"):
        check_out_file(tmp_path / ("y" * 250 + ".csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x" * 230]


def test_paths_no_file_system_can_hold_are_user_errors(policy, tmp_path):
    """A policy or build path longer than a file name may be, and an output path through a loop
    of symbolic links: exit 1 with the path and what to do, not an internal error (exit 70)."""
    long = tmp_path / ("p" * 300 + ".yaml")
    run = subprocess.run([*CLI, "-q", "compile", str(long)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "error: File name too long" in run.stderr and "give a shorter name" in run.stderr
    run = subprocess.run([*CLI, "-q", "simulate", str(tmp_path / ("b" * 300))], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1 and "File name too long" in run.stderr, run.stderr
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    refused(compile_cli(policy, tmp_path / "loop1" / "build"), str(tmp_path / "loop1" / "build"),
            "loop of symbolic links")

# -- single files: simulate -o, report, sweep -o -------------------------------------------

def test_simulate_refuses_a_directory_a_link_or_an_unwritable_place(reference, tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "kept.csv").write_text("kept")
    (tmp_path / "link.csv").symlink_to(tmp_path / "kept.csv")
    before = snapshot(tmp_path)
    for out, words in ((tmp_path / "results", "is a directory"), (tmp_path / "link.csv", "symbolic link"),
                       (Path("/proc/results.csv"), "cannot write in /proc")):
        refused(runner.invoke(app, ["simulate", str(reference), "-o", str(out)]), str(out), words)
    assert snapshot(tmp_path) == before


def test_simulate_writes_its_table_and_plot_whole(reference, tmp_path):
    out = tmp_path / "runs" / "results.csv"
    result = runner.invoke(app, ["simulate", str(reference), "-o", str(out), "--until", "10 min", "--points", "3"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.parent.iterdir()) == ["results.csv", "results.png"]


def test_an_interrupted_file_write_keeps_the_old_file(tmp_path):
    kept = tmp_path / "results.csv"
    kept.write_text("the old results")
    with pytest.raises(KeyboardInterrupt):
        with staged_files(kept, tmp_path / "results_runs.csv") as (table, runs):
            table.write_text("half of the new")
            raise KeyboardInterrupt
    assert kept.read_text() == "the old results" and sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]


def test_report_and_sweep_refuse_a_directory_where_their_file_goes(policy, reference, tmp_path):
    build = copy_of(reference, tmp_path / "build")
    (build / "report.html").mkdir()
    refused(runner.invoke(app, ["report", str(build)]), "report.html", "is a directory")
    (tmp_path / "sweep.parquet").mkdir()
    refused(runner.invoke(app, ["sweep", str(policy), "--set", "vms.vm1.ribosomes.share=0.1,0.2",
                                "-o", str(tmp_path / "sweep.parquet")]), "is a directory")
