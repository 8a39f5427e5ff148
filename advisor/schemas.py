"""JSON Schemas of the advisor's documents, generated from its models.

The files under ``schema/`` are these schemas written out; a test keeps them
in step with the models. Regenerate them with ``python -m advisor.schemas``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from .advice import Advice
from .deal import Deal
from .entries import Entry
from .facts import CATALOGUE

_TITLES = {
    "advice": "Advice returned by a consultation",
    "deal": "A deal file",
    "entries": "Entries recorded in a negotiation",
}


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema called ``name``: advice, deal or entries."""
    if name == "advice":
        document = Advice.model_json_schema(mode="serialization")
    elif name == "deal":
        document = Deal.model_json_schema(by_alias=True)
    elif name == "entries":
        document = TypeAdapter(list[Entry]).json_schema(by_alias=True)
    else:
        raise KeyError(name)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": _TITLES[name],
        **{key: value for key, value in document.items() if key != "title"},
    }


def schema_text(name: str) -> str:
    return json.dumps(schema(name), ensure_ascii=False, indent=2) + "\n"


def write_all(folder: Path) -> list[Path]:
    """Write every schema into ``folder`` as NAME.schema.json."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in _TITLES:
        path = folder / f"{name}.schema.json"
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


NAMES = tuple(_TITLES)


def facts_reference() -> str:
    """The fact catalogue as Markdown: every kind and field a rule can test."""
    lines = [
        "# Facts a playbook rule can match",
        "",
        "Generated from `advisor/facts.py` by `python -m advisor.schemas`;",
        "do not edit by hand. Every fact also has `kind` and `id`.",
        "",
    ]
    for kind, fields in CATALOGUE.items():
        lines.extend(
            [f"## `{kind}`", "", "| field | type | meaning |", "| --- | --- | --- |"]
        )
        lines.extend(
            f"| `{name}` | {kind_of} | {meaning} |"
            for name, (kind_of, meaning) in fields.items()
        )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    for path in write_all(root / "schema"):
        print(path)
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "facts.md").write_text(facts_reference(), encoding="utf-8")
    print(root / "docs" / "facts.md")
