"""The team review over a real store of 265 generated negotiations.

``generated.plan`` fixes every negotiation's type, advice, marks and outcome
by arithmetic on its index, so the numbers below are known in advance.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from generated import DEAL_FILE, fill, handbook_session, plan

from advisor.consult import Advisor
from advisor.review import build_review, render_review, replay
from advisor.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store(tmp_path_factory.mktemp("review") / "record.sqlite3") as opened:
        fill(opened, plan())
        yield opened


def test_the_store_holds_more_than_200_negotiations(store: Store) -> None:
    assert len(store.sessions()) == 265


def test_overall_win_rate_counts_decided_negotiations_only(store: Store) -> None:
    overall = build_review(store).overall

    assert (overall.sessions, overall.decided, overall.won) == (265, 240, 120)
    assert overall.win_rate == 0.5


def test_average_goal_achievement_caps_beaten_goals(store: Store) -> None:
    overall = build_review(store).overall

    # 120 lost at 0; 60 won at 100%; 60 won at (96% + 100% + 100%) / 3.
    assert overall.achievement == pytest.approx((60 + 60 * 2.96 / 3) / 240)
    assert overall.achievement_count == 240


@pytest.mark.parametrize(
    ("customer_type", "sessions", "won", "decided"),
    [
        ("price_sensitive", 89, 50, 80),
        ("quality_first", 88, 30, 80),
        ("relationship", 88, 40, 80),
    ],
)
def test_win_rate_by_customer_type(
    store: Store, customer_type: str, sessions: int, won: int, decided: int
) -> None:
    tally = {t.key: t for t in build_review(store).by_customer_type}[customer_type]

    assert (tally.sessions, tally.won, tally.decided) == (sessions, won, decided)
    assert tally.win_rate == won / decided


def test_win_rate_by_deal_kind(store: Store) -> None:
    tallies = build_review(store).by_deal_kind

    assert [(t.key, t.sessions, t.won, t.decided) for t in tallies] == [
        ("new_customer", 133, 60, 120),
        ("renewal", 132, 60, 120),
    ]


def test_playbook_versions_are_compared_on_outcomes(store: Store) -> None:
    tallies = build_review(store).by_playbook

    assert [(t.key, t.sessions, t.won, t.decided) for t in tallies] == [
        ("default@1.0.0", 199, 100, 180),
        ("default@1.1.0", 66, 20, 60),
    ]


@pytest.mark.parametrize(
    ("key", "advised", "used", "not_used", "used_won", "not_used_won"),
    [
        ("value_for_money", 89, 65, 22, (40, 60), (10, 20)),
        ("technical_assurance", 88, 65, 22, (20, 60), (10, 20)),
        ("long_term_partnership", 88, 43, 43, (20, 40), (20, 40)),
        ("restate_agenda", 265, 260, 0, (120, 240), (0, 0)),
    ],
)
def test_each_strategy_counts_advised_used_and_outcomes_both_ways(
    store: Store,
    key: str,
    advised: int,
    used: int,
    not_used: int,
    used_won: tuple[int, int],
    not_used_won: tuple[int, int],
) -> None:
    tally = {t.key: t for t in build_review(store).advice}[key]

    assert (tally.advised, tally.used, tally.not_used) == (advised, used, not_used)
    assert (tally.used_won, tally.used_decided) == used_won
    assert (tally.not_used_won, tally.not_used_decided) == not_used_won


def test_a_rebuttal_counts_how_often_it_worked_when_used(store: Store) -> None:
    tally = {t.key: t for t in build_review(store).advice}["competitor_service"]

    assert (tally.used, tally.effective, tally.judged) == (44, 9, 44)
    assert tally.rules == ["rebut.live_competitor"]


def test_objections_by_customer_type_with_the_replies_that_worked(
    store: Store,
) -> None:
    objections = build_review(store).objections

    assert [
        (
            o.customer_type,
            o.type,
            o.count,
            [(r.reply, r.worked, r.used) for r in o.replies],
        )
        for o in objections
    ] == [
        ("price_sensitive", "price", 89, [("Tiered quote", 67, 89)]),
        (
            "quality_first",
            "competitor",
            88,
            [("4-hour response against their 24 hours", 9, 88)],
        ),
        ("relationship", "trust", 88, [("Site visit", 66, 88)]),
        ("relationship", "delivery", 6, [("45 days", 0, 6)]),
    ]


def test_changed_needs_are_new_keywords_and_demands_per_customer(
    store: Store,
) -> None:
    changes = build_review(store).changed_needs

    keywords = [c for c in changes if c.need == "keyword: data security"]
    demands = [c for c in changes if c.need == "demand (service): More free training"]
    assert (len(keywords), len(demands), len(changes)) == (12, 10, 22)
    assert changes[0].model_dump() == {
        "customer": "Customer 0",
        "session": "S121",
        "date": "2026-01-31",
        "need": "keyword: data security",
    }


@pytest.mark.parametrize(
    ("filters", "sessions", "won", "decided"),
    [
        pytest.param({"customer_type": "quality_first"}, 88, 30, 80, id="type"),
        pytest.param({"since": "2026-02-01"}, 142, 57, 117, id="since"),
        pytest.param({"playbook": "default@1.1.0"}, 66, 20, 60, id="version"),
        pytest.param({"playbook": "other"}, 0, 0, 0, id="unknown-playbook"),
    ],
)
def test_filters_keep_only_the_chosen_negotiations(
    store: Store, filters: dict[str, str], sessions: int, won: int, decided: int
) -> None:
    overall = build_review(store, **filters).overall

    assert (overall.sessions, overall.won, overall.decided) == (sessions, won, decided)


def test_the_text_review_shows_rates_with_their_counts(store: Store) -> None:
    text = render_review(build_review(store), "text", "en")

    assert (
        "  price_sensitive                        89  62% (50/80)      62% (n=80)"
        in text
    )
    assert (
        "  strategy value_for_money: Advised 89, Used 65\n"
        "    Win rate when used 67% (40/60)\n"
        "    Win rate when not used 50% (10/20)\n"
    ) in text


def test_the_html_review_draws_win_rates_and_concession_paths(store: Store) -> None:
    html = render_review(build_review(store), "html", "zh")

    assert "采用各策略时的成交率" in html
    assert html.count("<svg") == 1 + 4


def test_replaying_against_the_same_playbook_changes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "record.sqlite3") as store:
        handbook_session(store, DEAL_FILE)

        result = replay(store, Advisor.load())

    assert (result.sessions, result.changed, result.diffs) == (1, 0, [])


def test_replaying_against_a_new_version_shows_the_advice_it_would_change(
    tmp_path: Path,
) -> None:
    new = tmp_path / "default.yaml"
    shutil.copy(ROOT / "playbooks" / "default.yaml", new)
    text = new.read_text(encoding="utf-8")
    new.write_text(
        text.replace(
            "  - id: strategy.price_sensitive\n",
            "  - id: strategy.price_sensitive\n    enabled: false\n",
        ),
        encoding="utf-8",
    )
    with Store(tmp_path / "record.sqlite3") as store:
        handbook_session(store, DEAL_FILE)

        result = replay(store, Advisor.load(new))

    assert result.changed == 1
    assert result.lost == {"recommendation: value_for_money": 1}
    assert result.diffs[0].removed == ["recommendation: value_for_money"]
