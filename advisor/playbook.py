"""Reads a playbook and the rule modules it includes, and checks their shape.

The models here are the documented format of a playbook file and give editors
their JSON Schema. Loading gathers every problem of every file (YAML syntax,
unknown keys, missing includes, duplicate ids) before it gives up, so a
sales-ops author fixes a playbook in one pass, not one error per run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import resources
from .errors import PlaybookError, Problem, ProblemList
from .yamlsource import Located, load_file, problems_from_validation

logger = logging.getLogger(__name__)

#: A text given once, or per language: ``{zh: ..., en: ...}``.
TextSpec = str | dict[str, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlaybookMeta(_Strict):
    name: str = Field(min_length=1)
    version: str = "0"
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1)
    description: TextSpec | None = None


class StrategySpec(_Strict):
    title: TextSpec
    how: TextSpec | None = Field(
        default=None, description="What the salesperson does, in a sentence or two."
    )
    evidence: TextSpec | None = Field(
        default=None, description="Why this works: a source or a team's experience."
    )


class RebuttalSpec(_Strict):
    objection: str = Field(description="The objection type this rebuttal answers.")
    reply: TextSpec
    evidence: TextSpec | None = None
    selling_point_keywords: list[str] = Field(
        default_factory=list,
        description="Words that pick the deal's own selling points to cite.",
    )


class RuleSpec(_Strict):
    id: str = Field(pattern=r"^[A-Za-z][\w.-]*$")
    priority: int = Field(default=50, ge=0, le=100, description="Higher runs first.")
    because: TextSpec = Field(description="Why the advice is sound; shown to users.")
    when: list[dict[str, Any]] = Field(
        min_length=1, description="Fact patterns that must all match."
    )
    then: list[dict[str, Any]] = Field(min_length=1, description="The advice given.")
    enabled: bool = True
    tags: list[str] = Field(default_factory=list)


#: What an invariant can promise; ``advisor playbook check`` tests each one.
InvariantCheck = Literal[
    "flag_past_bottom_line", "rebut_every_objection", "no_proposal_past_bottom_line"
]


class InvariantSpec(_Strict):
    """A promise about the advice that no deal or session may break."""

    id: str = Field(pattern=r"^[A-Za-z][\w.-]*$")
    check: InvariantCheck = Field(
        description="flag_past_bottom_line: a flag of at least `severity` whenever "
        "our position is past a bottom line; rebut_every_objection: every "
        "objection expected or raised gets a rebuttal; no_proposal_past_bottom_line: "
        "no derived fact proposes a value past its term's bottom line."
    )
    severity: Literal["info", "warning", "critical", "blocking"] = Field(
        default="critical", description="The least severity the flag must have."
    )
    says: TextSpec | None = Field(
        default=None, description="The promise in words, shown when it breaks."
    )


class PlaybookFile(_Strict):
    """One playbook file, or one rule module from ``rules/``."""

    playbook: PlaybookMeta | None = None
    include: list[str] = Field(default_factory=list)
    settings: dict[str, float] = Field(
        default_factory=dict, description="Numbers rules refer to as $settings.NAME."
    )
    strategies: dict[str, StrategySpec] = Field(default_factory=dict)
    rebuttals: dict[str, RebuttalSpec] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    invariants: list[InvariantSpec] = Field(
        default_factory=list, description="Promises `advisor playbook check` tests."
    )


@dataclass(frozen=True)
class Sourced:
    """A spec with the file and key path it came from, for error lines."""

    spec: Any
    located: Located
    path: tuple[str | int, ...]

    def problem(
        self, message: str, *below: str | int, code: str = "invalid"
    ) -> Problem:
        return self.located.problem(message, (*self.path, *below), code)


@dataclass
class PlaybookSource:
    """A playbook with its includes merged, before its rules are compiled."""

    meta: PlaybookMeta
    path: Path
    files: list[Located] = field(default_factory=list)
    settings: dict[str, float] = field(default_factory=dict)
    strategies: dict[str, Sourced] = field(default_factory=dict)
    rebuttals: dict[str, Sourced] = field(default_factory=dict)
    rules: list[Sourced] = field(default_factory=list)
    invariants: list[Sourced] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """A hash of the merged content: equal files give equal digests."""
        content = [located.data for located in self.files]
        blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def read_playbook(path: str | Path) -> PlaybookSource:
    """Read a playbook file and its includes; raise ``PlaybookError`` on problems."""
    problems = ProblemList()
    root = Path(path)
    source = PlaybookSource(PlaybookMeta(name=root.stem), root)
    _read_into(source, root, problems, chain=())

    if source.files and source.files[0].data is not None:
        top = source.files[0]
        if isinstance(top.data, dict) and "playbook" not in top.data:
            problems.add(
                top.problem(
                    "a playbook starts with a 'playbook:' section naming it "
                    "(name, version, languages)",
                    code="missing-meta",
                )
            )
    if problems:
        raise PlaybookError(problems.problems)
    return source


def _read_into(
    source: PlaybookSource,
    path: Path,
    problems: ProblemList,
    chain: tuple[Path, ...],
) -> None:
    try:
        located = load_file(path)
    except ValueError as error:
        problems.add(error.args[0])
        return
    source.files.append(located)
    logger.debug("read playbook file %s", path)

    if not isinstance(located.data, dict):
        problems.add(located.problem("a playbook file must be a mapping of sections"))
        return
    try:
        parsed = PlaybookFile.model_validate(located.data)
    except ValidationError as error:
        problems.extend(problems_from_validation(error, located))
        return

    if parsed.playbook is not None and not chain:
        source.meta = parsed.playbook
    # Files are read from the playbook outwards, so the first value of a
    # setting wins: a team tunes an included module from its own playbook.
    for name, value in parsed.settings.items():
        source.settings.setdefault(name, value)
    _merge(source.strategies, parsed.strategies, located, "strategies", problems)
    _merge(source.rebuttals, parsed.rebuttals, located, "rebuttals", problems)
    for index, rule in enumerate(parsed.rules):
        source.rules.append(Sourced(rule, located, ("rules", index)))
    for index, invariant in enumerate(parsed.invariants):
        source.invariants.append(Sourced(invariant, located, ("invariants", index)))

    for index, name in enumerate(parsed.include):
        included = resolve_include(name, path.parent)
        if included is None:
            problems.add(
                located.problem(
                    f"the include {name!r} was not found next to the playbook "
                    f"or in {resources.rules_dir()}; check the name",
                    ("include", index),
                    code="missing-include",
                )
            )
        elif included.resolve() in {p.resolve() for p in (*chain, path)}:
            problems.add(
                located.problem(
                    f"the include {name!r} includes itself in a loop; remove it",
                    ("include", index),
                    code="include-loop",
                )
            )
        elif included.resolve() not in {Path(f.file).resolve() for f in source.files}:
            _read_into(source, included, problems, (*chain, path))


def resolve_include(name: str, base: Path) -> Path | None:
    """The file an include names: next to the including file, else in ``rules/``."""
    for folder in (base, resources.rules_dir()):
        for candidate in (folder / name, folder / f"{name}.yaml"):
            if candidate.is_file():
                return candidate
    return None


def _merge(
    merged: dict[str, Sourced],
    specs: dict[str, Any],
    located: Located,
    section: str,
    problems: ProblemList,
) -> None:
    for key, spec in specs.items():
        if key in merged:
            first = merged[key]
            line = first.located.line_of(first.path)
            problems.add(
                located.problem(
                    f"{section[:-1]} {key!r} is defined twice; the first is at "
                    f"{first.located.file}:{line}. Rename or remove one",
                    (section, key),
                    code="duplicate-id",
                )
            )
            continue
        merged[key] = Sourced(spec, located, (section, key))
