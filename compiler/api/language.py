"""The call language of ``vm.execute_biological_process``: one function call, read by a grammar.

    run_operon(["lacZ", "lacY", "lacA"])
    run_metabolic_pathways(glucose_available=True)
    create_cellular_context({"runtime_duration": 60,   # seconds
                             "environmental_context": {"temperature": 37}})

A program is one call of a known function with literal arguments: strings (single or double
quotes, JSON escapes), numbers, ``True``/``False``/``None`` (or ``true``/``false``/``null``),
lists and dicts with string keys; positional arguments before keyword ones; ``#`` comments and
line breaks anywhere between tokens. Nothing in a program is evaluated or executed: the text
is parsed by lark (LALR) into values, and every name is looked up in :data:`FUNCTIONS`, a
plain table. A bad program raises :class:`ProgramError` with the line and column and a caret
under the spot.

Limits, checked on the raw text before it is parsed (so no input can exhaust the parser's
stack or the machine): ``MAX_PROGRAM`` characters, lists and dicts nested at most
``MAX_NESTING`` deep (counted by a scan of the brackets outside strings and comments), and at
most ``MAX_ITEMS`` values in one list or dict.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lark import Lark, Token, Transformer, UnexpectedInput, v_args
from lark.exceptions import VisitError

from bioxen.errors import Location, ProgramError  # noqa: F401  (ProgramError: re-exported)

GRAMMAR = r"""
start: NAME "(" [arguments] ")"
arguments: argument ("," argument)* [","]
?argument: value            -> positional
         | NAME "=" value   -> keyword
?value: STRING              -> string
      | NUMBER              -> number
      | TRUE                -> true
      | FALSE               -> false
      | NONE                -> none
      | "[" [value ("," value)* [","]] "]"      -> list
      | "{" [pair ("," pair)* [","]] "}"        -> dict
pair: STRING ":" value

TRUE.2: /(True|true)(?![A-Za-z0-9_])/
FALSE.2: /(False|false)(?![A-Za-z0-9_])/
NONE.2: /(None|null)(?![A-Za-z0-9_])/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
STRING: /"(?:[^"\\\n]|\\.)*"/ | /'(?:[^'\\\n]|\\.)*'/
NUMBER: /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![A-Za-z0-9_.])/
COMMENT: /#[^\n]*/
%ignore /[ \t\r\n]+/
%ignore COMMENT
"""

_PARSER = Lark(GRAMMAR, parser="lalr", propagate_positions=True)
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")
MAX_PROGRAM = 100_000     # characters
MAX_NESTING = 32          # lists and dicts inside each other
MAX_ITEMS = 20_000        # values in one list or dict: twice the genes of the largest bacterial genomes
_OPENING, _CLOSING = "[{", "]}"
SHOWN_LINE = 100          # characters of a program's line an error shows
MAX_DIGITS = 400          # digits in one number (a double's range ends at 309)


def _located(text: str, message: str, line: int, column: int, hint: str | None = None) -> ProgramError:
    """An error at ``line``:``column`` (1-based) with the line and a caret under the spot."""
    lines = text.split("\n")   # lines as the parser counts them
    source, offset = lines[min(line, len(lines)) - 1], column - 1
    if len(source) > SHOWN_LINE:   # a window around the spot of a long line
        start = max(0, min(offset - SHOWN_LINE // 2, len(source) - SHOWN_LINE))
        source = ("..." if start else "") + source[start:start + SHOWN_LINE] + \
            ("..." if start + SHOWN_LINE < len(source) else "")
        offset = offset - start + (3 if start else 0)
    caret = f"\n  {source}\n  {' ' * offset}^"
    return ProgramError(message + caret, Location("<program>", line, column), hint)


def _string(token: Token) -> str:
    """The text of a quoted string, its escapes decoded (JSON's, and ``\\'``)."""
    def decode(match: re.Match) -> str:
        code = match.group(1)
        if code.startswith("u") and len(code) == 5:
            return chr(int(code[1:], 16))
        if code in _ESCAPES:
            return _ESCAPES[code]
        raise ValueError(f"unknown escape '\\{code}' in string")
    return _ESCAPE.sub(decode, token[1:-1])


@dataclass(frozen=True)
class Argument:
    """One argument: its value, keyword (None if positional) and where it starts."""

    value: object
    keyword: str | None
    line: int
    column: int


@dataclass(frozen=True)
class Call:
    """A parsed program: the function's name, its arguments in order, and where it starts."""

    function: str
    arguments: tuple[Argument, ...]
    line: int = 1
    column: int = 1


