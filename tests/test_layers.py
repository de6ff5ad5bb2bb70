"""The stages go one way (docs/architecture.md): a module imports only its own stage and the
stages before it, and no module imports itself back through others.

Read from the source with ast (no import runs), so a lazy import inside a function counts like
one at the top; an import under ``if TYPE_CHECKING:`` counts for the order but not for cycles.
"""
from __future__ import annotations

import ast
import functools
import os
from pathlib import Path

ROOT = Path(os.environ.get("BIOXEN_LAYERS_ROOT", Path(__file__).resolve().parents[1]))
PACKAGES = {"bioxen": ROOT / "compiler", "bioxen.rules": ROOT / "rules"}
# Lowest first; a module may import modules of its own rank or lower. A module belongs to the
# stage of its longest matching prefix. docs/architecture.md explains each stage.
STAGES = (
    ("base", ("bioxen", "bioxen.errors", "bioxen.units", "bioxen.names", "bioxen.progress", "bioxen.outdir",
              "bioxen.quantity", "bioxen.pools", "bioxen.commands", "bioxen.buildspec", "bioxen.formats",
              "bioxen.display", "bioxen.env", "bioxen.roles", "bioxen.hardware")),
    ("front end", ("bioxen.datafile", "bioxen.table", "bioxen.chassis", "bioxen.parts", "bioxen.cello", "bioxen.genome",
                   "bioxen.policy", "bioxen.data")),
    ("IR", ("bioxen.ir", "bioxen.frontend", "bioxen.cache")),
    ("passes", ("bioxen.passes", "bioxen.rna", "bioxen.ring")),
    ("rules", ("bioxen.rules",)),
    ("back end", ("bioxen.backend",)),
    ("pipeline", ("bioxen.pipeline",)),
    ("runtime", ("bioxen.runtime",)),
    ("report", ("bioxen.report",)),
    ("sweep", ("bioxen.sweep",)),
    ("api", ("bioxen.api",)),
    ("cli", ("bioxen.cli",)),
)
# bioxen/__init__.py's __getattr__ hands out bioxen.Hypervisor on first use: a re-export, not a dependency
EXEMPT = {("bioxen", "bioxen.runtime.hypervisor")}
# Known violations, each owned by the work package of issue 18 that removes it (its plan's
# fix number in the reason); the integrator empties this. Nothing else may be added here: fix
# the import instead (docs/architecture.md).
PENDING: dict[tuple[str, str], str] = {}


def modules() -> dict[str, Path]:
    """{module name: file} for every module of bioxen and bioxen.rules."""
    found = {}
    for package, base in PACKAGES.items():
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if package == "bioxen" and parts[:1] == ["rules"]:
                continue
            found[".".join([package, *parts])] = path
    return found


def imports(name: str, path: Path, known) -> list[tuple[str, int, bool]]:
    """(imported bioxen module, line, only under TYPE_CHECKING) for every import in the file."""
    found = []

    def targets(node) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        base = node.module or ""
        if node.level:
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
        return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]

    def walk(node, typing_only):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for module in targets(child):
                    while module not in known and "." in module:
                        module = module.rsplit(".", 1)[0]
                    if module in known and module != name:
                        found.append((module, child.lineno, typing_only))
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                walk(child, True)
            else:
                walk(child, typing_only)

    walk(ast.parse(path.read_text(encoding="utf-8"), str(path)), False)
    return found


def stage_of(module: str) -> int | None:
    """The rank of the stage whose longest prefix matches ``module`` (None: no stage)."""
    best = None
    for index, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return None if best is None else best[0]


@functools.cache
def graph():
    known = modules()
    return known, {name: imports(name, path, known) for name, path in known.items()}


def backward_imports(known, edges, allowed=frozenset()) -> list[str]:
    """``file:line: a (stage) imports b (stage)`` for every import of a later stage."""
    return [f"{known[a].relative_to(ROOT)}:{line}: {a} ({STAGES[stage_of(a)][0]}) imports {b} "
            f"({STAGES[stage_of(b)][0]})"
            for a, found in edges.items() for b, line, _ in found
            if (a, b) not in EXEMPT | allowed and stage_of(b) > stage_of(a)]


def cycles(edges, allowed=frozenset()) -> list[list[str]]:
    """Strongly connected components (Tarjan) of more than one module, over runtime imports."""
    follows = {a: sorted({b for b, _, typing_only in found if not typing_only and (a, b) not in EXEMPT | allowed})
               for a, found in edges.items()}
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in follows[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(follows):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_stage():
    known, _ = graph()
    missing = [f"{path.relative_to(ROOT)}: {name}" for name, path in known.items() if stage_of(name) is None]
    assert not missing, ("modules in no stage; add each to STAGES (see docs/architecture.md, "
                         "'Where a new module goes'):\n" + "\n".join(missing))


def test_no_backward_import():
    backward = backward_imports(*graph(), frozenset(PENDING))
    assert not backward, "imports against the stage order:\n" + "\n".join(backward)


def test_no_cycle():
    found = cycles(graph()[1], frozenset(PENDING))
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_pending_violations_still_exist():
    """A PENDING entry whose import is gone must leave the list, so it cannot hide a new one."""
    _, edges = graph()
    present = {(a, b) for a, found in edges.items() for b, _, _ in found}
    gone = [f"{a} -> {b} ({why.split(':')[0]})" for (a, b), why in PENDING.items() if (a, b) not in present]
    assert not gone, "fixed; remove from PENDING in tests/test_layers.py:\n" + "\n".join(gone)


def test_lazy_and_type_checking_imports_are_seen(tmp_path):
    """A lazy import inside a function is a dependency; one under TYPE_CHECKING counts for the
    order but not for cycles; relative imports resolve against the importing module."""
    known = {"bioxen.ir": tmp_path / "ir.py", "bioxen.backend": tmp_path / "backend" / "__init__.py",
             "bioxen.backend.model": tmp_path / "backend" / "model.py", "bioxen.errors": tmp_path / "errors.py"}
    known["bioxen.ir"].write_text("from typing import TYPE_CHECKING\nfrom bioxen.errors import Location\n"
                                  "if TYPE_CHECKING:\n    from bioxen.backend import model\n"
                                  "def build():\n    from .backend.model import make\n", encoding="utf-8")
    found = imports("bioxen.ir", known["bioxen.ir"], known)
    assert found == [("bioxen.errors", 2, False), ("bioxen.backend.model", 4, True),
                     ("bioxen.backend.model", 6, False)]
    edges = {"bioxen.ir": found, "bioxen.backend.model": [("bioxen.ir", 1, False)], "bioxen.errors": []}
    assert cycles(edges) == [["bioxen.backend.model", "bioxen.ir"]]
    assert cycles({**edges, "bioxen.ir": found[:2]}) == []
    report = backward_imports({name: ROOT / "x.py" for name in known}, {"bioxen.ir": found})
    assert len(report) == 2 and "bioxen.ir (IR) imports bioxen.backend.model (back end)" in report[0]
