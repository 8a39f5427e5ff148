"""The team review across many negotiations: what won, what worked, what changed.

``build_review`` reads the store once (``Store.review_rows``) and counts:
win rate and average goal achievement overall, by customer type, by deal kind
and by playbook version; for each strategy and rebuttal how often it was
advised and used and the win rate when used against when not (always with
the counts behind a rate); the objections each customer type raises and
which replies worked; and the needs each customer added over time.

A win rate counts decided negotiations only (won or lost); pending and
continued ones are counted as sessions but not in the rate.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel, Field

from . import charts
from .consult import Advisor
from .deal import Deal, Goal
from .entries import Agreement
from .outcome import DECIDED, achievement, agreed_terms, judge_goals
from .record import (
    PathView,
    concession_paths,
    environment,
    load_labels,
    stored_entries,
)
from .store import EntryRecord, ReviewRows, SessionRecord, Store

logger = logging.getLogger(__name__)

#: How many of the latest sessions' concession paths the review draws.
PATHS_SHOWN = 4

#: How many of the latest sessions are searched for concession paths.
PATHS_SEARCHED = 50

#: The entry kinds the review counts; other entries are not read at all.
REVIEWED_KINDS = ("agreement", "objection", "keyword", "demand")


class Filters(BaseModel):
    since: str | None = None
    customer_type: str | None = None
    playbook: str | None = None


class Tally(BaseModel):
    """Sessions, decided ones, wins, and average goal achievement of a group."""

    key: str = ""
    sessions: int = 0
    decided: int = 0
    won: int = 0
    win_rate: float | None = None
    achievement: float | None = None
    achievement_count: int = Field(
        default=0, description="How many sessions the achievement averages."
    )


class AdviceTally(BaseModel):
    """One strategy or rebuttal across the review: advised, used, outcomes."""

    item_type: str
    key: str
    rules: list[str] = Field(default_factory=list)
    advised: int = 0
    used: int = 0
    not_used: int = 0
    unmarked: int = 0
    used_decided: int = 0
    used_won: int = 0
    not_used_decided: int = 0
    not_used_won: int = 0
    win_rate_used: float | None = None
    win_rate_not_used: float | None = None
    judged: int = Field(default=0, description="Uses marked effective or not.")
    effective: int = 0
    effective_rate: float | None = None


class ReplyTally(BaseModel):
    reply: str
    used: int = 0
    worked: int = 0
    partly: int = 0
    failed: int = 0


class ObjectionTally(BaseModel):
    customer_type: str
    type: str
    count: int
    replies: list[ReplyTally] = Field(default_factory=list)


class NeedChange(BaseModel):
    """A need a customer raised that none of its earlier negotiations had."""

    customer: str
    session: str
    date: str
    need: str


class Review(BaseModel):
    """The whole team review; ``advisor review --format json`` prints it."""

    filters: Filters
    overall: Tally
    by_customer_type: list[Tally] = Field(default_factory=list)
    by_deal_kind: list[Tally] = Field(default_factory=list)
    by_playbook: list[Tally] = Field(default_factory=list)
    advice: list[AdviceTally] = Field(default_factory=list)
    objections: list[ObjectionTally] = Field(default_factory=list)
    changed_needs: list[NeedChange] = Field(default_factory=list)
    concession_paths: list[PathView] = Field(
        default_factory=list, description="The latest sessions' concession paths."
    )


class _Seen:
    """What the review needs to know of one session, read once."""

    __slots__ = ("achievement", "outcome", "session")

    def __init__(
        self, session: SessionRecord, outcome: str | None, score: float | None
    ) -> None:
        self.session = session
        self.outcome = outcome
        self.achievement = score


def build_review(
    store: Store,
    since: str | None = None,
    customer_type: str | None = None,
    playbook: str | None = None,
) -> Review:
    """The review of the stored negotiations the filters keep.

    ``since`` is an ISO date (sessions opened on or after it); ``playbook``
    a playbook name or ``name@version``.
    """
    rows = store.review_rows(since, customer_type, playbook, REVIEWED_KINDS)
    seen = [_see(rows, session) for session in rows.sessions]

    review = Review(
        filters=Filters(since=since, customer_type=customer_type, playbook=playbook),
        overall=_tally("all", seen),
        by_customer_type=_grouped(seen, lambda s: s.session.customer_type),
        by_deal_kind=_grouped(seen, lambda s: s.session.deal_kind),
        by_playbook=_grouped(
            seen, lambda s: f"{s.session.playbook_name}@{s.session.playbook_version}"
        ),
        advice=_advice_tallies(rows, seen),
        objections=_objection_tallies(rows),
        changed_needs=_changed_needs(rows),
        concession_paths=_latest_paths(store, rows.sessions),
    )
    logger.info("reviewed %d negotiations", len(seen))
    return review


def _see(rows: ReviewRows, session: SessionRecord) -> _Seen:
    outcome = rows.outcomes.get(session.id)
    entries = _standing(rows.entries.get(session.id, []))
    agreements = [
        Agreement.model_validate(entry.payload)
        for entry in entries
        if entry.kind == "agreement"
    ]
    agreed = agreed_terms(outcome.agreed if outcome else {}, agreements)
    goals = [Goal.model_validate(goal) for goal in session.deal.get("goals", [])]
    results = judge_goals(goals, agreed, rows.goal_results.get(session.id, {}))
    return _Seen(session, outcome.outcome if outcome else None, achievement(results))


def _standing(entries: Sequence[EntryRecord]) -> list[EntryRecord]:
    corrected = {entry.corrects for entry in entries if entry.corrects}
    return [entry for entry in entries if entry.seq not in corrected]


def _tally(key: str, seen: Iterable[_Seen]) -> Tally:
    tally = Tally(key=key)
    scores = []
    for one in seen:
        tally.sessions += 1
        if one.outcome in DECIDED:
            tally.decided += 1
            tally.won += one.outcome == "won"
        if one.achievement is not None:
            scores.append(one.achievement)
    tally.win_rate = _rate(tally.won, tally.decided)
    tally.achievement = sum(scores) / len(scores) if scores else None
    tally.achievement_count = len(scores)
    return tally


def _grouped(seen: Sequence[_Seen], key: Any) -> list[Tally]:
    groups: dict[str, list[_Seen]] = defaultdict(list)
    for one in seen:
        groups[key(one)].append(one)
    return [_tally(name, groups[name]) for name in sorted(groups)]


def _advice_tallies(rows: ReviewRows, seen: Sequence[_Seen]) -> list[AdviceTally]:
    # Counted in plain Counters and turned into models once at the end:
    # setting attributes on models tens of thousands of times is slow.
    outcomes = {one.session.id: one.outcome for one in seen}
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    rules: dict[tuple[str, str], set[str]] = defaultdict(set)
    for session_id, advice in rows.advice.items():
        marks = rows.marks.get(session_id, {})
        given = {(a.item_type, a.item_key): a.rule for a in advice}
        for item, rule in given.items():
            if item[0] == "flag":
                continue
            rules[item].add(rule)
            _count_use(counts[item], marks.get(item), outcomes.get(session_id))
    tallies = [
        AdviceTally(
            item_type=item_type,
            key=key,
            rules=sorted(rules[(item_type, key)]),
            win_rate_used=_rate(count["used_won"], count["used_decided"]),
            win_rate_not_used=_rate(count["not_used_won"], count["not_used_decided"]),
            effective_rate=_rate(count["effective"], count["judged"]),
            **count,
        )
        for (item_type, key), count in counts.items()
    ]
    return sorted(tallies, key=lambda t: (t.item_type, -t.advised, t.key))


def _count_use(count: Counter[str], mark: Any, outcome: str | None) -> None:
    count["advised"] += 1
    used = mark.used if mark else None
    if used is None:
        count["unmarked"] += 1
        return
    side = "used" if used else "not_used"
    count[side] += 1
    count[f"{side}_decided"] += outcome in DECIDED
    count[f"{side}_won"] += outcome == "won"
    if used and mark.effective is not None:
        count["judged"] += 1
        count["effective"] += mark.effective


def _objection_tallies(rows: ReviewRows) -> list[ObjectionTally]:
    counts: Counter[tuple[str, str]] = Counter()
    replies: dict[tuple[str, str], dict[str, Counter[str]]] = defaultdict(dict)
    for session in rows.sessions:
        for entry in _standing(rows.entries.get(session.id, [])):
            if entry.kind != "objection":
                continue
            key = (session.customer_type, str(entry.payload.get("type", "")))
            counts[key] += 1
            reply = entry.payload.get("reply")
            if reply:
                tally = replies[key].setdefault(reply, Counter())
                tally["used"] += 1
                effect = entry.payload.get("effect")
                if effect in ("worked", "partly", "failed"):
                    tally[effect] += 1
    ordered = sorted(
        counts.items(), key=lambda item: (item[0][0], -item[1], item[0][1])
    )
    return [
        ObjectionTally(
            customer_type=customer_type,
            type=kind,
            count=count,
            replies=sorted(
                (
                    ReplyTally(reply=reply, **tally)
                    for reply, tally in replies[(customer_type, kind)].items()
                ),
                key=lambda r: (-r.worked, -r.used, r.reply),
            ),
        )
        for (customer_type, kind), count in ordered
    ]


def _changed_needs(rows: ReviewRows) -> list[NeedChange]:
    by_customer: dict[str, list[SessionRecord]] = defaultdict(list)
    for session in rows.sessions:
        by_customer[session.customer].append(session)

    changes = []
    for customer in sorted(by_customer):
        known: set[str] = set()
        sessions = sorted(by_customer[customer], key=lambda s: s.created_at)
        for index, session in enumerate(sessions):
            for need in _needs(rows.entries.get(session.id, [])):
                if index > 0 and need not in known:
                    changes.append(
                        NeedChange(
                            customer=customer,
                            session=session.id,
                            date=session.created_at[:10],
                            need=need,
                        )
                    )
                known.add(need)
    return changes


def _needs(entries: Sequence[EntryRecord]) -> list[str]:
    needs: list[str] = []
    for entry in _standing(entries):
        if entry.kind == "keyword":
            needs.extend(f"keyword: {word}" for word in entry.payload.get("words", []))
        elif entry.kind == "demand":
            topic = entry.payload.get("topic", "")
            needs.append(f"demand ({topic}): {entry.payload.get('text', '')}")
    return needs


def _latest_paths(store: Store, sessions: Sequence[SessionRecord]) -> list[PathView]:
    paths: list[PathView] = []
    for session in list(reversed(sessions))[:PATHS_SEARCHED]:
        records = store.entries(session.id)
        if not any(entry.kind == "concession" for entry in records):
            continue
        deal = Deal.model_validate(session.deal)
        for path in concession_paths(deal, stored_entries(records)):
            if len(path.points) > 1:
                paths.append(path.model_copy(update={"session": session.id}))
        if len(paths) >= PATHS_SHOWN:
            break
    return paths[:PATHS_SHOWN]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class ReplayDiff(BaseModel):
    """How a playbook's advice for one recorded session differs from the stored."""

    session: str
    recorded_with: str
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


