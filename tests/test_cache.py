"""The build cache: an unchanged design is copied, any change compiles, and the cache is safe to delete."""
import shutil

import pytest
from typer.testing import CliRunner

from bioxen import cache
from bioxen.cli import app
from bioxen.frontend import read_design

runner = CliRunner()
CACHED = "copied from the cache"


def _compile(policy, out, *extra):
    result = runner.invoke(app, ["compile", str(policy), "-o", str(out), "--formats", "sbml,net", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_unchanged_design_is_copied_from_the_cache(small_policy, tmp_path):
    first = _compile(small_policy, tmp_path / "a")
    assert CACHED not in first
    second = _compile(small_policy, tmp_path / "b")
    assert CACHED in second
    for name in ("model.xml", "model.net", "outputs.json", "locus_map.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert CACHED not in _compile(small_policy, tmp_path / "c", "--no-cache")


def test_a_changed_input_or_format_compiles_again(small_policy, tmp_path):
    _compile(small_policy, tmp_path / "a")
    small_policy.write_text(small_policy.read_text().replace("share: 0.2", "share: 0.3"))
    assert CACHED not in _compile(small_policy, tmp_path / "b")
    assert (tmp_path / "a" / "model.xml").read_text() != (tmp_path / "b" / "model.xml").read_text()
    result = runner.invoke(app, ["compile", str(small_policy), "-o", str(tmp_path / "c"), "--formats", "sbml"])
    assert result.exit_code == 0 and CACHED not in result.output


def test_the_key_follows_the_compiler_source(small_policy, monkeypatch):
    design = read_design(small_policy)
    key = cache.build_key(design, ["sbml"])
    assert cache.build_key(read_design(small_policy), ["sbml"]) == key
    monkeypatch.setattr(cache, "compiler_fingerprint", lambda: "another compiler")
    assert cache.build_key(design, ["sbml"]) != key


@pytest.mark.slow
def test_the_cache_is_safe_to_delete(small_policy, tmp_path):
    _compile(small_policy, tmp_path / "a")
    entries = [p for p in cache.root().iterdir() if not p.name.startswith(".")]
    assert len(entries) == 1
    (entries[0] / "manifest.json").unlink()          # a damaged entry is ignored
    assert CACHED not in _compile(small_policy, tmp_path / "b")
    shutil.rmtree(cache.root())                       # so is a deleted cache
    assert CACHED not in _compile(small_policy, tmp_path / "c")
    assert CACHED in _compile(small_policy, tmp_path / "d")


def test_a_cached_build_names_the_policy_it_was_read_from_now(small_policy, tmp_path):
    """A build served from the cache was compiled from the same contents, maybe at another path
    since deleted: its manifest names where its inputs are now, so `bioxen report --sweep`
    finds the policy (found by a fresh clone whose cache held an older run's build)."""
    import json

    from bioxen.report import policy_of

    _compile(small_policy, tmp_path / "a")
    moved = tmp_path / "elsewhere"
    shutil.copytree(small_policy.parent, moved, ignore=shutil.ignore_patterns("a"))
    small_policy.unlink()
    assert CACHED in _compile(moved / small_policy.name, tmp_path / "b")
    assert policy_of(tmp_path / "b") == moved / small_policy.name
    roles = {i["role"] for i in json.loads((tmp_path / "b" / "manifest.json").read_text())["inputs"]}
    assert "policy" in roles
    assert CACHED in _compile(moved / small_policy.name, tmp_path / "b")    # the same build: nothing to copy
