"""Reading YAML inputs (policies, chassis profiles, parts libraries) with bounds, and BioXen's
own data files checked by a schema.

Every YAML file goes through :func:`load_yaml`: a size limit, UTF-8 text without NUL, aliases
bounded (a 1.3 KB "billion laughs" file expands to 10^9 nodes) and no recursive structures;
every error names file:line:column. Every number in a data file is a finite value with units
and the source it was read from.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from bioxen.errors import BioxenError, Diagnostic, Location, at
from bioxen.quantity import Quantity

MAX_YAML_BYTES = 1_000_000      # a policy is ~1 KB, the E. coli chassis 7 KB
MAX_YAML_NODES = 100_000        # scalars, keys, mappings and lists, every alias expanded
MAX_YAML_DEPTH = 64             # a policy nests 5 deep
MAX_SHOWN = 60                  # characters of a user's value quoted in a message


class SourcedQuantity(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    value: float
    units: str
    source: str = Field(min_length=1)


def quantities(raw: dict[str, SourcedQuantity]) -> dict[str, Quantity]:
    return {key: Quantity(q.value, q.units, q.source) for key, q in raw.items()}


# --- text ------------------------------------------------------------------------------------

def _line_column(raw: bytes | str, offset: int) -> tuple[int, int]:
    newline = "\n" if isinstance(raw, str) else b"\n"
    return raw.count(newline, 0, offset) + 1, offset - (raw.rfind(newline, 0, offset) + 1) + 1


def read_bytes(path: Path, error: type[BioxenError], what: str, limit: int, hint: str | None = None) -> bytes:
    """A file's bytes, or ``error`` saying why not: missing, a directory, over ``limit`` bytes
    (``hint``: how to raise the limit, if it can be)."""
    if path.is_dir():
        raise error(f"{what} is a directory, not a file", at(path))
    if path.exists() and not path.is_file():
        raise error(f"{what} is not a regular file (a device, pipe or socket)", at(path), hint="give a file")
    if not path.is_file():
        raise error(f"{what} not found", at(path))
    size = path.stat().st_size
    if size > limit:
        raise error(f"{what} is {size:,} bytes; the limit is {limit:,} bytes", at(path), hint=hint)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", at(path)) from None


def decode_text(raw: bytes, path: Path, error: type[BioxenError], what: str) -> str:
    """UTF-8 text (a BOM allowed), or ``error`` naming the place that is not: UTF-16, binary, NUL."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(f"{what} is UTF-16 text, not UTF-8", at(path, 1, 1), hint="save it as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_column(raw, exc.start)
        raise error(f"{what} is not UTF-8 text (byte 0x{raw[exc.start]:02x})", at(path, line, column),
                    hint="save it as UTF-8 text; binary files cannot be read") from None
    nul = text.find("\0")
    if nul >= 0:
        raise error(f"{what} holds a NUL character (binary data?), not text", at(path, *_line_column(text, nul)))
    return text


# --- YAML ------------------------------------------------------------------------------------

class _Constructor(RoundTripConstructor):
    """Round-trip construction whose failing scalars (``2001-02-30``, a 5,000-digit int) are
    located errors, not bare ValueErrors."""

    def construct_non_recursive_object(self, node, tag=None):
        try:
            return super().construct_non_recursive_object(node, tag)
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            why = "more than 4,300 digits" if "integer string conversion" in str(exc) else clip(str(exc))
            raise ConstructorError(None, None, f"cannot read value {shown(node.value)}: {why}",
                                   node.start_mark) from None


def _children(node) -> list:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return list(node.value) if isinstance(node, SequenceNode) else []


def _check_expansion(root, path: Path, error: type[BioxenError], what: str) -> None:
    """Refuse a node graph whose aliases expand past MAX_YAML_NODES or MAX_YAML_DEPTH, or refer
    to their own ancestors. Sizes are memoised per node, so the check is linear in the file."""
    sizes: dict[int, tuple[int, int]] = {}   # id(node) -> (expanded nodes, depth)
    active: set[int] = set()                 # the current path from the root
    stack = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key, mark = id(node), node.start_mark
        if finished:
            active.discard(key)
            below = [sizes[id(child)] for child in _children(node)]
            count, depth = 1 + sum(c for c, _ in below), 1 + max((d for _, d in below), default=0)
            if count > MAX_YAML_NODES:
                raise error(f"{what}: more than {MAX_YAML_NODES:,} YAML values here (counting every value an "
                            "alias repeats)", at(path, mark.line + 1, mark.column + 1),
                            hint="anchors (&) and aliases (*) are for small repeats; is this the right file?")
            if depth > MAX_YAML_DEPTH:
                raise error(f"{what}: YAML nested more than {MAX_YAML_DEPTH} levels deep here",
                            at(path, mark.line + 1, mark.column + 1))
            sizes[key] = (count, depth)
        elif key in active:
            raise error(f"{what}: a YAML alias refers to a structure that contains it (a recursive "
                        "structure)", at(path, mark.line + 1, mark.column + 1))
        elif key not in sizes:
            active.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _yaml_error(exc: YAMLError, text: str, path: Path, error: type[BioxenError], what: str) -> BioxenError:
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot parse"
        where = at(path, mark.line + 1, mark.column + 1) if mark else at(path)
        return error(f"invalid YAML: {problem}", where)
    if isinstance(exc, ReaderError):
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        return error(f"invalid YAML: character U+{code:04X} is not allowed in YAML text",
                     at(path, *_line_column(text, exc.position)))
    return error(f"invalid YAML in {what}: {str(exc)[:200]}", at(path))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return yaml