class Replay(BaseModel):
    """Recorded sessions replayed against another playbook version."""

    playbook: str
    sessions: int
    changed: int
    diffs: list[ReplayDiff] = Field(default_factory=list)
    gained: dict[str, int] = Field(
        default_factory=dict, description="Advice the new version adds, by session."
    )
    lost: dict[str, int] = Field(
        default_factory=dict, description="Advice the new version drops, by session."
    )


def replay(
    store: Store,
    advisor: Advisor,
    since: str | None = None,
    customer_type: str | None = None,
    playbook: str | None = None,
    limit: int | None = None,
) -> Replay:
    """Consult ``advisor`` on each recorded session and compare with what was said.

    Compares the strategies, rebuttals and flags that held after each
    session's last entry with what ``advisor`` (a new playbook version) gives
    for the same deal and entries. Runs the rule engine once per session;
    ``limit`` keeps the newest sessions only.
    """
    sessions = store.review_rows(since, customer_type, playbook).sessions
    sessions = sessions[-limit:] if limit else sessions
    plan = advisor.plan
    result = Replay(
        playbook=f"{plan.name}@{plan.version}", sessions=len(sessions), changed=0
    )
    for session in sessions:
        diff = _replay_one(store, advisor, session)
        for item in diff.added:
            result.gained[item] = result.gained.get(item, 0) + 1
        for item in diff.removed:
            result.lost[item] = result.lost.get(item, 0) + 1
        if diff.added or diff.removed:
            result.changed += 1
            result.diffs.append(diff)
    return result


