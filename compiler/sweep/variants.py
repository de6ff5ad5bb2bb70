"""Each grid point's policy, validated by the project's own loader, then compiled once.

A variant is the original policy's YAML with the grid point's values set (``grid.assign``),
kept as text in memory and read by the front end as if it were the policy file
(``pipeline.build(path, text=...)``): nothing is written beside the user's policy (or anywhere), and
a genome, expression table, chassis or parts library named by a relative path resolves exactly
as it does for the original. A variant keeps the original's layout (unless a --set adds a
section), so its errors point at the original's lines. A policy without a ``name`` gets the one
the front end would give the original (:func:`bioxen.frontend.design_name`), so every variant's design keeps the original's name.
"""
from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from bioxen.errors import BioxenError, Diagnostic, PolicyError
from bioxen.policy.load import read_policy
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


def variant_text(tree: CommentedMap) -> str:
    """The variant's YAML, laid out as the original's."""
    text = io.StringIO()
    YAML(typ="rt").dump(tree, text)
    return text.getvalue()


def _original_tree(policy_path: Path) -> CommentedMap:
    """The policy's YAML tree, after the loader accepts the policy as written."""
    from bioxen.frontend import design_name

    policy, tree, _ = read_policy(policy_path)
    if policy.name is None:   # the name the front end gives the original, after its file
        tree["name"] = design_name(policy_path, policy)
    return tree


def _variant(tree: CommentedMap, settings: list[Setting], values: tuple) -> CommentedMap:
    variant = copy.deepcopy(tree)
    for setting, value in zip(settings, values):
        assign(variant, setting, value)
    return variant


def _validated(policy_path: Path, tree: CommentedMap) -> Policy:
    from bioxen.frontend import read_policy_text

    return read_policy_text(policy_path, variant_text(tree))[0]


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


def _at_point(exc: BioxenError, point: GridPoint) -> BioxenError:
    """The error, prefixed with the grid point (its locations are already in the original
    policy: the front end read the variant as that file)."""
    return type(exc).collected([Diagnostic(f"grid point {point.index} ({point.describe()}): {d.message}",
                                           d.location, d.hint) for d in exc.errors])


def compile_point(policy_path: Path, tree: CommentedMap, settings: list[Setting], point: GridPoint,
                  formats: tuple[str, ...], work_dir: Path) -> Path:
    """Compile the grid point's variant into ``work_dir/point_N`` (the files ``formats`` name), or
    copy it from the build cache (:mod:`bioxen.cache`) if it was compiled before."""
    from bioxen import pipeline

    values = tuple(point.values[s.path] for s in settings)
    out = work_dir / f"point_{point.index}"
    try:
        pipeline.build(policy_path, out, formats, text=variant_text(_variant(tree, settings, values)))
    except BioxenError as exc:
        raise _at_point(exc, point) from exc
    return out


def design_name(tree: CommentedMap) -> str:
    """The name every variant's design has (the original's)."""
    return str(tree["name"])
