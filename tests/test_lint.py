"""Each lint finding, on a small playbook that has the mistake and one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import resources
from advisor.lint import format_findings, lint_playbook

BASE = """\
playbook: {name: t, languages: [zh, en]}
strategies:
  tiers: {title: {zh: 分档, en: Tiers}}
rebuttals:
  price_value: {objection: price, reply: {zh: 价值, en: Value}}
rules:
  - id: r.tiers
    because: {zh: 因为, en: because}
    when: [customer: {type: price_sensitive}]
    then: [recommend: tiers]
  - id: r.price
    because: {zh: 因为, en: because}
    when: [objection: {type: price}]
    then: [rebut: price_value]
"""

RULE = """\
  - id: {id}
    because: {{zh: 因为, en: because}}
    when: {when}
    then: {then}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def with_rule(
    when: str, then: str = "[recommend: tiers]", rule_id: str = "r.new"
) -> str:
    return BASE + RULE.format(id=rule_id, when=when, then=then)


def lines(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    result = lint_playbook(path)
    assert result.valid
    found = format_findings(result.findings).splitlines()
    return [line.removeprefix(f"{path}:") for line in found]


def test_a_playbook_without_mistakes_lints_clean(tmp_path: Path) -> None:
    assert lines(tmp_path, BASE) == []


def test_the_shipped_default_playbook_lints_clean() -> None:
    result = lint_playbook(resources.default_playbook())

    assert result.valid
    assert format_findings(result.findings) == ""


@pytest.mark.parametrize(
    ("when", "clash"),
    [
        pytest.param(
            "[customer: {competitor_count: {'>': 5, '<': 3}}]",
            "competitor_count > 5 and competitor_count < 3",
            id="empty-range",
        ),
        pytest.param(
            "[customer: {type: price_sensitive, not: {type: price_sensitive}}]",
            "type == 'price_sensitive' and type != 'price_sensitive'",
            id="equal-and-not-equal",
        ),
        pytest.param(
            "[customer: {past_satisfaction: {exists: false, '>': 2}}]",
            "past_satisfaction to be absent and past_satisfaction > 2",
            id="absent-and-compared",
        ),
        pytest.param(
            "[customer: {all: [{competitor_count: 1}, {competitor_count: 2}]}]",
            "competitor_count == 1 and competitor_count == 2",
            id="two-values",
        ),
    ],
)
def test_a_self_contradicting_condition_never_fires(
    tmp_path: Path, when: str, clash: str
) -> None:
    assert lines(tmp_path, with_rule(when)) == [
        f"17:12: never-fires: rule r.new can never fire: its condition on customer "
        f"asks for {clash}; fix or remove one of them"
    ]


@pytest.mark.parametrize(
    "when",
    [
        pytest.param("[customer: {competitor_count: {'>': 1, '<': 3}}]", id="range"),
        pytest.param(
            "[customer: {any: [{competitor_count: 1}, {competitor_count: 2}]}]",
            id="either-value",
        ),
        pytest.param(
            "[customer: {past_satisfaction: {exists: true, '>': 2}}]", id="given"
        ),
    ],
)
def test_a_satisfiable_condition_is_not_reported(tmp_path: Path, when: str) -> None:
    assert lines(tmp_path, with_rule(when)) == []


def test_a_rule_on_a_derived_fact_nobody_derives_never_fires(tmp_path: Path) -> None:
    text = with_rule(
        "[customer: {type: relationship}]",
        "[assert: {fact: warm, fields: {level: high}}]",
        rule_id="r.derive",
    ).replace(
        "customer: {type: relationship}]\n    then: [assert",
        "customer: {type: relationship}]\n    enabled: false\n    then: [assert",
    )
    text += RULE.format(
        id="r.use", when="[warm: {level: high}]", then="[recommend: tiers]"
    )

    assert lines(tmp_path, text) == [
        "22:12: never-fires: rule r.use can never fire: no enabled rule derives warm "
        "facts; enable the rule that asserts them or remove this one"
    ]


def test_a_derived_field_only_a_disabled_rule_sets_never_fires(tmp_path: Path) -> None:
    text = with_rule(
        "[customer: {type: relationship}]",
        "[assert: {fact: warm, fields: {level: high}}]",
        rule_id="r.derive",
    )
    text += RULE.format(
        id="r.derive_mood",
        when="[customer: {is_new: true}]",
        then="[assert: {fact: warm, fields: {mood: good}}]",
    ).replace("    then:", "    enabled: false\n    then:")
    text += RULE.format(
        id="r.use", when="[warm: {mood: good}]", then="[recommend: tiers]"
    )

    assert lines(tmp_path, text) == [
        "26:12: never-fires: rule r.use can never fire: no enabled rule gives warm "
        "facts a field 'mood'; expected one of: level"
    ]


def test_a_rule_on_a_derived_fact_that_is_derived_is_not_reported(
    tmp_path: Path,
) -> None:
    text = with_rule(
        "[customer: {type: relationship}]",
        "[assert: {fact: warm, fields: {level: high}}]",
        rule_id="r.derive",
    )
    text += RULE.format(
        id="r.use", when="[warm: {level: high}]", then="[recommend: tiers]"
    )

    assert lines(tmp_path, text) == []


def test_at_least_on_a_fact_there_is_one_of_never_fires(tmp_path: Path) -> None:
    text = with_rule("[{fact: customer, at_least: 2}]")

    assert lines(tmp_path, text) == [
        "17:5: never-fires: rule r.new can never fire: there is only one customer "
        "fact, so at_least 2 is never reached"
    ]


def test_a_value_the_field_never_has_is_reported_with_a_hint(tmp_path: Path) -> None:
    text = BASE.replace("type: price_sensitive", "type: price_sensitve")

    assert lines(tmp_path, text) == [
        "9:12: unknown-value: customer.type is never 'price_sensitve', so rule "
        "r.tiers never sees it; did you mean 'price_sensitive'?"
    ]


def test_an_unused_strategy_and_rebuttal_are_reported(tmp_path: Path) -> None:
    text = BASE.replace("rules:\n", "rules: []\nunused_rules:\n").split(
        "unused_rules:"
    )[0]

    assert lines(tmp_path, text) == [
        "3:3: unused-strategy: no enabled rule recommends the strategy 'tiers'; add "
        "a rule that does, or remove it",
        "5:3: unused-rebuttal: no enabled rule uses the rebuttal 'price_value'; add "
        "a rule with 'rebut: price_value', or remove it",
    ]


def test_a_strategy_used_only_by_a_disabled_rule_is_unused(tmp_path: Path) -> None:
    text = BASE.replace(
        "    then: [recommend: tiers]",
        "    enabled: false\n    then: [recommend: tiers]",
    )

    assert lines(tmp_path, text) == [
        "3:3: unused-strategy: no enabled rule recommends the strategy 'tiers'; add "
        "a rule that does, or remove it"
    ]


@pytest.mark.parametrize(
    ("then_first", "then_second", "conflict"),
    [
        pytest.param(
            "[flag: {severity: warning, message: {zh: 注意, en: Careful}}]",
            "[flag: {severity: critical, message: {zh: 注意, en: Careful}}]",
            "flag it with different severities (critical, warning)",
            id="severities",
        ),
        pytest.param(
            "[rebut: price_value]",
            "[rebut: other_reply]",
            "answer it with different rebuttals (other_reply, price_value)",
            id="rebuttals",
        ),
        pytest.param(
            "[recommend: tiers]",
            "[recommend: bundles]",
            "recommend different strategies (bundles, tiers) at the same priority, "
            "so which comes first is left to chance",
            id="strategies",
        ),
    ],
)
def test_two_rules_on_one_condition_with_conflicting_advice(
    tmp_path: Path, then_first: str, then_second: str, conflict: str
) -> None:
    text = BASE.replace(
        "rules:\n",
        "  other_reply: {objection: price, reply: {zh: 回应, en: Reply}}\nrules:\n",
    ).replace(
        "  tiers: {title: {zh: 分档, en: Tiers}}\n",
        "  tiers: {title: {zh: 分档, en: Tiers}}\n"
        "  bundles: {title: {zh: 捆绑, en: Bundles}}\n",
    )
    text += RULE.format(id="r.a", when="[customer: {is_new: true}]", then=then_first)
    text += RULE.format(
        id="r.b",
        when="[{fact: customer, as: c, where: {is_new: true}}]",
        then=then_second,
    )

    found = [line for line in lines(tmp_path, text) if "conflicting" in line]

    assert found == [
        f"23:5: conflicting-rules: rules r.a ({tmp_path / 'team.yaml'}:17) and r.b "
        f"have the same condition but {conflict}; merge them into one rule or make "
        "their conditions differ"
    ]


def test_two_rules_with_the_same_condition_and_advice_are_duplicates(
    tmp_path: Path,
) -> None:
    text = with_rule("[customer: {type: price_sensitive}]", rule_id="r.again")

    assert lines(tmp_path, text) == [
        f"17:5: duplicate-rule: rule r.again repeats rule r.tiers "
        f"({tmp_path / 'team.yaml'}:7): same condition, same advice; remove one"
    ]


def test_rules_on_one_condition_with_compatible_advice_are_not_reported(
    tmp_path: Path,
) -> None:
    text = with_rule(
        "[customer: {type: price_sensitive}]",
        "[flag: {severity: info, message: {zh: 注意, en: Careful}}]",
    )

    assert lines(tmp_path, text) == []


def test_a_flag_showing_a_field_the_facts_may_lack_is_reported(tmp_path: Path) -> None:
    text = with_rule(
        "[customer: {type: relationship}]",
        "[flag: {severity: info, message: {zh: '{customer.past_satisfaction}', "
        "en: 'rated {customer.past_satisfaction}'}}]",
    )

    assert lines(tmp_path, text) == [
        "18:35: message-field-unmatched: the message shows "
        "{customer.past_satisfaction}, but the rule does not test "
        "customer.past_satisfaction and some customer facts have no "
        "past_satisfaction, so it would read '?'; add "
        "'past_satisfaction: {exists: true}' to the condition or leave it out"
    ]


def test_a_flag_showing_a_fact_the_rule_did_not_match_is_reported(
    tmp_path: Path,
) -> None:
    text = with_rule(
        "[objection: {type: trust}]",
        "[flag: {severity: info, message: {zh: '{deal.list_price}', "
        "en: '{deal.list_price}'}}]",
    )

    assert lines(tmp_path, text) == [
        "18:35: message-field-unmatched: the message shows {deal.list_price}, but "
        "rule r.new does not match deal and some deal facts have no list_price, so "
        "it would read '?'; add 'list_price: {exists: true}' to the condition or "
        "leave it out"
    ]


@pytest.mark.parametrize(
    ("when", "message"),
    [
        pytest.param(
            "[customer: {past_satisfaction: {'<': 3}}]",
            "'{customer.past_satisfaction}'",
            id="tested-field",
        ),
        pytest.param(
            "[customer: {type: relationship}]", "'{customer.name}'", id="always-given"
        ),
        pytest.param(
            "[goal: {beyond_bottom_line: true}]",
            "'{goal.target} {goal.bottom_line}'",
            id="given-with-tested-field",
        ),
    ],
)
def test_a_flag_showing_fields_the_facts_always_have_is_not_reported(
    tmp_path: Path, when: str, message: str
) -> None:
    text = with_rule(
        when, f"[flag: {{severity: info, message: {{zh: {message}, en: {message}}}}}]"
    )

    assert lines(tmp_path, text) == []


def test_a_text_missing_in_one_language_is_reported(tmp_path: Path) -> None:
    text = BASE.replace("{zh: 分档, en: Tiers}", "{zh: 分档}").replace(
        "reply: {zh: 价值, en: Value}", "reply: Value"
    )

    assert lines(tmp_path, text) == [
        "3:11: missing-translation: strategies.tiers.title has no en text; the "
        "playbook's languages are zh, en, so add it",
        "5:35: missing-translation: rebuttals.price_value.reply is written once for "
        "every language; give it per language as {zh: ..., en: ...}",
    ]


def test_a_playbook_description_missing_a_language_is_reported(
    tmp_path: Path,
) -> None:
    text = BASE.replace(
        "languages: [zh, en]}", "languages: [zh, en], description: {en: Ours}}"
    )

    assert lines(tmp_path, text) == [
        "1:42: missing-translation: playbook.description has no zh text; the "
        "playbook's languages are zh, en, so add it"
    ]


def test_a_one_language_playbook_needs_no_translations(tmp_path: Path) -> None:
    text = BASE.replace("languages: [zh, en]", "languages: [en]").replace(
        "{zh: 分档, en: Tiers}", "Tiers"
    )

    assert lines(tmp_path, text) == []


def test_an_invalid_playbook_reports_its_validation_problems(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("type: price_sensitive", "tpye: x"))

    result = lint_playbook(path)

    assert not result.valid
    assert format_findings(result.findings) == (
        f"{path}:9:23: invalid: customer facts have no field 'tpye'; did you mean "
        "'type'?\n"
    )
