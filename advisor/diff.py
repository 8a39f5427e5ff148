"""What a playbook change does to real advice, case by case.

Both versions of a playbook run on the same cases and deal files through the
real engine. For each input the advice of the two is compared item by item:
a strategy recommended, a flag raised, a rebuttal given, a rule fired. Items
that appear, disappear or change priority or severity are listed, with a
summary a team can read in a review before merging the change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .advice import Advice
from .cases import Case, Expectation, case_files, read_case
from .consult import Advisor
from .errors import InputError, Problem
from .inputs import load_deal
from .yamlsource import load_file

logger = logging.getLogger(__name__)

ChangeKind = Literal["appears", "disappears", "changes"]


@dataclass(frozen=True)
class Item:
    """One piece of advice, keyed so the same item matches across versions."""

    key: tuple[str, ...]
    label: str
    priority: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Change:
    """An item that appears, disappears or changes between the two versions."""

    kind: ChangeKind
    label: str
    detail: str = ""

    def line(self) -> str:
        mark = {"appears": "+", "disappears": "-", "changes": "~"}[self.kind]
        return f"{mark} {self.label}" + (f": {self.detail}" if self.detail else "")


@dataclass
class InputDiff:
    """The changes for one case or deal file; ``problems`` when it could not run."""

    path: Path
    name: str
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class PlaybookDiff:
    """The changes over every input, and a summary of them."""

    inputs: list[InputDiff] = field(default_factory=list)

    def count(self, kind: ChangeKind) -> int:
        return sum(c.kind == kind for item in self.inputs for c in item.changes)

    @property
    def changed(self) -> list[InputDiff]:
        return [item for item in self.inputs if item.changes]

    def summary(self) -> str:
        broken = sum(bool(item.problems) for item in self.inputs)
        text = (
            f"{len(self.inputs)} inputs, {len(self.changed)} with changed advice: "
            f"{self.count('appears')} items appear, {self.count('disappears')} "
            f"disappear, {self.count('changes')} change"
        )
        return text + (f"; {broken} could not be read" if broken else "")

    def to_text(self) -> str:
        """Each input whose advice changed, its changes, then the summary."""
        lines: list[str] = []
        for item in self.inputs:
            if not item.changes and not item.problems:
                continue
            lines.append(f"{item.path}: {item.name}")
            lines.extend(f"  {change.line()}" for change in item.changes)
            lines.extend(f"  {problem}" for problem in item.problems)
        lines.append(self.summary())
        return "\n".join(lines) + "\n"


def diff_playbooks(
    old: Advisor, new: Advisor, paths: Iterable[str | Path]
) -> PlaybookDiff:
    """Run ``old`` and ``new`` on every case and deal file under ``paths``."""
    result = PlaybookDiff()
    for path in case_files(paths):
        try:
            case = read_input(path)
        except InputError as error:
            result.inputs.append(InputDiff(path, path.stem, problems=error.problems))
            continue
        before = old.consult(case.deal, case.entries, lang=case.lang)
        after = new.consult(case.deal, case.entries, lang=case.lang)
        result.inputs.append(InputDiff(path, case.name, compare(before, after)))
    logger.info("compared playbooks on %d inputs", len(result.inputs))
    return result


def read_input(path: Path) -> Case:
    """A case file, or a plain deal file taken as a case with no expectations."""
    try:
        data = load_file(path).data
    except ValueError as error:
        raise InputError([error.args[0]]) from None
    if isinstance(data, dict) and "customer" in data:
        deal = load_deal(path)
        return Case(path, deal.deal.title, deal, [], None, Expectation())
    return read_case(path, None)


def compare(before: Advice, after: Advice) -> list[Change]:
    """The changes from ``before`` to ``after``, strategies first, then flags."""
    old, new = items_of(before), items_of(after)
    changes: list[Change] = []
    for key, item in new.items():
        previous = old.get(key)
        if previous is None:
            changes.append(Change("appears", item.label, _said(item)))
            continue
        moved = []
        if previous.priority != item.priority:
            moved.append(f"priority {previous.priority} -> {item.priority}")
        if previous.detail != item.detail:
            moved.append(f"{previous.detail} -> {item.detail}")
        if moved:
            changes.append(Change("changes", item.label, "; ".join(moved)))
    changes.extend(
        Change("disappears", item.label, _said(item))
        for key, item in old.items()
        if key not in new
    )
    return changes


def _said(item: Item) -> str:
    parts = [f"priority {item.priority}"] if item.priority is not None else []
    return ", ".join([*parts, *([item.detail] if item.detail else [])])


def items_of(advice: Advice) -> dict[tuple[str, ...], Item]:
    """Every piece of advice and every rule fired, keyed across versions.

    A flag is known by its rule and its place among that rule's flags, so a
    change of severity or wording shows as a change, not as one flag gone and
    another new.
    """
    items: dict[tuple[str, ...], Item] = {}
    for rec in advice.recommendations:
        label = f"strategy {rec.strategy} (rule {rec.rule})"
        key: tuple[str, ...] = ("strategy", rec.strategy)
        items[key] = Item(key, label, rec.priority)
    seen: dict[str, int] = {}
    for flag in advice.flags:
        seen[flag.rule] = seen.get(flag.rule, 0) + 1
        key = ("flag", flag.rule, str(seen[flag.rule]))
        detail = f"{flag.severity} {flag.message!r}"
        items[key] = Item(key, f"flag from rule {flag.rule}", flag.priority, detail)
    for reb in advice.rebuttals:
        key = ("rebuttal", reb.rebuttal, reb.objection, reb.entry or "")
        label = f"rebuttal {reb.rebuttal} to a {reb.objection} objection"
        items[key] = Item(key, f"{label} (rule {reb.rule})", reb.priority)
    for rule in dict.fromkeys(advice.fired):
        items[("fired", rule)] = Item(("fired", rule), f"rule {rule} fires")
    return items