def _replay_one(store: Store, advisor: Advisor, session: SessionRecord) -> ReplayDiff:
    deal = Deal.model_validate(session.deal)
    entries = stored_entries(store.entries(session.id))
    stored = store.advice(session.id)
    last = max((item.after_seq for item in stored), default=0)
    before = {_label(a.item_type, a.item_key) for a in stored if a.after_seq == last}

    advice = advisor.consult(deal, entries, lang=None)
    now = {_label("recommendation", r.strategy) for r in advice.recommendations}
    now |= {_label("rebuttal", r.rebuttal) for r in advice.rebuttals}
    now |= {_label("flag", f.message) for f in advice.flags}

    return ReplayDiff(
        session=session.id,
        recorded_with=f"{session.playbook_name}@{session.playbook_version}",
        added=sorted(now - before),
        removed=sorted(before - now),
    )


def _label(item_type: str, key: str) -> str:
    return f"{item_type}: {key}"


def render_review(review: Review, output_format: str, lang: str = "en") -> str:
    """The review as ``text`` for a terminal, ``json`` for tools, ``html`` to share."""
    if output_format == "json":
        return review.model_dump_json(indent=2) + "\n"
    labels = load_labels(lang)
    filters = ", ".join(
        f"{name}={value}"
        for name, value in review.filters.model_dump().items()
        if value
    )
    suffix = {"text": "txt", "html": "html"}[output_format]
    template = environment().get_template(f"review.{suffix}.j2")
    charts_svg = _review_charts(review, labels) if output_format == "html" else []
    text = template.render(
        r=review, t=labels, lang=lang, filters=filters, charts=charts_svg
    )
    return text if text.endswith("\n") else text + "\n"


def _review_charts(review: Review, labels: dict[str, Any]) -> list[Markup]:
    bars = [
        charts.Bar(f"{tally.key}: {label}", rate, decided)
        for tally in review.advice
        if tally.item_type == "recommendation"
        for label, rate, decided in (
            (labels["when_used"], tally.win_rate_used, tally.used_decided),
            (labels["when_not_used"], tally.win_rate_not_used, tally.not_used_decided),
        )
        if rate is not None
    ]
    drawn = [Markup(charts.rate_bars(bars, labels["win_by_strategy"]))] if bars else []
    for path in review.concession_paths:
        points = [charts.PathPoint(*point) for point in path.points]
        title = f"{path.session}: {labels['terms'].get(path.term, path.term)}"
        drawn.append(
            Markup(charts.concession_path(points, path.limit, title, path.opening))
        )
    return drawn
