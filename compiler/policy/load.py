"""Read a policy YAML with source positions and validate it.

Errors name file:line:column, say what was wrong and what is allowed.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from bioxen.errors import Diagnostic, Location, PolicyError, at
from bioxen.policy.schema import Policy


def yaml_location(path: Path, root, loc: tuple, key_itself: bool) -> Location:
    """Follow a pydantic error location through the YAML tree to a line:column."""
    node, line, column = root, 1, 1
    for index, key in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, CommentedMap) and key in node:
            key_line, key_col, value_line, value_col = node.lc.data[key]
            line, column = (key_line, key_col) if (last and key_itself) else (value_line, value_col)
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            line, column = node.lc.data[key]
            node = node[key]
        else:
            break
    return at(path, line + 1, column + 1)


def _allowed(error: dict) -> str | None:
    ctx = error.get("ctx") or {}
    if "expected" in ctx:
        return f"expected {ctx['expected']}"
    return None


def _message(error: dict, model_fields: dict) -> tuple[str, str | None]:
    kind, loc = error["type"], error["loc"]
    name = str(loc[-1]) if loc else "policy"
    if kind == "extra_forbidden":
        return f"unknown key '{name}'", "allowed keys: " + ", ".join(model_fields)
    if kind == "missing":
        return f"missing required key '{name}'", None
    message = error["msg"].removeprefix("Value error, ")
    if not loc:  # a check on the whole policy, e.g. shares that add up to 1 or more
        return message, None
    return f"{name}: {message} (got {error.get('input')!r})", _allowed(error)


def _fields_at(loc: tuple) -> dict:
    """The allowed keys of the schema object at a location (for 'unknown key' hints)."""
    model = Policy
    for key in loc[:-1]:
        if isinstance(key, int):
            continue
        field = model.model_fields.get(key)
        if field is None:
            return {}
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        model = inner if isinstance(inner, type) and hasattr(inner, "model_fields") else annotation
        if not hasattr(model, "model_fields"):
            return {}
    return model.model_fields


def read_policy_yaml(path: Path):
    if not path.is_file():
        raise PolicyError("policy file not found", at(path))
    try:
        return YAML(typ="rt").load(path.read_text())
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise PolicyError(f"invalid YAML: {exc.problem}", at(path, mark.line + 1, mark.column + 1)) from exc


def load_policy(path: str | Path) -> Policy:
    """Validate a policy file; raise PolicyError listing every problem."""
    path = Path(path)
    data = read_policy_yaml(path)
    if not isinstance(data, CommentedMap):
        raise PolicyError("a policy is a YAML mapping (schema_version, host, vms, simulate)", at(path, 1, 1))
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            message, hint = _message(error, _fields_at(loc))
            where = yaml_location(path, data, loc, key_itself=error["type"] == "extra_forbidden")
            errors.append(Diagnostic(message, where, hint))
        raise PolicyError.collected(errors) from None
