"""Test cases for playbooks: a deal, its entries, and the advice it must get.

A case file pins down behaviour a team relies on ("a price-sensitive customer
who expects a price fight is told to prepare packages"). Every case runs
through the real engine; a failed expectation is reported with what the
advice held instead and, for a rule that did not fire, the condition that
came closest, so the author sees at once what changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .advice import Advice
from .consult import Advisor
from .deal import Deal
from .entries import Entry
from .errors import InputError, Problem, did_you_mean
from .explain import derived_facts, unmet_conditions
from .inputs import load_deal, load_entries
from .plan import PlaybookPlan
from .yamlsource import Located, load_file, problems_from_validation

logger = logging.getLogger(__name__)

Severity = Literal["info", "warning", "critical", "blocking"]
_ENTRIES = TypeAdapter(list[Entry])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FlagExpectation(_Strict):
    """A flag the advice must carry: from a rule, of a severity, or both."""

    rule: str | None = None
    severity: Severity | None = None
    message_contains: str | None = Field(
        default=None, description="Words the flag's message must contain."
    )


class Expectation(_Strict):
    """What the advice for a case must (and must not) hold."""

    fires: list[str] = Field(default_factory=list, description="Rules that fire.")
    not_fires: list[str] = Field(
        default_factory=list, description="Rules that must not fire."
    )
    flags: list[FlagExpectation] = Field(default_factory=list)
    strategies: list[str] = Field(
        default_factory=list, description="Strategies recommended, in any place."
    )
    first_strategy: str | None = Field(
        default=None, description="The strategy ranked first."
    )
    rebuttals: list[str] = Field(default_factory=list, description="Rebuttals given.")


class CaseFile(_Strict):
    """One case file: the deal (inline, or a path), entries, and expectations."""

    case: str | None = Field(default=None, description="What the case pins down.")
    deal: str | dict[str, Any] = Field(
        description="A deal mapping, or the path of a deal file relative to the case."
    )
    entries: str | list[Any] = Field(
        default_factory=list,
        description="Entries recorded so far, or the path of an entries file.",
    )
    lang: Literal["zh", "en"] | None = None
    expect: Expectation


@dataclass
class Case:
    """A case file read and checked, ready to run."""

    path: Path
    name: str
    deal: Deal
    entries: list[Entry]
    lang: str | None
    expect: Expectation


@dataclass
class CaseResult:
    """How one case went: ``passed``, ``failed`` (with reasons) or ``error``."""

    path: Path
    name: str
    status: Literal["passed", "failed", "error"]
    failures: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class CaseReport:
    """The results of a run of cases; ``ok`` when every case passed."""

    results: list[CaseResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(result.status == status for result in self.results)

    @property
    def ok(self) -> bool:
        return all(result.status == "passed" for result in self.results)

    def to_text(self) -> str:
        """Each case's outcome, failures in detail, then a summary line."""
        lines: list[str] = []
        for result in self.results:
            label = {"passed": "PASS", "failed": "FAIL", "error": "ERROR"}
            lines.append(f"{label[result.status]} {result.path}: {result.name}")
            lines.extend(f"  - {failure}" for failure in result.failures)
            lines.extend(f"  {problem}" for problem in result.problems)
        lines.append(
            f"{self.count('passed')} passed, {self.count('failed')} failed, "
            f"{self.count('error')} errors"
        )
        return "\n".join(lines) + "\n"


def case_files(paths: Iterable[str | Path]) -> list[Path]:
    """The case files named by ``paths``: files as given, folders' YAML files sorted."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
            )
        else:
            found.append(path)
    return found


def default_cases(playbook: str | Path) -> Path:
    """Where a playbook's own cases live: ``cases/NAME/`` beside the playbook."""
    path = Path(playbook)
    return path.parent / "cases" / path.stem


def read_case(path: Path, plan: PlaybookPlan | None) -> Case:
    """Read and check one case file; raise ``InputError`` naming every problem.

    Rule, strategy and rebuttal ids in the expectations are checked against
    ``plan``, so a misspelt id cannot make a case pass by never matching;
    with no plan they are not checked.
    """
    located = _located(path)
    if not isinstance(located.data, dict):
        raise InputError(
            [located.problem("a case file is a mapping with deal: and expect:")]
        )
    try:
        spec = CaseFile.model_validate(located.data)
    except ValidationError as error:
        raise InputError(problems_from_validation(error, located)) from None

    problems = list(_unknown_ids(spec.expect, plan, located)) if plan else []
    deal = _case_deal(spec, path, located, problems)
    entries = _case_entries(spec, path, located, problems)
    if problems or deal is None:
        raise InputError(problems)
    return Case(path, spec.case or path.stem, deal, entries, spec.lang, spec.expect)


def _located(path: Path) -> Located:
    try:
        return load_file(path)
    except ValueError as error:
        raise InputError([error.args[0]]) from None


def _case_deal(
    spec: CaseFile, path: Path, located: Located, problems: list[Problem]
) -> Deal | None:
    try:
        if isinstance(spec.deal, str):
            return load_deal(path.parent / spec.deal)
        return Deal.model_validate(spec.deal)
    except InputError as error:
        problems.extend(error.problems)
    except ValidationError as error:
        problems.extend(problems_from_validation(error, located, ("deal",)))
    return None