@v_args(inline=True)
class _Values(Transformer):
    """Parse tree -> Python values (only literals exist; nothing is looked up or called)."""

    def string(self, token):
        return _string(token)

    def number(self, token):
        text = str(token)
        digits = sum(c.isdigit() for c in text)
        if digits > MAX_DIGITS:
            raise ValueError(f"a number of {digits:,} digits; at most {MAX_DIGITS}")
        return float(text) if any(c in text for c in ".eE") else int(text)

    def true(self, _):
        return True

    def false(self, _):
        return False

    def none(self, _):
        return None

    def list(self, *items):
        return [] if items == (None,) else _counted(list(items))

    def pair(self, key, value):
        return _string(key), value

    def dict(self, *pairs):
        return {} if pairs == (None,) else _counted(dict(pairs))


def _counted(values):
    if len(values) > MAX_ITEMS:
        raise ValueError(f"a list or dict of {len(values):,} values; at most {MAX_ITEMS:,}")
    return values


def _nesting(text: str) -> tuple[int, int, int] | None:
    """Where brackets first nest deeper than ``MAX_NESTING`` (line, column, depth), counting
    ``[`` and ``{`` outside strings and comments; None if they never do. A loop over the
    characters, not a recursion: a program of 10,000 nested lists is 20 kB."""
    depth, line, column, quote, comment, escaped = 0, 1, 0, None, False, False
    for char in text:
        column += 1
        if char == "\n":
            line, column, quote, comment = line + 1, 0, None, False   # strings and comments end at a line's end
        elif comment:
            continue
        elif quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote, escaped = char, False
        elif char == "#":
            comment = True
        elif char in _OPENING:
            depth += 1
            if depth > MAX_NESTING:
                return line, column, depth
        elif char in _CLOSING:
            depth = max(depth - 1, 0)
    return None


def parse(text: str) -> Call:
    """The call a program makes, or a :class:`ProgramError` saying where and why not."""
    if not isinstance(text, str):
        raise ProgramError(f"a biological program is text, not {type(text).__name__}")
    if len(text) > MAX_PROGRAM:
        raise ProgramError(f"program of {len(text):,} characters; at most {MAX_PROGRAM:,}",
                           hint="a program is one call; give long gene lists as several calls")
    deep = _nesting(text)
    if deep is not None:
        raise _located(text, f"lists or dicts nested deeper than {MAX_NESTING} (this bracket opens level "
                             f"{deep[2]})", deep[0], deep[1])
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as exc:
        raise _unexpected(text, exc) from None
    name, arguments_tree = tree.children
    arguments = []
    for node in (arguments_tree.children if arguments_tree is not None else []):
        try:
            if node.data == "keyword":
                keyword, value = str(node.children[0]), _Values().transform(node.children[1])
            else:
                keyword, value = None, _Values().transform(node.children[0])
        except VisitError as exc:
            raise _located(text, str(exc.orig_exc), node.meta.line, node.meta.column) from None
        arguments.append(Argument(value, keyword, node.meta.line, node.meta.column))
    return Call(str(name), tuple(arguments), name.line, name.column)


def _unexpected(text: str, exc: UnexpectedInput) -> ProgramError:
    line, column = max(exc.line, 1), max(exc.column, 1)
    if not text.strip():
        return ProgramError("empty program; expected a call such as run_operon([\"geneA\"])")
    token = getattr(exc, "token", None)
    if token is not None and token.type == "$END":
        lines = text.rstrip().splitlines()
        return _located(text, "the program ends before its call is complete (unclosed bracket or string?)",
                        len(lines), len(lines[-1]) + 1)
    position = exc.pos_in_stream or 0
    what = repr(str(token)) if token is not None else repr(text[position:position + 1])
    if position and _after_call(text, position):
        return _located(text, f"unexpected {what} after the call: a program is one call", line, column)
    expected = sorted(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())
    hint = f"expected one of: {', '.join(expected)}" if expected else None
    return _located(text, f"unexpected {what}", line, column, hint)


