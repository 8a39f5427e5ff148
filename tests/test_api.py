"""The public Python API: what it exports, and that its schemas are current."""

from __future__ import annotations

from pathlib import Path

import pytest

import advisor
from advisor.schemas import NAMES, schema_text

ROOT = Path(__file__).resolve().parent.parent


def test_the_public_api_is_exactly_what_all_lists() -> None:
    public = {
        name
        for name, value in vars(advisor).items()
        if not name.startswith("_") and not isinstance(value, type(advisor))
    }

    assert public == set(advisor.__all__)
    assert advisor.__all__ == sorted(advisor.__all__)


@pytest.mark.parametrize("name", NAMES)
def test_the_published_json_schemas_match_the_models(name: str) -> None:
    published = (ROOT / "schema" / f"{name}.schema.json").read_text(encoding="utf-8")

    assert published == schema_text(name), "run: python -m advisor.schemas"


def test_the_readme_example_runs() -> None:
    from advisor import Advisor, load_deal

    brief = Advisor.load().consult(load_deal(ROOT / "examples" / "deal-en.yaml"))

    assert brief.recommendations[0].rule == "strategy.quality_first"
    assert brief.model_dump_json().startswith('{"playbook":')
