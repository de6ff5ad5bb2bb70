"""Errors: every error class lives in bioxen.errors, survives pickling (Dask carries them), and the
CLI shows a user's mistake as diagnostics and BioXen's own fault as one line and a log file."""
from __future__ import annotations

import ast
import builtins
import pickle
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import bioxen.errors as errors_module
from bioxen import cli
from bioxen.errors import BioxenError, DataError, Location, PolicyError

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (ROOT / "compiler", ROOT / "rules")
BUILTIN_EXCEPTIONS = {name for name, value in vars(builtins).items()
                      if isinstance(value, type) and issubclass(value, BaseException)}
BIOXEN_ERRORS = {name for name, value in vars(errors_module).items()
                 if isinstance(value, type) and issubclass(value, BaseException)}


def _base_name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _exception_classes(tree: ast.Module) -> list[ast.ClassDef]:
    """Classes deriving from an exception: a builtin one, one of bioxen.errors, or one of these."""
    known = BUILTIN_EXCEPTIONS | BIOXEN_ERRORS
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    found: list[ast.ClassDef] = []
    while True:
        more = [c for c in classes if c not in found and any(_base_name(b) in known for b in c.bases)]
        if not more:
            return found
        found += more
        known |= {c.name for c in more}


def _all_subclasses(cls: type) -> set[type]:
    direct = set(cls.__subclasses__())
    return direct.union(*(_all_subclasses(c) for c in direct))


def test_no_error_class_outside_errors_py():
    """A user meets one family of errors, all in one module; private control-flow ones are allowed."""
    outside = [f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
               for package in PACKAGES for path in sorted(package.rglob("*.py"))
               if path != ROOT / "compiler" / "errors.py"
               for node in _exception_classes(ast.parse(path.read_text(), str(path)))
               if not node.name.startswith("_")]
    assert outside == []


def test_the_scan_finds_an_error_class():
    """The scan above can fail: it sees a subclass of a bioxen error, a builtin one, and their children."""
    tree = ast.parse("class A(errors.PolicyError): pass\nclass B(A): pass\nclass C(ValueError): pass\n"
                     "class D: pass\n")
    assert [c.name for c in _exception_classes(tree)] == ["A", "C", "B"]


def test_moved_classes_are_the_same_objects_at_their_old_names():
    from bioxen.api.config import ConfigError
    from bioxen.api.language import ProgramError
    from bioxen.backend.formats import FormatRefused as old_refused
    from bioxen.data.reference import DataError as old_data_error
    from bioxen.formats import FormatRefused
    from bioxen.rna import DesignRefused

    assert (ConfigError, ProgramError, FormatRefused, DataError, DesignRefused) == (
        errors_module.ConfigError, errors_module.ProgramError, errors_module.FormatRefused, errors_module.DataError,
        errors_module.DesignRefused)
    assert old_refused is FormatRefused and old_data_error is DataError
    assert issubclass(FormatRefused, errors_module.CompileError)
    assert issubclass(DesignRefused, ValueError)          # callers that catch ValueError still do


def test_every_bioxen_error_is_defined_in_errors_and_pickles():
    import bioxen.api  # noqa: F401  (imports the modules the classes moved out of)
    import bioxen.data.reference  # noqa: F401

    classes = {BioxenError} | _all_subclasses(BioxenError)
    assert len(classes) >= 16
    assert {c.__module__ for c in classes} == {"bioxen.errors"}
    for cls in classes:
        error = cls("bad value", Location("policy.yaml", 12, 5), hint="use 3")
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is cls
        assert again.errors == error.errors and str(again) == str(error)
        assert str(again) == "policy.yaml:12:5: error: bad value\n  hint: use 3"


def test_location_leaves_out_what_it_does_not_know():
    assert [str(Location("a.gb")), str(Location("a.gb", 3)), str(Location("a.gb", 3, 7)),
            str(Location("a.gb", None, 7))] == ["a.gb", "a.gb:3", "a.gb:3:7", "a.gb"]


# --- the CLI's main(): diagnostics for a user's mistake, a log for BioXen's own fault ------------

def _run_main(monkeypatch, raised: BaseException) -> int:
    """main() on an app whose one command raises ``raised``; the exit code."""
    app = typer.Typer()

    @app.command()
    def fails():
        raise raised

    @app.command()
    def other():   # two commands, so the app takes a command name as the real one does
        pass

    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(cli.collector, "one_shot", lambda: None)   # this test session goes on collecting
    monkeypatch.setattr("sys.argv", ["bioxen", "fails"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    return exited.value.code


def test_internal_error_is_one_line_and_a_log(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("BIOXEN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("BIOXEN_DEBUG", raising=False)
    assert _run_main(monkeypatch, RuntimeError("the ribosome pool went negative")) == 70
    stderr = capsys.readouterr().err
    logs = list((tmp_path / "logs").glob("bioxen-*.log"))
    assert len(logs) == 1
    assert stderr.strip() == (f"bioxen: internal error (RuntimeError: the ribosome pool went negative), "
                              f"please report it with {logs[0]}")
    assert "Traceback" not in stderr
    log = logs[0].read_text()
    assert "Traceback (most recent call last)" in log and "RuntimeError: the ribosome pool went negative" in log
    assert "command: bioxen fails" in log and "bioxen " in log.splitlines()[0]


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setenv("BIOXEN_DEBUG", "1")
    with pytest.raises(KeyError):
        _run_main(monkeypatch, KeyError("x"))


def test_user_error_anywhere_is_diagnostics_without_traceback(monkeypatch, capsys):
    error = PolicyError("unknown scheduler 'round-robbin'", Location("policy.yaml", 12, 5))
    assert _run_main(monkeypatch, error) == 1
    stderr = capsys.readouterr().err
    assert stderr.strip() == "policy.yaml:12:5: error: unknown scheduler 'round-robbin'"


def test_interrupt_exits_130(monkeypatch, capsys):
    assert _run_main(monkeypatch, KeyboardInterrupt()) == 130
    assert capsys.readouterr().err.strip() == "interrupted"


def test_data_list_reports_a_data_error(monkeypatch):
    def broken(data):
        raise DataError("bioxen's package data is not on the file system")

    monkeypatch.setattr("bioxen.data.reference.locate", broken)
    result = CliRunner().invoke(cli.app, ["data", "list"])
    assert result.exit_code == 1, result.output
    assert "error: bioxen's package data is not on the file system" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