def load_yaml(path: Path, error: type[BioxenError], what: str, limit: int = MAX_YAML_BYTES):
    """A YAML file's round-trip tree (mappings keep line:column) and its bytes, within the bounds
    above. The file is composed, its aliases checked (nodes share them: composing a bomb is cheap,
    expanding it is not), then constructed."""
    raw = read_bytes(path, error, what, limit)
    text = decode_text(raw, path, error, what)
    try:
        node = _yaml().compose(text)
        if node is None:   # an empty document
            return None, raw
        _check_expansion(node, path, error, what)
        return _yaml().constructor.construct_document(node), raw
    except YAMLError as exc:
        raise _yaml_error(exc, text, path, error, what) from None
    except RecursionError:
        raise error(f"{what}: YAML nested too deeply to read (limit {MAX_YAML_DEPTH} levels)", at(path)) from None


# --- validation messages ---------------------------------------------------------------------

def clip(text: str, limit: int = MAX_SHOWN) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def shown(value) -> str:
    """A user's value for a message, bounded (a mapping or list is described, never printed)."""
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key(s)"
    if isinstance(value, (list, tuple, set, frozenset)):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an integer of {value.bit_length():,} bits"
    return clip(repr(value[:MAX_SHOWN + 1] if isinstance(value, str) else value))


def refuse_at(message: str, *loc) -> PydanticCustomError:
    """A validation error located below the validated object (``loc`` keys from it), e.g. the
    second of two repeated list items: ``raise refuse_at("...", 3)``."""
    return PydanticCustomError("bioxen_refused", message, {"at": loc})


def yaml_location(path: Path, root, loc: tuple, key_itself: bool) -> Location:
    """Follow a pydantic error location through the YAML tree to a line:column."""
    node, line, column = root, 0, 0
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


def _fields_at(model: type[BaseModel], loc: tuple) -> dict:
    """The allowed keys of the schema object at a location (for 'unknown key' hints)."""
    for key in loc[:-1]:
        if isinstance(key, int):
            continue
        field = getattr(model, "model_fields", {}).get(key)
        if field is None:
            return {}
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        model = inner if isinstance(inner, type) and hasattr(inner, "model_fields") else annotation
        if not hasattr(model, "model_fields"):
            return {}
    return model.model_fields


def _message(error: dict, fields: dict, what: str) -> tuple[str, str | None]:
    kind, loc = error["type"], error["loc"]
    name = clip(str(loc[-1])) if loc else what
    if kind == "extra_forbidden":
        return f"unknown key '{name}'", ("allowed keys: " + ", ".join(fields)) if fields else None
    if kind == "missing":
        return f"missing required key '{name}'", None
    message = clip(error["msg"].removeprefix("Value error, "), 300)
    if kind == "bioxen_refused":  # the message says what it got
        return (f"{name}: {message}" if loc else message), None
    if not loc:  # a check on the whole file, e.g. shares that add up to 1 or more
        return message, None
    expected = (error.get("ctx") or {}).get("expected")
    return f"{name}: {message} (got {shown(error.get('input'))})", f"expected {expected}" if expected else None


def validation_errors(exc: ValidationError, path: Path, tree, model: type[BaseModel], what: str) -> list[Diagnostic]:
    """Every error of a validation, located in the YAML tree it came from."""
    errors = []
    for error in exc.errors():
        loc = tuple(error["loc"]) + tuple((error.get("ctx") or {}).get("at", ()))
        message, hint = _message(error, _fields_at(model, loc), what)
        where = yaml_location(path, tree, loc, key_itself=error["type"] == "extra_forbidden")
        errors.append(Diagnostic(message, where, hint))
    return errors


def read_data_file(path: Path, schema: type[BaseModel], error: type[BioxenError], what: str):
    """Validate one data file; return the parsed model, its YAML tree (to locate later errors)
    and the raw bytes (for hashing)."""
    tree, raw = load_yaml(path, error, what)
    if not isinstance(tree, dict):
        raise error(f"a {what} is a YAML mapping", at(path, 1, 1))
    try:
        parsed = schema.model_validate(tree)
    except ValidationError as exc:
        raise error.collected([Diagnostic(f"invalid {what}: {d.message}", d.location, d.hint)
                               for d in validation_errors(exc, path, tree, schema, what)]) from None
    return parsed, tree, raw


def sign_errors(path: Path, tree, group: str, values: dict[str, float], positive=(), fractions=(),
                what: str = "") -> list[Diagnostic]:
    """Physical values out of range, located: every value is >= 0; those in ``positive`` (sizes,
    thresholds, Hill coefficients: divisors) > 0; those in ``fractions`` at most 1."""
    errors = []
    for key, value in values.items():
        if key in positive and value <= 0:
            wrong = "must be > 0 (it is a size, a threshold or a Hill coefficient)"
        elif value < 0:
            wrong = "must be >= 0 (it is a rate, an amount or a concentration)"
        elif key in fractions and value > 1:
            wrong = "is a fraction: between 0 and 1"
        else:
            continue
        loc = (group, key, "value") if isinstance(tree.get(group, {}).get(key), dict) else (group, key)
        errors.append(Diagnostic(f"invalid {what}: {group}.{clip(key)} {wrong}, not {value:g}",
                                 yaml_location(path, tree, loc, key_itself=False)))
    return errors
