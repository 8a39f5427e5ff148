"""Shared fixtures: the shipped playbook, the example deals, a playbook writer."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from advisor import Advisor, Deal, load_deal
from advisor.resources import examples_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def default_advisor() -> Advisor:
    return Advisor.load()


@pytest.fixture(scope="session")
def deal_zh() -> Deal:
    return load_deal(examples_dir() / "deal-zh.yaml")


@pytest.fixture(scope="session")
def deal_en() -> Deal:
    return load_deal(examples_dir() / "deal-en.yaml")


@pytest.fixture
def write_playbook(tmp_path: Path) -> Callable[..., Path]:
    """Write a playbook (dedented YAML) into a temporary folder and return its path."""

    def write(text: str, name: str = "playbook.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write
