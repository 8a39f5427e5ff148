"""The negotiation record: one session written up the way the handbook asks.

``build_record`` reads a stored session (its deal, entries, advice, marks and
outcome) and arranges it in the handbook's sections: basic information, core
topics with both sides' positions and attitude changes, key objections with
the replies used and their effect, results and open issues, next actions, and
the strategy evaluation (advice given, followed, worked). ``render_record``
writes it as Markdown for a CRM note, HTML for printing, or JSON for tools.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import yaml
from markupsafe import Markup
from pydantic import BaseModel, Field, TypeAdapter

from . import charts
from .deal import Deal
from .entries import (
    TERM_TOPICS,
    Agenda,
    Agreement,
    Attitude,
    Concession,
    Demand,
    Entry,
    Keyword,
    NextAction,
    Note,
    Objection,
    Offer,
    OpenIssue,
    Response,
    effective_entries,
)
from .facts import opening_of
from .outcome import GoalResult, achievement, agreed_terms, goal_results, missed_musts
from .store import AdviceRecord, EntryRecord, MarkRecord, Store
from .template import plain

logger = logging.getLogger(__name__)

FORMATS = ("markdown", "html", "json")
LANGUAGES = ("zh", "en")

#: The handbook's order of core topics; others follow as they came up.
TOPIC_ORDER = ("price", "service", "terms", "delivery")

_ENTRY: TypeAdapter[Entry] = TypeAdapter(Entry)


class Basics(BaseModel):
    session: str
    title: str
    customer: str
    customer_type: str
    deal_kind: str
    currency: str
    place: str = ""
    date: str = ""
    started: str = ""
    ended: str = ""
    our_side: list[str] = Field(default_factory=list)
    their_side: list[str] = Field(default_factory=list)
    playbook: str
    status: str


class Move(BaseModel):
    """One thing a side said or did on a topic: words, an offer, a concession.

    ``kind`` is the entry's kind; an attitude change keeps its ``before``
    and ``after``, a concession its values and what we got ``in_return``.
    """

    kind: str
    text: str = ""
    term: str | None = None
    value: float | int | str | None = None
    before: float | int | str | None = None
    after: float | int | str | None = None
    in_return: str | None = None


class Topic(BaseModel):
    """One core topic with both sides' positions and how the customer moved."""

    topic: str
    customer: list[Move] = Field(default_factory=list)
    ours: list[Move] = Field(default_factory=list)
    attitudes: list[Move] = Field(default_factory=list)


class ObjectionView(BaseModel):
    type: str
    text: str = ""
    reply: str = ""
    effect: str = ""


class Action(BaseModel):
    text: str
    owner: str = ""
    due: str = ""


class AdviceUse(BaseModel):
    """One piece of advice the session got, and what the user said about it."""

    item_type: str
    key: str
    title: str
    rule: str
    used: bool | None = None
    effective: bool | None = None


class PathView(BaseModel):
    """The values on one term over a meeting, against its bottom line."""

    session: str = ""
    term: str
    direction: str
    limit: float
    opening: float | None = None
    points: list[tuple[str, float, str]] = Field(default_factory=list)


class NegotiationRecord(BaseModel):
    """The whole record of one negotiation, in the handbook's sections."""

    basics: Basics
    agenda: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    objections: list[ObjectionView] = Field(default_factory=list)
    agreements: list[Move] = Field(default_factory=list)
    outcome: str | None = None
    agreed: dict[str, Any] = Field(default_factory=dict)
    goals: list[GoalResult] = Field(default_factory=list)
    achievement: float | None = None
    missed_musts: list[str] = Field(default_factory=list)
    open_issues: list[Action] = Field(default_factory=list)
    next_actions: list[Action] = Field(default_factory=list)
    advice: list[AdviceUse] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    concession_paths: list[PathView] = Field(default_factory=list)


def stored_entries(records: Sequence[EntryRecord]) -> list[Entry]:
    """The stored entries as entry models, with their time and author."""
    entries = []
    for record in records:
        data = {**record.payload, "kind": record.kind, "id": record.seq}
        data.setdefault("at", record.at)
        if record.author:
            data.setdefault("author", record.author)
        if record.corrects:
            data.setdefault("corrects", record.corrects)
        entries.append(_ENTRY.validate_python(data))
    return entries


