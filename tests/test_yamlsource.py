"""Reading YAML with the line of every value, and errors that point at lines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import Problem
from advisor.yamlsource import load


def test_every_key_path_knows_its_line() -> None:
    located = load("deal:\n  title: T\ngoals:\n  - id: a\n    tier: must\n", "d.yaml")

    assert located.line_of(("deal", "title")) == 2
    assert located.line_of(("goals", 0, "tier")) == 5


def test_an_unknown_path_falls_back_to_its_nearest_parent() -> None:
    located = load("deal:\n  title: T\n", "d.yaml")

    assert located.line_of(("deal", "missing", "deeper")) == 1


def test_a_key_given_twice_is_an_error_at_the_second() -> None:
    with pytest.raises(ValueError) as caught:
        load("a: 1\nb: 2\na: 3\n", "d.yaml")

    problem = caught.value.args[0]
    assert (problem.line, problem.code) == (3, "syntax")
    assert "the key 'a' appears twice in one mapping" in problem.message


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}'\"#&*!|> \n\t1")), max_size=60))
def test_any_text_either_loads_or_gives_one_problem(text: str) -> None:
    try:
        load(text, "fuzz.yaml")
    except ValueError as error:
        problem = error.args[0]
        assert isinstance(problem, Problem)
        assert problem.file == "fuzz.yaml"
