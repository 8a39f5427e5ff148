"""Reads YAML and JSON files into plain data that remembers where each value stood.

PyYAML's composed nodes carry start marks; walking them once gives both the
data and a map from key path to line, so any later check can name the line of
the value it rejects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem

KeyPath = tuple[str | int, ...]


@dataclass
class Located:
    """Data read from a file, with the line and column of every key path."""

    data: Any
    file: str
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The 1-based line of the value at ``path``, or of its nearest parent."""
        position = self._position(path)
        return position[0] if position else None

    def problem(
        self, message: str, path: KeyPath = (), code: str = "invalid"
    ) -> Problem:
        """A problem at ``path`` in this file, with its line and column filled in."""
        position = self._position(path)
        line, column = position if position else (None, None)
        return Problem(message, self.file, line, column, tuple(path), code)

    def _position(self, path: KeyPath) -> tuple[int, int] | None:
        for end in range(len(path), -1, -1):
            position = self.positions.get(tuple(path[:end]))
            if position:
                return position
        return None


def load(text: str, file: str) -> Located:
    """Parse YAML (JSON is YAML too) and record positions.

    Raises ``ValueError`` with a ``Problem`` as its argument on a syntax error.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise ValueError(_syntax_problem(error, file)) from None

    located = Located(None, file)
    if node is None:
        return located
    constructor = yaml.constructor.SafeConstructor()
    try:
        located.data = _convert(node, (), located.positions, constructor)
    except yaml.YAMLError as error:
        raise ValueError(_syntax_problem(error, file)) from None
    return located


def load_file(path: Path) -> Located:
    """Read and parse one file; see :func:`load`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(Problem("this file does not exist", str(path))) from None
    except (OSError, UnicodeDecodeError) as error:
        problem = Problem(f"this file cannot be read as UTF-8 text: {error}", str(path))
        raise ValueError(problem) from None
    return load(text, str(path))


def _syntax_problem(error: yaml.YAMLError, file: str) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    message = f"YAML syntax error: {reason}; check the indentation and quoting here"
    return Problem(message, file, line, column, (), "syntax")


def _convert(
    node: yaml.Node,
    path: KeyPath,
    positions: dict[KeyPath, tuple[int, int]],
    constructor: yaml.constructor.SafeConstructor,
) -> Any:
    # A key's own line wins over its value's, which for a nested block starts
    # a line later: that is where an editor should point.
    positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))

    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be plain text", key_node.start_mark
                )
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the key {key!r} appears twice in one mapping",
                    key_node.start_mark,
                )
            mark = key_node.start_mark
            key_path = (*path, key)
            positions[key_path] = (mark.line + 1, mark.column + 1)
            result[key] = _convert(value_node, (*path, key), positions, constructor)
        return result

    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), positions, constructor)
            for index, item in enumerate(node.value)
        ]

    return constructor.construct_object(node, deep=True)


def dump_json(data: Any) -> str:
    """JSON text for ``data``, keeping Chinese characters readable."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)


def problems_from_validation(
    error: Any, located: Located, prefix: KeyPath = ()
) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into problems with lines.

    pydantic's locations may end in the names of union members it tried
    (``str``, ``dict[str,str]``); they are dropped so the path is the file's.
    """
    problems = []
    seen: set[tuple[KeyPath, str]] = set()
    for detail in error.errors(include_url=False):
        path = (*prefix, *_file_path(detail["loc"], located, prefix))
        message = _sentence(detail)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        problems.append(located.problem(message, path, code="schema"))
    return problems


def _file_path(loc: tuple[Any, ...], located: Located, prefix: KeyPath) -> KeyPath:
    path: list[str | int] = []
    data = located.data
    for part in prefix:
        inside = isinstance(data, dict) or (
            isinstance(data, list) and isinstance(part, int)
        )
        data = data[part] if inside else None
    for part in loc:
        inside_list = isinstance(data, list) and isinstance(part, int)
        if (isinstance(data, dict) and part in data) or (
            inside_list and part < len(data)
        ):
            data = data[part]
        elif isinstance(data, dict) and isinstance(part, str):
            # A missing or unknown key: keep it, nothing below it exists.
            path.append(part)
            break
        else:
            continue
        path.append(part)
    return tuple(path)


def _sentence(detail: dict[str, Any]) -> str:
    kind = detail["type"]
    value = detail.get("input")
    if kind == "missing":
        return "this field is required; add it"
    if kind == "extra_forbidden":
        return f"{detail['loc'][-1]!r} is not a known field here; check its spelling"
    if kind in ("literal_error", "enum"):
        expected = detail.get("ctx", {}).get("expected", "")
        return f"{value!r} is not allowed here; expected {expected}"
    if kind.startswith(("date_", "datetime_")):
        return f"{value!r} is not a date; write it as YYYY-MM-DD"
    if kind == "string_type" and isinstance(value, bool):
        return (
            f"YAML read this value as {str(value).lower()}, not as text; put it in "
            "quotes (yes, no, on and off are read as true or false)"
        )
    message = str(detail["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if value is not None and not isinstance(value, (dict, list)):
        return f"{message} (got {value!r})"
    return message
