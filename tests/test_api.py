"""The public Python API: what it exports, and that its schemas are current."""

from __future__ import annotations

from pathlib import Path

import pytest

import advisor
from advisor.schemas import NAMES, facts_reference, schema_text

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


def test_the_fact_reference_lists_every_fact_field() -> None:
    published = (ROOT / "docs" / "facts.md").read_text(encoding="utf-8")

    assert published == facts_reference(), "run: python -m advisor.schemas"


def test_the_readmes_python_example_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)

    exec(compile(example, "README.md", "exec"), {})

    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == (
        "80 Stress technical barriers and service guarantees [strategy.quality_first]"
    )
    assert printed[-1].startswith('{"playbook":{"name":"default"')
