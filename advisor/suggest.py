"""Playbook changes the review's evidence supports, as a patch a team applies.

Three kinds of change, each with the numbers behind it:

- raise or lower the priority of the rules that recommend a strategy whose
  win rate when used differs from when not used by at least ``MIN_GAP``;
- retire (``enabled: false``) the rules that give a rebuttal which worked in
  fewer than ``RETIRE_BELOW`` of the uses judged;
- flag a customer type whose win rate trails the other types by ``MIN_GAP``,
  as a comment above the rules written for that type.

Nothing is suggested on fewer than ``min_sample`` cases on each side of a
comparison, so three lucky deals never move a rule. The advisor never edits a
playbook: ``playbook_patch`` returns a unified diff (with the playbook's
version raised) for the team to read and apply with ``git apply``.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .playbook import PlaybookSource, Sourced
from .review import AdviceTally, Review, Tally

logger = logging.getLogger(__name__)

#: Fewest decided negotiations on each side of a comparison.
MIN_SAMPLE = 20

#: Smallest difference in win rate worth a change.
MIN_GAP = 0.10

#: A rebuttal that works less often than this, over enough uses, is retired.
RETIRE_BELOW = 0.30

#: How far one suggestion moves a rule's priority.
PRIORITY_STEP = 10


@dataclass(frozen=True)
class Edit:
    """One line edit: replace line ``line`` (1-based), or insert before it."""

    file: str
    line: int
    text: str
    insert: bool = False


@dataclass
class Suggestion:
    """One reviewable playbook change and the evidence for it."""

    kind: str
    target: str
    reason: str
    rules: list[str] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)


def suggest(
    review: Review, source: PlaybookSource, min_sample: int = MIN_SAMPLE
) -> list[Suggestion]:
    """The changes to ``source`` that ``review`` supports, strongest evidence first.

    Only rules that exist in ``source`` are touched; advice from rules it no
    longer has is left out.
    """
    rules = {sourced.spec.id: sourced for sourced in source.rules}
    suggestions: list[Suggestion] = []
    for tally in review.advice:
        if tally.item_type == "recommendation":
            suggestions.extend(_priority_change(tally, rules, min_sample))
        elif tally.item_type == "rebuttal":
            suggestions.extend(_retirement(tally, source, min_sample))
    suggestions.extend(_weak_customer_types(review, source, min_sample))
    logger.info("%d playbook changes suggested", len(suggestions))
    return suggestions


def _priority_change(
    tally: AdviceTally, rules: dict[str, Sourced], min_sample: int
) -> list[Suggestion]:
    if min(tally.used_decided, tally.not_used_decided) < min_sample:
        return []
    used, unused = tally.win_rate_used or 0.0, tally.win_rate_not_used or 0.0
    gap = used - unused
    if abs(gap) < MIN_GAP:
        return []
    step = PRIORITY_STEP if gap > 0 else -PRIORITY_STEP
    chosen = [rules[rule] for rule in tally.rules if rule in rules]
    edits = [edit for sourced in chosen for edit in _priority_edits(sourced, step)]
    if not edits:
        return []
    verb = "raise" if gap > 0 else "lower"
    reason = (
        f"strategy {tally.key}: won {used:.0%} when used "
        f"({tally.used_won} of {tally.used_decided}) against {unused:.0%} when not "
        f"({tally.not_used_won} of {tally.not_used_decided}); {verb} the priority "
        f"of {', '.join(s.spec.id for s in chosen)} by {PRIORITY_STEP}"
    )
    return [
        Suggestion(
            f"{verb}_priority", tally.key, reason, [s.spec.id for s in chosen], edits
        )
    ]


def _priority_edits(sourced: Sourced, step: int) -> list[Edit]:
    old = int(sourced.spec.priority)
    new = max(0, min(100, old + step))
    if new == old:
        return []
    position = sourced.located.positions.get((*sourced.path, "priority"))
    if position is None:
        return _insert_key(sourced, f"priority: {new}")
    line = _line(sourced, position[0])
    text = re.sub(r"(priority:\s*)\d+", rf"\g<1>{new}", line, count=1)
    return [Edit(sourced.located.file, position[0], text)]


def _retirement(
    tally: AdviceTally, source: PlaybookSource, min_sample: int
) -> list[Suggestion]:
    rate = tally.effective_rate
    if tally.judged < min_sample or rate is None or rate >= RETIRE_BELOW:
        return []
    chosen = [
        sourced
        for sourced in source.rules
        if {"rebut": tally.key} in sourced.spec.then and sourced.spec.enabled
    ]
    edits = [edit for sourced in chosen for edit in _disable_edits(sourced)]
    if not edits:
        return []
    reason = (
        f"rebuttal {tally.key}: worked in {rate:.0%} of the uses judged "
        f"({tally.effective} of {tally.judged}); retire it by disabling "
        f"{', '.join(s.spec.id for s in chosen)} and write a better reply"
    )
    return [
        Suggestion(
            "retire_rebuttal", tally.key, reason, [s.spec.id for s in chosen], edits
        )
    ]


def _disable_edits(sourced: Sourced) -> list[Edit]:
    position = sourced.located.positions.get((*sourced.path, "enabled"))
    if position is None:
        return _insert_key(sourced, "enabled: false")
    line = _line(sourced, position[0])
    text = re.sub(r"(enabled:\s*)\w+", r"\g<1>false", line, count=1)
    return [Edit(sourced.located.file, position[0], text)]


def _weak_customer_types(
    review: Review, source: PlaybookSource, min_sample: int
) -> list[Suggestion]:
    suggestions = []
    for tally in review.by_customer_type:
        others = _others(review.by_customer_type, tally)
        if min(tally.decided, others.decided) < min_sample:
            continue
        mine, theirs = tally.win_rate or 0.0, others.win_rate or 0.0
        if theirs - mine < MIN_GAP:
            continue
        reason = (
            f"customer type {tally.key}: won {mine:.0%} ({tally.won} of "
            f"{tally.decided}) against {theirs:.0%} ({others.won} of "
            f"{others.decided}) for the other types; review its strategy"
        )
        chosen = [s for s in source.rules if _written_for(s, tally.key)]
        edits = [_comment(sourced, f"Review: {reason}.") for sourced in chosen]
        suggestions.append(
            Suggestion(
                "review_customer_type",
                tally.key,
                reason,
                [s.spec.id for s in chosen],
                edits,
            )
        )
    return suggestions


def _others(tallies: Sequence[Tally], left_out: Tally) -> Tally:
    others = Tally(key="others")
    for tally in tallies:
        if tally.key != left_out.key:
            others.decided += tally.decided
            others.won += tally.won
    others.win_rate = others.won / others.decided if others.decided else None
    return others


def _written_for(sourced: Sourced, customer_type: str) -> bool:
    """Whether a rule's conditions name the customer type (its strategy rule)."""
    text = json.dumps(sourced.spec.when, ensure_ascii=False)
    return '"customer"' in text and f'"{customer_type}"' in text


