"""The JSON Schema of a call file, made from the vocabulary the loader checks against.

``configs/calls/call.schema.json`` is this module's output (a test keeps the two equal); an
editor reading JSON Schema completes and checks a call file's keys with it. Regenerate it after
adding an indicator or a rule keyword:

    .venv/bin/python -m pipeline.call_schema
"""

from __future__ import annotations

import json
from typing import Any

from core.places import PROJECT_ROOT
from signals.library import INDICATORS, REQUIRED
from strategies.call_format import TOP_KEYS
from strategies.call_rules import HOLD_KEYS, PERIODS, RULE_KEYS

SCHEMA_PATH = PROJECT_ROOT / "configs" / "calls" / "call.schema.json"
_NUMBER = {"$ref": "#/$defs/number_or_param"}


def _kind(kind: str) -> dict[str, Any]:
    if "|" in kind:
        return {"enum": kind.split("|")}
    return {
        "number": _NUMBER,
        "whole": _NUMBER,
        "flag": {"type": "boolean"},
        "tickers": {"type": "array", "items": {"type": "string"}},
        "file": {"type": ["string", "null"]},
    }.get(kind, {"type": "string"})


def _indicators() -> dict[str, Any]:
    return {
        name: {
            "type": ["object", "null"],
            "description": f"{indicator.doc} (a {indicator.gives})",
            "additionalProperties": False,
            "properties": {
                key: {**_kind(param.kind), "description": param.doc}
                for key, param in indicator.params.items()
            },
            "required": [
                key for key, p in indicator.params.items() if p.default is None and key in REQUIRED
            ],
        }
        for name, indicator in INDICATORS.items()
    }


def _rule() -> dict[str, Any]:
    properties = {
        "name": {"type": "string", "description": "shown in the switch log and event study"},
        "when": {"type": "string", "description": "a condition: move to go when it holds"},
        "while": {"type": "string", "description": "a condition: show go while it holds"},
        "go": {"type": "string", "description": "the book it moves to"},
        "from": {
            "description": "the books it moves from (default: any)",
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        },
        "hold": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"min": _NUMBER, "max": _NUMBER, "then": {"type": "string"}},
        },
        "cooldown": _NUMBER,
        "check": {"enum": list(PERIODS), "description": "asked every bar, or each period's last"},
    }
    assert set(properties) == set(RULE_KEYS)
    assert set(properties["hold"]["properties"]) == set(HOLD_KEYS)
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["go"],
        "oneOf": [{"required": ["when"]}, {"required": ["while"]}],
        "properties": properties,
    }


def schema() -> dict[str, Any]:
    """The schema of a call file."""
    properties = {
        "call": {"type": "string", "description": "the call's name, shown in reports"},
        "source": {"type": "string", "description": "who made the call, cited in the report"},
        "description": {"type": "string"},
        "params": {
            "type": "object",
            "description": "numbers the books, signals and rules use by name; "
            "--set strategy.params.NAME=VALUE",
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            "additionalProperties": {"type": "number"},
        },
        "books": {
            "type": "object",
            "minProperties": 1,
            "description": "target weights by name: tickers, roles or cash to weights",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": _NUMBER,
                "properties": {
                    "rebalance": {
                        "enum": list(PERIODS),
                        "description": "the book's own schedule (default: execution.rebalance)",
                    }
                },
            },
        },
        "signals": {
            "type": "object",
            "description": "signals by name, each {INDICATOR: {PARAM: value}}",
            "additionalProperties": {"$ref": "#/$defs/signal"},
        },
        "start": {"type": "string", "description": "the book held first (default: the first)"},
        "rotates_into": {"type": "string", "description": "the book the event study compares"},
        "rules": {
            "type": "array",
            "description": "in priority: while-rules overlay, the first when-rule that fires wins",
            "items": {"$ref": "#/$defs/rule"},
        },
    }
    assert set(properties) == set(TOP_KEYS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "call.schema.json",
        "title": "A strategist's call: books, signals and rules (docs/write_a_call.md)",
        "type": "object",
        "additionalProperties": False,
        "required": ["call", "books"],
        "properties": properties,
        "$defs": {
            "number_or_param": {
                "oneOf": [
                    {"type": "number"},
                    {"type": "string", "pattern": "^-?[A-Za-z_][A-Za-z0-9_]*$"},
                ]
            },
            "signal": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "properties": {name: {"$ref": f"#/$defs/indicators/{name}"} for name in INDICATORS},
                "additionalProperties": False,
            },
            "indicators": _indicators(),
            "rule": _rule(),
        },
    }


def text() -> str:
    """The schema as the shipped file holds it."""
    return json.dumps(schema(), indent=2) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(text())
