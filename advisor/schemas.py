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

if __name__ == "__main__":
    for path in write_all(Path(__file__).resolve().parent.parent / "schema"):
        print(path)
