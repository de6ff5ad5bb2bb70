"""Read a policy YAML with source positions and validate it.

Errors name file:line:column, say what was wrong and what is allowed. The YAML is read through
:func:`bioxen.datafile.load_yaml` (size, encoding and alias bounds).
"""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap

from bioxen.datafile import load_yaml, validation_errors, yaml_location
from bioxen.errors import PolicyError, at
from bioxen.policy.schema import Policy

__all__ = ["load_policy", "read_policy", "read_policy_yaml", "yaml_location"]


def read_policy_yaml(path: Path):
    """The policy's YAML tree (mappings keep their line:column)."""
    return load_yaml(Path(path), PolicyError, "policy")[0]


def read_policy(path: str | Path) -> tuple[Policy, CommentedMap, bytes]:
    """The validated policy, its YAML tree (to locate later errors) and its bytes (to hash);
    PolicyError lists every problem."""
    path = Path(path)
    data, raw = load_yaml(path, PolicyError, "policy")
    if not isinstance(data, CommentedMap):
        raise PolicyError("a policy is a YAML mapping (schema_version, host, vms, simulate)", at(path, 1, 1))
    try:
        return Policy.model_validate(data), data, raw
    except ValidationError as exc:
        raise PolicyError.collected(validation_errors(exc, path, data, Policy, "policy")) from None


def load_policy(path: str | Path) -> Policy:
    """Validate a policy file; raise PolicyError listing every problem."""
    return read_policy(path)[0]
