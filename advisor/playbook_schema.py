"""The JSON Schema of the playbook format, for editors that complete and check YAML.

pydantic describes the sections of a playbook file; conditions and actions
are free-form there, because the compiler checks them with better messages
than a schema could. Editors need more, so the ``when`` and ``then`` items are
described here from the fact catalogue: every fact kind with its fields and
their meaning, every operator, every kind of action. A field a fact kind does
not have is then underlined while typing, and completion offers the rest.
"""

from __future__ import annotations

from typing import Any

from .cases import CaseFile
from .compiler import OPERATORS
from .facts import CATALOGUE
from .plan import SEVERITIES
from .playbook import PlaybookFile

Schema = dict[str, Any]

_SCALAR: Schema = {"type": ["string", "number", "boolean"]}
_TEXT: Schema = {
    "anyOf": [
        {"type": "string"},
        {"type": "object", "additionalProperties": {"type": "string"}},
    ],
    "description": "A text, or one per language: {zh: ..., en: ...}.",
}


def playbook_schema() -> Schema:
    """The JSON Schema of a playbook file or a rule module from ``rules/``."""
    schema = PlaybookFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Negotiation advisor playbook"
    defs = schema["$defs"]
    rule = defs["RuleSpec"]["properties"]
    rule["when"]["items"] = {"$ref": "#/$defs/Pattern"}
    rule["then"]["items"] = {"$ref": "#/$defs/Action"}
    defs["ConditionValue"] = _condition_value()
    defs["Pattern"] = _pattern(defs)
    defs["Action"] = _action()
    return schema


def case_schema() -> Schema:
    """The JSON Schema of a playbook test case file."""
    schema = CaseFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Negotiation advisor playbook test case"
    return schema


def _condition_value() -> Schema:
    operators: Schema = {op: _SCALAR for op in OPERATORS}
    operators["in"] = operators["not_in"] = {"type": "array", "items": _SCALAR}
    operators["exists"] = {"type": "boolean"}
    return {
        "description": "A value to equal, a list of values (any of them), or "
        "{operator: value}. Values may be $settings.NAME or $alias.field.",
        "anyOf": [
            _SCALAR,
            {"type": "array", "items": _SCALAR, "minItems": 1},
            {
                "type": "object",
                "properties": operators,
                "additionalProperties": False,
                "minProperties": 1,
            },
        ],
    }


def _conditions(kind: str | None, defs: Schema) -> Schema:
    name = f"Conditions_{kind}" if kind else "Conditions"
    ref = {"$ref": f"#/$defs/{name}"}
    properties: Schema = {}
    if kind:
        for field, (kind_of, meaning) in CATALOGUE[kind].items():
            properties[field] = {
                "$ref": "#/$defs/ConditionValue",
                "description": f"{meaning} ({kind_of})",
            }
        properties["id"] = {"$ref": "#/$defs/ConditionValue"}
    properties["all"] = {"type": "array", "items": ref, "description": "All hold."}
    properties["any"] = {"type": "array", "items": ref, "description": "One holds."}
    properties["not"] = {**ref, "description": "These do not hold."}
    defs[name] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False if kind else {"$ref": "#/$defs/ConditionValue"},
    }
    return ref


def _pattern(defs: Schema) -> Schema:
    described: list[Schema] = [
        {
            "type": "object",
            "properties": {kind: _conditions(kind, defs)},
            "required": [kind],
            "additionalProperties": False,
        }
        for kind in CATALOGUE
    ]
    derived: Schema = {
        "type": "object",
        "description": "A fact a rule of this playbook derives with assert.",
        "minProperties": 1,
        "maxProperties": 1,
        "propertyNames": {"not": {"enum": [*CATALOGUE, "fact"]}},
        "additionalProperties": _conditions(None, defs),
    }
    named: Schema = {
        "type": "object",
        "properties": {
            "fact": {"type": "string", "description": "The fact kind to match."},
            "as": {
                "type": "string",
                "pattern": r"^[A-Za-z_]\w*$",
                "description": "A name for the fact, for $name.field and messages.",
            },
            "where": {"type": "object", "description": "Conditions on its fields."},
            "at_least": {
                "type": "integer",
                "minimum": 2,
                "description": "Wait for this many matching facts.",
            },
        },
        "required": ["fact"],
        "additionalProperties": False,
    }
    return {
        "description": "KIND: {conditions}, or fact: KIND with as, where, at_least.",
        "anyOf": [*described, derived, named],
    }


def _action() -> Schema:
    def one(key: str, value: Schema, description: str) -> Schema:
        return {
            "type": "object",
            "properties": {key: {**value, "description": description}},
            "required": [key],
            "additionalProperties": False,
        }

    flag: Schema = {
        "type": "object",
        "properties": {
            "severity": {"enum": list(SEVERITIES)},
            "message": {
                **_TEXT,
                "description": "May show {alias.field} of the facts the rule matched.",
            },
        },
        "required": ["severity", "message"],
        "additionalProperties": False,
    }
    derived: Schema = {
        "type": "object",
        "properties": {
            "fact": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": True},
        },
        "required": ["fact"],
        "additionalProperties": False,
    }
    return {
        "oneOf": [
            one("recommend", {"type": "string"}, "A strategy of this playbook."),
            one("flag", flag, "A warning for the salesperson."),
            one("rebut", {"type": "string"}, "A rebuttal of this playbook."),
            one("assert", derived, "Derive a fact other rules can match."),
        ]
    }