def build_record(store: Store, session_id: str) -> NegotiationRecord:
    """The record of stored session ``session_id``; ``SessionError`` if unknown."""
    session = store.session(session_id)
    deal = Deal.model_validate(session.deal)
    entries = effective_entries(stored_entries(store.entries(session_id)))
    outcome = store.outcome(session_id)
    agreed = agreed_terms(outcome.agreed if outcome else {}, entries)
    results = goal_results(deal, agreed, store.goal_results(session_id))

    record = NegotiationRecord(
        basics=_basics(session.id, session.status, deal, entries, session),
        outcome=outcome.outcome if outcome else None,
        agreed=agreed,
        goals=results,
        achievement=achievement(results),
        missed_musts=missed_musts(results),
        advice=_advice_uses(store.advice(session_id), store.marks(session_id)),
        warnings=_warnings(store.advice(session_id)),
        concession_paths=concession_paths(deal, entries),
    )
    _fill_from_entries(record, entries)
    logger.info("built the record of session %s", session_id)
    return record


def render_record(record: NegotiationRecord, output_format: str, lang: str) -> str:
    """The record as ``markdown``, ``html`` or ``json`` text in ``zh`` or ``en``."""
    if output_format == "json":
        return record.model_dump_json(indent=2) + "\n"
    labels = load_labels(lang)
    template = environment().get_template(f"record.{_SUFFIX[output_format]}.j2")
    charts_svg = [
        Markup(
            charts.concession_path(
                [charts.PathPoint(*point) for point in path.points],
                path.limit,
                f"{labels['terms'].get(path.term, path.term)}",
                path.opening,
            )
        )
        for path in record.concession_paths
        if path.points
    ]
    text = template.render(r=record, t=labels, lang=lang, charts=charts_svg)
    return text if text.endswith("\n") else text + "\n"


_SUFFIX = {"markdown": "md", "html": "html"}


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the shipped templates (HTML autoescaped)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("advisor", "templates"),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = _markdown_cell
    env.filters["number"] = plain
    env.filters["short"] = _short
    env.filters["move"] = move_text
    env.filters["percent"] = lambda value: "" if value is None else f"{value:.0%}"
    return env


@cache
def load_labels(lang: str) -> dict[str, Any]:
    """The section titles and words of reports in ``lang`` (``zh`` or ``en``)."""
    text = (
        resources.files("advisor")
        .joinpath("templates/labels.yaml")
        .read_text(encoding="utf-8")
    )
    labels: dict[str, dict[str, Any]] = yaml.safe_load(text)
    return labels[lang]


def _basics(
    session_id: str, status: str, deal: Deal, entries: list[Entry], session: Any
) -> Basics:
    times = sorted(str(entry.at) for entry in entries if entry.at is not None)
    return Basics(
        session=session_id,
        title=deal.deal.title,
        customer=deal.customer.name,
        customer_type=deal.customer.type.value,
        deal_kind=deal.deal.kind.value,
        currency=deal.deal.currency,
        place=deal.deal.place or "",
        date=deal.deal.date or session.created_at[:10],
        started=times[0][:16] if times else "",
        ended=times[-1][:16] if times else "",
        our_side=list(deal.deal.our_team),
        their_side=[
            f"{person.name} ({person.role})" if person.role else person.name
            for person in deal.customer.decision_chain
        ],
        playbook=f"{session.playbook_name} {session.playbook_version}",
        status=status,
    )


def _fill_from_entries(record: NegotiationRecord, entries: list[Entry]) -> None:
    topics: dict[str, Topic] = {}

    def topic(name: str | None) -> Topic:
        key = name or "general"
        return topics.setdefault(key, Topic(topic=key))

    for entry in entries:
        if isinstance(entry, Agenda):
            record.agenda.extend(entry.items)
        elif isinstance(entry, Keyword):
            record.keywords.extend(w for w in entry.words if w not in record.keywords)
        elif isinstance(entry, Demand):
            topic(entry.topic).customer.append(Move(kind="demand", text=entry.text))
        elif isinstance(entry, Response):
            topic(entry.topic).ours.append(Move(kind="response", text=entry.text))
        elif isinstance(entry, Attitude):
            topic(entry.topic).attitudes.append(_attitude(entry))
        elif isinstance(entry, Offer | Concession):
            _add_move(topic(TERM_TOPICS.get(entry.term, entry.term)), entry)
        elif isinstance(entry, Objection):
            record.objections.append(_objection(entry))
        elif isinstance(entry, Agreement):
            record.agreements.append(
                Move(
                    kind="agreement",
                    term=entry.term,
                    value=entry.value,
                    text=entry.text or "",
                )
            )
        elif isinstance(entry, OpenIssue | NextAction):
            target = (
                record.open_issues
                if entry.kind == "open_issue"
                else record.next_actions
            )
            target.append(
                Action(text=entry.text, owner=entry.owner or "", due=entry.due or "")
            )
        elif isinstance(entry, Note):
            record.notes.append(entry.text)

    order = {name: index for index, name in enumerate(TOPIC_ORDER)}
    record.topics = sorted(
        topics.values(), key=lambda t: order.get(t.topic, len(order))
    )


