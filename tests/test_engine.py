"""The fences around durable-rules: none of its sharp edges reaches a caller.

The crash-prone cases run in a subprocess, so a regression shows as a failed
test instead of a dead test run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from advisor import Advisor, Deal, EngineError, deal_from_data
from advisor.engine import Firing, ruleset_for
from advisor.plan import Compare, Pattern, RulePlan

ROOT = Path(__file__).resolve().parent.parent
Writer = Callable[..., Path]

QUIET_PLAYBOOK = """
playbook: {name: quiet}
strategies:
  s: {title: S}
rules:
  - id: never
    because: nothing matches it
    when: [{customer: {type: quality_first, industry: none}}]
    then: [{recommend: s}]
"""

DEAL = {
    "deal": {"title": "Quiet deal"},
    "customer": {"name": "Acme", "type": "relationship"},
}


def record_into(seen: list[Firing]) -> Callable[[Firing], list[dict[str, Any]]]:
    """An engine callback that only remembers each firing."""

    def record(firing: Firing) -> list[dict[str, Any]]:
        seen.append(firing)
        return []

    return record


def run_python(code: str, timeout: int = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_a_deal_on_which_no_rule_fires_gives_empty_advice(
    write_playbook: Writer,
) -> None:
    path = write_playbook(QUIET_PLAYBOOK)

    advice = Advisor.load(path).consult(deal_from_data(DEAL))

    assert (advice.fired, advice.items()) == ([], [])


def test_thousands_of_sessions_where_no_rule_fires_do_not_crash(
    tmp_path: Path,
) -> None:
    # Deleting an untouched engine session killed the process; so did the
    # 1,025th live session of a ruleset. Both are fenced in the engine module.
    (tmp_path / "quiet.yaml").write_text(QUIET_PLAYBOOK, encoding="utf-8")
    result = run_python(
        f"""
        from advisor import Advisor, deal_from_data
        advisor = Advisor.load({str(tmp_path / "quiet.yaml")!r})
        deal = deal_from_data({DEAL!r})
        for _ in range(3000):
            assert advisor.consult(deal).fired == []
        print("done")
        """
    )

    assert (result.returncode, result.stdout) == (0, "done\n"), result.stderr


def test_five_thousand_consultations_in_one_process_stay_correct(
    default_advisor: Advisor, deal_zh: Deal
) -> None:
    first = default_advisor.consult(deal_zh)

    for _ in range(5000):
        advice = default_advisor.consult(deal_zh)

    assert advice == first


def test_consultations_from_four_threads_agree(
    default_advisor: Advisor, deal_zh: Deal, deal_en: Deal
) -> None:
    expected = {
        "zh": default_advisor.consult(deal_zh),
        "en": default_advisor.consult(deal_en),
    }
    wrong: list[str] = []

    def consult_many(lang: str) -> None:
        deal = deal_zh if lang == "zh" else deal_en
        for _ in range(300):
            if default_advisor.consult(deal) != expected[lang]:
                wrong.append(lang)

    threads = [
        threading.Thread(target=consult_many, args=(lang,))
        for lang in ("zh", "en", "zh", "en")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert wrong == []


def test_threads_in_a_subprocess_do_not_crash_the_engine() -> None:
    result = run_python(
        """
        import threading
        from advisor import Advisor, load_deal
        advisor = Advisor.load()
        deals = [load_deal(f"examples/deal-{lang}.yaml") for lang in ("zh", "en")]
        def work(deal):
            for _ in range(500):
                advisor.consult(deal)
        threads = [threading.Thread(target=work, args=(d,)) for d in deals * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print("done")
        """
    )

    assert (result.returncode, result.stdout) == (0, "done\n"), result.stderr


def test_consulting_starts_no_background_threads(
    default_advisor: Advisor, deal_en: Deal
) -> None:
    before = threading.active_count()

    default_advisor.consult(deal_en)

    assert threading.active_count() == before


def test_facts_that_no_rule_matches_are_not_an_error() -> None:
    rule = RulePlan(
        id="only_goals",
        priority=50,
        patterns=(Pattern("g", "goal", Compare("tier", "==", "must")),),
        actions=(),
        because={"": "test"},
    )
    ruleset = ruleset_for("test-unmatched", [rule])
    seen: list[Firing] = []

    stats = ruleset.run(
        [{"kind": "note", "id": "n1", "text": "hello"}, {"kind": "goal", "id": "g1"}],
        record_into(seen),
    )

    assert (stats.firings, seen) == (0, [])


def test_identical_facts_in_one_run_are_told_apart_by_kind() -> None:
    rule = RulePlan(
        id="each_fact",
        priority=50,
        patterns=(Pattern("f", "note"),),
        actions=(),
        because={"": "test"},
    )
    ruleset = ruleset_for("test-identity", [rule])
    seen: list[Firing] = []

    ruleset.run(
        [{"kind": "note", "id": "same"}, {"kind": "goal", "id": "same"}],
        record_into(seen),
    )

    assert [firing.facts["f"]["id"] for firing in seen] == ["same"]


def test_an_error_while_handling_a_firing_is_reported_and_cleaned_up() -> None:
    rule = RulePlan(
        id="explodes",
        priority=50,
        patterns=(Pattern("f", "note"),),
        actions=(),
        because={"": "test"},
    )
    ruleset = ruleset_for("test-error", [rule])

    def fail(firing: Firing) -> list[dict[str, object]]:
        raise ValueError("boom")

    with pytest.raises(EngineError) as caught:
        ruleset.run([{"kind": "note", "id": "n"}], fail)

    assert str(caught.value) == (
        "the advisor failed while applying rule 'explodes' (boom); "
        "please report this with the deal file"
    )
    stats = ruleset.run([{"kind": "note", "id": "n"}], lambda firing: [])
    assert stats.firings == 1


def test_an_unchanged_playbook_reuses_its_engine_ruleset(
    write_playbook: Writer,
) -> None:
    from advisor.engine import registered_rulesets

    path = write_playbook(QUIET_PLAYBOOK)
    Advisor.load(path)
    before = registered_rulesets()

    for _ in range(20):
        Advisor.load(path)

    assert registered_rulesets() == before


def test_every_firing_carries_the_facts_under_the_rules_own_names() -> None:
    rule = RulePlan(
        id="pair",
        priority=50,
        patterns=(
            Pattern("first_note", "note"),
            Pattern("the_goal", "goal", Compare("tier", "==", "must")),
        ),
        actions=(),
        because={"": "test"},
    )
    ruleset = ruleset_for("test-aliases", [rule])
    seen: list[Firing] = []

    ruleset.run(
        [
            {"kind": "note", "id": "n", "text": '{"id": "f9", "x": 1}'},
            {"kind": "goal", "id": "g", "tier": "must"},
        ],
        record_into(seen),
    )

    assert [firing.facts for firing in seen] == [
        {
            "first_note": {"kind": "note", "id": "n", "text": '{"id": "f9", "x": 1}'},
            "the_goal": {"kind": "goal", "id": "g", "tier": "must"},
        }
    ]
