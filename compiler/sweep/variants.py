"""Each grid point's policy, validated by the project's own loader, then compiled once.

A variant is the original policy's YAML with the grid point's values set (``grid.assign``),
written beside the original as a hidden temporary file (``.NAME.sweep-XXXX.yaml``, always
removed), so a genome, expression table, chassis or parts library named by a relative path
resolves exactly as it does for the original. A policy without a ``name`` gets the one
``read_design`` would give the original, so every variant's design keeps the original's name.
"""
from __future__ import annotations

import copy
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from bioxen.errors import BioxenError, Diagnostic, PolicyError, at
from bioxen.policy import load_policy
from bioxen.policy.load import read_policy_yaml
from bioxen.policy.schema import Policy
from bioxen.sweep.grid import Setting, assign, grid_points


@dataclass(frozen=True)
class GridPoint:
    """One point of the grid: its index, the swept values by path, and its validated policy."""

    index: int
    values: dict
    policy: Policy

    def describe(self) -> str:
        return describe(self.values)


def describe(values: dict) -> str:
    """``vms.vm1.ribosomes.share=0.2, host.nutrient_quality=0.5``"""
    return ", ".join(f"{path}={value}" for path, value in values.items()) or "the policy as written"


@contextmanager
def variant_file(policy_path: Path, tree: CommentedMap):
    """The variant as a hidden file beside the original, removed on leaving."""
    try:
        handle = tempfile.NamedTemporaryFile("w", dir=policy_path.parent, prefix=f".{policy_path.stem}.sweep-",
                                             suffix=".yaml", delete=False, encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot write the sweep's policy variants beside {policy_path}: {exc}",
                          hint="relative paths in a policy resolve against its directory, which must be "
                               "writable; copy the policy (and the files it names) somewhere writable") from exc
    path = Path(handle.name)
    try:
        with handle:
            YAML(typ="rt").dump(tree, handle)
        yield path
    finally:
        path.unlink(missing_ok=True)


def _original_tree(policy_path: Path) -> CommentedMap:
    """The policy's YAML tree, after the loader accepts the policy as written."""
    policy = load_policy(policy_path)
    tree = read_policy_yaml(policy_path)
    if policy.name is None:   # as read_design names a design after its policy file
        tree["name"] = re.sub(r"[^A-Za-z0-9_.-]", "_", policy_path.stem)
    return tree


def _variant(tree: CommentedMap, settings: list[Setting], values: tuple) -> CommentedMap:
    variant = copy.deepcopy(tree)
    for setting, value in zip(settings, values):
        assign(variant, setting, value)
    return variant


def _validated(policy_path: Path, tree: CommentedMap) -> Policy:
    with variant_file(policy_path, tree) as path:
        return load_policy(path)


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return list({(d.message, d.hint): d for d in diagnostics}.values())


def _check_each_value(policy_path: Path, tree: CommentedMap, settings: list[Setting]) -> None:
    """Every value alone on the original: what the schema rejects names its --set option."""
    errors = []
    for setting in settings:
        for value in setting.values:
            variant = _variant(tree, [setting], (value,))   # a path that leads nowhere raises here
            try:
                _validated(policy_path, variant)
            except PolicyError as exc:
                errors += [Diagnostic(f"{setting.option}: {d.message}", hint=d.hint) for d in exc.errors]
    if errors:
        raise PolicyError.collected(_unique(errors))


def policy_grid(policy_path: str | Path, settings: list[Setting]) -> tuple[CommentedMap, list[GridPoint]]:
    """The original policy's tree and every grid point, each variant accepted by the policy
    loader; otherwise a PolicyError naming the --set option (a value) or the grid point (a
    combination, such as ribosome shares that add up to 1 or more)."""
    policy_path = Path(policy_path)
    tree = _original_tree(policy_path)
    _check_each_value(policy_path, tree, settings)
    points, errors = [], []
    for index, values in enumerate(grid_points(settings)):
        swept = {s.path: v for s, v in zip(settings, values)}
        try:
            policy = _validated(policy_path, _variant(tree, settings, values))
        except PolicyError as exc:
            errors += [Diagnostic(f"grid point {index} ({describe(swept)}): {d.message}", hint=d.hint)
                       for d in exc.errors]
        else:
            points.append(GridPoint(index, swept, policy))
    if errors:
        raise PolicyError.collected(errors)
    return tree, points


def _at_original(exc: BioxenError, temporary: Path, original: Path, point: GridPoint) -> BioxenError:
    """The error, prefixed with the grid point and located in the original policy (at the same
    line: a variant keeps the original's layout, unless a --set added a section)."""
    def moved(d: Diagnostic) -> Diagnostic:
        where = d.location
        if where is not None and Path(where.file) == temporary:
            where = at(original, where.line, where.column)
        return Diagnostic(f"grid point {point.index} ({point.describe()}): {d.message}", where, d.hint)
    return type(exc).collected([moved(d) for d in exc.errors])


def compile_point(policy_path: Path, tree: CommentedMap, settings: list[Setting], point: GridPoint,
                  formats: tuple[str, ...], work_dir: Path) -> Path:
    """Compile the grid point's variant into ``work_dir/point_N`` (the files ``formats`` name), or
    copy it from the build cache (:mod:`bioxen.backend.cache`) if it was compiled before."""
    from bioxen.backend.compile import compile_to
    from bioxen.frontend import read_design

    values = tuple(point.values[s.path] for s in settings)
    out = work_dir / f"point_{point.index}"
    with variant_file(policy_path, _variant(tree, settings, values)) as path:
        try:
            compile_to(read_design(path), out, formats)
        except BioxenError as exc:
            raise _at_original(exc, path, policy_path, point) from exc
    return out


def design_name(tree: CommentedMap) -> str:
    """The name every variant's design has (the original's)."""
    return str(tree["name"])