def _comment(sourced: Sourced, text: str) -> Edit:
    line_number = sourced.located.positions[sourced.path][0]
    line = _line(sourced, line_number)
    indent = line[: len(line) - len(line.lstrip())]
    return Edit(sourced.located.file, line_number, f"{indent}# {text}", insert=True)


def _insert_key(sourced: Sourced, text: str) -> list[Edit]:
    # A new key goes on the line after the rule's id, at the id's column, so
    # it lands inside the rule in block style; a rule written on one line
    # (flow style) cannot take a new line and is left alone.
    position = sourced.located.positions.get((*sourced.path, "id"))
    if position is None:
        return []
    line = _line(sourced, position[0])
    if line.rstrip().endswith("}"):
        return []
    indent = " " * (position[1] - 1)
    return [Edit(sourced.located.file, position[0] + 1, f"{indent}{text}", insert=True)]


def _line(sourced: Sourced, number: int) -> str:
    return _lines(sourced.located.file)[number - 1]


def _lines(file: str) -> list[str]:
    return Path(file).read_text(encoding="utf-8").splitlines()


def playbook_patch(source: PlaybookSource, suggestions: Sequence[Suggestion]) -> str:
    """A unified diff applying ``suggestions`` and raising the playbook's version.

    Empty when there is nothing to change. Paths are relative to the current
    folder when the playbook lies under it, so ``git apply`` takes the patch.
    """
    edits = [edit for suggestion in suggestions for edit in suggestion.edits]
    if not edits:
        return ""
    edits.extend(_version_edit(source))
    by_file: dict[str, list[Edit]] = {}
    for edit in edits:
        by_file.setdefault(edit.file, []).append(edit)
    return "".join(_file_diff(file, by_file[file]) for file in sorted(by_file))


def _version_edit(source: PlaybookSource) -> list[Edit]:
    main = next((f for f in source.files if Path(f.file) == source.path), None)
    if main is None:
        return []
    position = main.positions.get(("playbook", "version"))
    if position is None:
        return []
    line = _lines(main.file)[position[0] - 1]
    version = str(source.meta.version)
    return [Edit(main.file, position[0], line.replace(version, next_version(version)))]


def next_version(version: str) -> str:
    """The version after ``version``: ``1.0.0`` → ``1.1.0``, ``3`` → ``4``."""
    parts = version.split(".")
    if all(part.isdigit() for part in parts):
        index = 1 if len(parts) > 1 else 0
        parts[index] = str(int(parts[index]) + 1)
        parts[index + 1 :] = ["0"] * len(parts[index + 1 :])
        return ".".join(parts)
    return f"{version}.1"


def _file_diff(file: str, edits: list[Edit]) -> str:
    old = Path(file).read_text(encoding="utf-8").splitlines(keepends=True)
    new = list(old)
    # Apply from the bottom up so earlier line numbers stay true.
    for edit in sorted(edits, key=lambda e: (e.line, not e.insert), reverse=True):
        text = edit.text + "\n"
        if edit.insert:
            new.insert(edit.line - 1, text)
        else:
            new[edit.line - 1] = text
    name = _display_path(file)
    return "".join(
        difflib.unified_diff(old, new, fromfile=f"a/{name}", tofile=f"b/{name}")
    )


def _display_path(file: str) -> str:
    path = Path(file).resolve()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return os.path.relpath(path).replace(os.sep, "/")