def _case_entries(
    spec: CaseFile, path: Path, located: Located, problems: list[Problem]
) -> list[Entry]:
    try:
        if isinstance(spec.entries, str):
            return load_entries(path.parent / spec.entries)
        return _ENTRIES.validate_python(spec.entries)
    except InputError as error:
        problems.extend(error.problems)
    except ValidationError as error:
        problems.extend(problems_from_validation(error, located, ("entries",)))
    return []


def _unknown_ids(
    expect: Expectation, plan: PlaybookPlan, located: Located
) -> Iterable[Problem]:
    known = {
        "rule": [rule.id for rule in plan.rules],
        "strategy": list(plan.strategies),
        "rebuttal": list(plan.rebuttals),
    }
    for where, name, what in _named_ids(expect):
        if name not in known[what]:
            hint = did_you_mean(name, known[what])
            yield located.problem(
                f"the playbook has no enabled {what} {name!r}; {hint}".rstrip("; "),
                where,
                code="unknown-id",
            )


def _named_ids(
    expect: Expectation,
) -> Iterable[tuple[tuple[str | int, ...], str, str]]:
    """Every id an expectation names: its key path, the id, and what it names."""
    lists = (
        ("fires", expect.fires, "rule"),
        ("not_fires", expect.not_fires, "rule"),
        ("strategies", expect.strategies, "strategy"),
        ("rebuttals", expect.rebuttals, "rebuttal"),
    )
    for key, names, what in lists:
        for index, name in enumerate(names):
            yield ("expect", key, index), name, what
    for index, flag in enumerate(expect.flags):
        if flag.rule:
            yield ("expect", "flags", index, "rule"), flag.rule, "rule"
    if expect.first_strategy:
        yield ("expect", "first_strategy"), expect.first_strategy, "strategy"


def run_cases(advisor: Advisor, paths: Iterable[str | Path]) -> CaseReport:
    """Run every case file under ``paths`` through ``advisor``'s playbook."""
    report = CaseReport()
    for path in case_files(paths):
        try:
            case = read_case(path, advisor.plan)
        except InputError as error:
            report.results.append(
                CaseResult(path, path.stem, "error", problems=error.problems)
            )
            continue
        advice = advisor.consult(case.deal, case.entries, lang=case.lang)
        failures = check_advice(advisor, case, advice)
        status: Literal["passed", "failed"] = "failed" if failures else "passed"
        report.results.append(CaseResult(path, case.name, status, failures))
        logger.info("case %s %s", path, status)
    return report


def check_advice(advisor: Advisor, case: Case, advice: Advice) -> list[str]:
    """Each way ``advice`` misses the case's expectations, as a sentence."""
    expect = case.expect
    failures: list[str] = []
    fired = set(advice.fired)
    for rule in expect.fires:
        if rule not in fired:
            closest = _closest(advisor, case, advice, rule)
            failures.append(f"rule {rule} did not fire{closest}")
    for rule in expect.not_fires:
        if rule in fired:
            failures.append(f"rule {rule} fired, but must not")
    failures.extend(_flag_failures(expect.flags, advice))
    recommended = [item.strategy for item in advice.recommendations]
    for strategy in expect.strategies:
        if strategy not in recommended:
            failures.append(
                f"strategy {strategy} was not recommended; got {_listed(recommended)}"
            )
    if expect.first_strategy and recommended[:1] != [expect.first_strategy]:
        failures.append(
            f"strategy {expect.first_strategy} should come first; got "
            f"{_listed(recommended)}"
        )
    given = [item.rebuttal for item in advice.rebuttals]
    for rebuttal in expect.rebuttals:
        if rebuttal not in given:
            failures.append(f"rebuttal {rebuttal} was not given; got {_listed(given)}")
    return failures


def _flag_failures(expected: list[FlagExpectation], advice: Advice) -> list[str]:
    failures = []
    for wanted in expected:
        if not any(_flag_matches(wanted, flag) for flag in advice.flags):
            got = [
                f"{flag.severity} from {flag.rule}"
                + (f" saying {flag.message!r}" if wanted.message_contains else "")
                for flag in advice.flags
                if wanted.rule in (None, flag.rule)
            ]
            failures.append(f"no {_described(wanted)}; got {_listed(got)}")
    return failures


def _flag_matches(wanted: FlagExpectation, flag: Any) -> bool:
    return (
        (wanted.rule is None or flag.rule == wanted.rule)
        and (wanted.severity is None or flag.severity == wanted.severity)
        and (wanted.message_contains is None or wanted.message_contains in flag.message)
    )


def _described(wanted: FlagExpectation) -> str:
    words = [f"{wanted.severity} flag" if wanted.severity else "flag"]
    if wanted.rule:
        words.append(f"from {wanted.rule}")
    if wanted.message_contains:
        words.append(f"saying {wanted.message_contains!r}")
    return " ".join(words)


def _listed(items: Sequence[str]) -> str:
    return ", ".join(items) if items else "none"


def _closest(advisor: Advisor, case: Case, advice: Advice, rule_id: str) -> str:
    facts = [*advisor.facts(case.deal, case.entries), *derived_facts(advice)]
    misses = unmet_conditions(advisor.plan, advisor.plan.rule(rule_id), facts)
    return f"; closest: {misses[0].sentence()}" if misses else ""
