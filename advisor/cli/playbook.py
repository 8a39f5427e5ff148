"""``advisor playbook ...``: commands for the people who write playbooks."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..cases import case_files, default_cases, run_cases
from ..consult import Advisor, load_playbook
from ..diff import diff_playbooks
from ..errors import InputError, Problem
from ..lint import format_findings, lint_playbook
from ..playbook_schema import case_schema, playbook_schema
from ..starter import starter_case, starter_playbook
from . import cli


@cli.group()
def playbook() -> None:
    """Write, check, test and compare playbooks.

    \b
    Example:
      advisor playbook lint playbooks/default.yaml
    """


@playbook.command()
@click.argument("path", type=click.Path(dir_okay=False))
def validate(path: str) -> None:
    """Check the playbook at PATH and the rule modules it includes.

    Every problem is printed as FILE:LINE:COLUMN: MESSAGE; the exit status is
    0 when the playbook is valid and 2 when it is not.

    \b
    Example:
      advisor playbook validate playbooks/default.yaml
    """
    plan = load_playbook(path)
    click.echo(
        f"{path}: valid playbook {plan.name} {plan.version}, "
        f"{len(plan.rules)} rules, {len(plan.strategies)} strategies, "
        f"{len(plan.rebuttals)} rebuttals"
    )


@playbook.command()
@click.option(
    "--case", "for_cases", is_flag=True, help="The schema of test case files instead."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the schema to this file instead of printing it.",
)
def schema(for_cases: bool, output: str | None) -> None:
    """Print the JSON Schema of the playbook format, for editors.

    With the schema, an editor such as VS Code (with its YAML extension)
    completes keys, fact kinds and fields, and underlines mistakes as you
    type; see docs/playbook-authors.md for how to hook it up.

    \b
    Examples:
      advisor playbook schema -o playbook.schema.json
      advisor playbook schema --case -o case.schema.json
    """
    text = json.dumps(
        case_schema() if for_cases else playbook_schema(), indent=2, ensure_ascii=False
    )
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text)


@playbook.command()
@click.argument("name")
@click.option(
    "--lang",
    "languages",
    type=click.Choice(["en", "zh"]),
    multiple=True,
    help="A language of the playbook's texts; repeat for several. Default: en.",
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="The folder to write the playbook in.",
)
def new(name: str, languages: tuple[str, ...], folder: str) -> None:
    """Write a commented starting playbook NAME.yaml, with one test case.

    The playbook validates, lints clean and passes its case, so you can
    change it a step at a time and check each step. Nothing is overwritten.

    \b
    Example:
      advisor playbook new retail --lang en --lang zh
    """
    path = Path(folder) / f"{name}.yaml"
    case = default_cases(path) / "big-price-sensitive-deal.yaml"
    for existing in (path, case):
        if existing.exists():
            raise InputError(
                [
                    Problem(
                        "this file exists already; choose another name", str(existing)
                    )
                ]
            )
    chosen = list(languages) or ["en"]

    case.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_playbook(name, chosen), encoding="utf-8")
    case.write_text(starter_case(name), encoding="utf-8")

    click.echo(f"wrote {path} and {case}")
    click.echo(f"next: advisor playbook lint {path} && advisor playbook test {path}")


@playbook.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for CI.",
)
@click.pass_context
def lint(ctx: click.Context, path: str, output_format: str) -> None:
    """Find mistakes in the playbook at PATH that validation lets through.

    A rule that can never fire, a strategy or rebuttal no rule uses, two
    rules on one condition with conflicting advice, a flag message showing a
    field its facts may lack, a text missing in one of the languages. Each
    finding is printed as FILE:LINE:COLUMN: CODE: SENTENCE. The exit status
    is 0 when clean, 1 with findings, 2 when the playbook does not validate.

    \b
    Examples:
      advisor playbook lint playbooks/default.yaml
      advisor playbook lint team.yaml --format json > lint.json
    """
    result = lint_playbook(path)

    if output_format == "json":
        findings = [finding.as_dict() for finding in result.findings]
        body = {"playbook": path, "valid": result.valid, "findings": findings}
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
    elif result.findings:
        click.echo(format_findings(result.findings), nl=False)
    else:
        click.echo(f"{path}: no findings")
    if not result.valid:
        ctx.exit(2)
    if result.findings:
        ctx.exit(1)


@playbook.command(name="test")
@click.argument("path", type=click.Path(dir_okay=False))
@click.argument("cases", nargs=-1, type=click.Path(exists=True))
@click.pass_context
def test_command(ctx: click.Context, path: str, cases: tuple[str, ...]) -> None:
    """Run test cases against the playbook at PATH.

    CASES are case files or folders of them; by default the playbook's own,
    in cases/NAME/ beside it. Each case is a deal, optional entries, and the
    advice expected; it runs through the real engine. Failures show what the
    advice held instead. The exit status is 1 when a case fails or cannot be
    read.

    \b
    Examples:
      advisor playbook test playbooks/default.yaml
      advisor playbook test team.yaml cases/team/price-fight.yaml
    """
    folders = list(cases) or [str(default_cases(path))]
    if not case_files(folders) or not all(Path(f).exists() for f in folders):
        raise InputError(
            [
                Problem(
                    "no case files found; write some in this folder or name "
                    "them after the playbook",
                    folders[0],
                )
            ]
        )

    report = run_cases(Advisor.load(path), folders)

    click.echo(report.to_text(), nl=False)
    if not report.ok:
        ctx.exit(1)


@playbook.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option(
    "--cases",
    "inputs",
    multiple=True,
    required=True,
    type=click.Path(exists=True),
    help="A folder or file of cases or deal files; repeat for several.",
)
def diff(old: str, new: str, inputs: tuple[str, ...]) -> None:
    """Show what changing playbook OLD into NEW does to the advice.

    Both run on the same cases and deal files. For each input whose advice
    changes, items that appear (+), disappear (-) or change priority or
    severity (~) are listed, then a summary. Review it before merging.

    \b
    Example:
      git show main:playbooks/default.yaml > /tmp/old.yaml
      advisor playbook diff /tmp/old.yaml playbooks/default.yaml \\
          --cases playbooks/cases/default --cases examples
    """
    result = diff_playbooks(Advisor.load(old), Advisor.load(new), inputs)

    click.echo(result.to_text(), nl=False)


@playbook.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--examples",
    type=click.IntRange(1, 100_000),
    default=200,
    show_default=True,
    help="Deals and sessions to generate per invariant.",
)
@click.pass_context
def check(ctx: click.Context, path: str, examples: int) -> None:
    """Test the invariants of the playbook at PATH on generated sessions.

    Random but valid deals and sessions run through the real engine, every
    step of each. For each invariant broken, the smallest session found is
    printed with the rules that fired, as a case file to pin the fix. The
    exit status is 1 when an invariant breaks. Runs are repeatable.

    \b
    Example:
      advisor playbook check playbooks/default.yaml --examples 500
    """
    # hypothesis is heavy to import; only this command needs it.
    from ..invariants import check_playbook

    report = check_playbook(path, examples)

    if not report.invariants:
        click.echo(f"{path}: the playbook declares no invariants")
        return
    click.echo(report.to_text(), nl=False)
    if not report.ok:
        ctx.exit(1)