def _after_call(text: str, position: int) -> bool:
    """Whether ``text[:position]`` is already one whole call (so what follows is trailing code)."""
    try:
        _PARSER.parse(text[:position])
        return True
    except UnexpectedInput:
        return False


# -- the functions a program may call ---------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    """A parameter of a program function: its name, the Python types it takes, its default."""

    name: str
    types: tuple[type, ...]
    required: bool = False
    default: object = None
    items: tuple[type, ...] | None = None    # for a list: the types of its items


def _kind(types: tuple[type, ...]) -> str:
    names = {bool: "True or False", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "a dict", type(None): "None"}
    return " or ".join(dict.fromkeys(names[t] for t in types))


def _accepts(value, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


# The functions a program may call and their parameters; what each runs is
# :data:`bioxen.api.processes.PROCESSES` (durations are seconds of cell time).
FUNCTIONS: dict[str, tuple[Parameter, ...]] = {
    "run_operon": (Parameter("genes", (list,), required=True, items=(str,)),
                   Parameter("duration", (int, float), default=None)),
    "execute_cell_cycle_checkpoint": (),
    "run_metabolic_pathways": (Parameter("glucose_available", (bool,), default=True),
                               Parameter("conditions", (dict,), default=None)),
    "create_cellular_context": (Parameter("settings", (dict,), default=None),),
}


def bind(text: str, call: Call) -> dict[str, object]:
    """The call's arguments by parameter name (defaults filled in), checked against
    :data:`FUNCTIONS`; ``text`` is the program, for the error's caret."""
    if call.function not in FUNCTIONS:
        raise _located(text, f"unknown function '{call.function}'", call.line, call.column,
                       hint=f"expected one of: {', '.join(FUNCTIONS)}")
    parameters = FUNCTIONS[call.function]
    by_name = {p.name: p for p in parameters}
    bound: dict[str, object] = {}
    for position, argument in enumerate(call.arguments):
        if argument.keyword is None:
            if any(a.keyword for a in call.arguments[:position]):
                raise _located(text, "a positional argument after a keyword argument",
                               argument.line, argument.column)
            if position >= len(parameters):
                raise _located(text, f"{call.function}() takes {len(parameters)} argument(s), "
                               f"got {len(call.arguments)}", argument.line, argument.column)
            parameter = parameters[position]
        elif argument.keyword not in by_name:
            raise _located(text, f"{call.function}() has no argument '{argument.keyword}'",
                           argument.line, argument.column,
                           hint=f"expected one of: {', '.join(by_name) or '(none)'}")
        else:
            parameter = by_name[argument.keyword]
        if parameter.name in bound:
            raise _located(text, f"argument '{parameter.name}' given twice", argument.line, argument.column)
        if not _accepts(argument.value, parameter.types):
            raise _located(text, f"argument '{parameter.name}' of {call.function}() must be "
                           f"{_kind(parameter.types)}, not {type(argument.value).__name__}",
                           argument.line, argument.column)
        if parameter.items and not all(_accepts(item, parameter.items) for item in argument.value):
            raise _located(text, f"argument '{parameter.name}' of {call.function}() must be a list of "
                           f"{_kind(parameter.items).replace('a ', '', 1)}s", argument.line, argument.column)
        bound[parameter.name] = argument.value
    for parameter in parameters:
        if parameter.name not in bound:
            if parameter.required:
                raise _located(text, f"{call.function}() needs argument '{parameter.name}'",
                               call.line, call.column)
            bound[parameter.name] = parameter.default
    return bound


def read_program(text: str) -> tuple[str, dict[str, object]]:
    """A program's function name and its bound arguments (:func:`parse`, then :func:`bind`)."""
    call = parse(text)
    return call.function, bind(text, call)
