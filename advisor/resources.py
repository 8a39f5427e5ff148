"""Where the shipped playbooks, rule modules and examples live.

In a source checkout they are the top-level ``playbooks/``, ``rules/`` and
``examples/`` folders; an installed package carries copies under
``advisor/_data/``. Both layouts are looked up, the checkout first, so an
editable install sees edits at once.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(folder: str) -> Path:
    checkout = _PACKAGE.parent / folder
    if checkout.is_dir():
        return checkout
    return _PACKAGE / "_data" / folder


def playbooks_dir() -> Path:
    return _shipped("playbooks")


def rules_dir() -> Path:
    return _shipped("rules")


def examples_dir() -> Path:
    return _shipped("examples")


def default_playbook() -> Path:
    """The playbook a new user gets when none is named."""
    return playbooks_dir() / "default.yaml"