def _add_move(topic: Topic, entry: Offer | Concession) -> None:
    if isinstance(entry, Concession):
        topic.ours.append(
            Move(
                kind="concession",
                term=entry.term,
                before=entry.before,
                after=entry.after,
                in_return=entry.in_return,
            )
        )
        return
    offer = Move(
        kind="offer", term=entry.term, value=entry.value, text=entry.text or ""
    )
    (topic.customer if entry.by == "customer" else topic.ours).append(offer)


def _attitude(entry: Attitude) -> Move:
    return Move(
        kind="attitude", before=entry.before, after=entry.to, text=entry.text or ""
    )


def move_text(move: Move, labels: dict[str, Any]) -> str:
    """A move in words, with terms and attitudes in the labels' language."""
    term = labels["terms"].get(move.term, move.term)
    attitudes = labels["attitudes"]
    note = f" ({move.text})" if move.text and move.kind != "attitude" else ""
    if move.kind in ("offer", "agreement") and move.term:
        return f"{term} {plain(move.value)}{note}"
    if move.kind == "concession":
        given = f" ↔ {move.in_return}" if move.in_return else ""
        return f"{term} {plain(move.before)} → {plain(move.after)}{given}"
    if move.kind == "attitude":
        after = attitudes.get(move.after, move.after)
        change = f"{attitudes.get(move.before, move.before)} → {after}"
        change = change if move.before else str(after)
        return f"{change}: {move.text}" if move.text else change
    return move.text


def _objection(entry: Objection) -> ObjectionView:
    return ObjectionView(
        type=entry.type,
        text=entry.text or "",
        reply=entry.reply or "",
        effect=entry.effect or "",
    )


def _advice_uses(
    advice: Sequence[AdviceRecord], marks: dict[tuple[str, str], MarkRecord]
) -> list[AdviceUse]:
    seen: dict[tuple[str, str], AdviceUse] = {}
    for item in advice:
        key = (item.item_type, item.item_key)
        if item.item_type == "flag" or key in seen:
            continue
        mark = marks.get(key)
        seen[key] = AdviceUse(
            item_type=item.item_type,
            key=item.item_key,
            title=advice_title(item),
            rule=item.rule,
            used=mark.used if mark else None,
            effective=mark.effective if mark else None,
        )
    return list(seen.values())


def advice_title(item: AdviceRecord) -> str:
    """The words a person reads for a stored piece of advice."""
    payload = item.payload
    for field in ("title", "message", "reply"):
        if payload.get(field):
            return str(payload[field])
    return item.item_key


def _warnings(advice: Sequence[AdviceRecord]) -> list[str]:
    messages: list[str] = []
    for item in advice:
        serious = item.item_type == "flag" and item.severity in ("critical", "blocking")
        message = advice_title(item)
        if serious and message not in messages:
            messages.append(message)
    return messages


def concession_paths(deal: Deal, entries: Sequence[Entry]) -> list[PathView]:
    """Our offers and concessions on each term that has a bottom line, in order.

    Values that are not finite numbers are left out, so a chart can be drawn.
    """
    paths = []
    for term, line in deal.bottom_lines.items():
        opening = opening_of(term, line, deal)
        if not _finite(line.limit) or (opening is not None and not _finite(opening)):
            continue
        path = PathView(
            term=term,
            direction=line.direction,
            limit=float(line.limit),
            opening=opening,
        )
        for entry in entries:
            if getattr(entry, "term", None) != term:
                continue
            if isinstance(entry, Offer) and _finite(entry.value):
                label = f"#{entry.id} {entry.by}"
                path.points.append((label, float(entry.value), entry.by))
            elif isinstance(entry, Concession) and _finite(entry.after):
                path.points.append((f"#{entry.id}", float(entry.after), "us"))
        paths.append(path)
    return paths


def _finite(value: float) -> bool:
    return math.isfinite(value)


def _markdown_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
