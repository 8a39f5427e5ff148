"""Live negotiation sessions: record every move, advise after each one.

A session is opened from a deal and a playbook. Each entry the salesperson
records is checked, committed to the record store, and only then is the
whole session (deal and every entry so far) consulted again; the caller gets
the advice delta, what is new and what was resolved since the entry before.
Every piece of advice is stored with the entry it followed, so the review
after the meeting can see what the advisor said and when.

``LiveSessions`` is the door for the CLI and for embedding tools; JSON in
and out (``entry_from_data``, ``export_session``, ``import_session``) serves
callers that are not written in Python.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from . import resources
from .advice import Advice, Flag, OfferPackage, PlaybookRef, Rebuttal, Severity
from .consult import Advisor, guess_language
from .deal import Deal
from .entries import ENTRY_KINDS, TERM_ALIASES, TERM_TOPICS, Entry, canonical_term
from .errors import DealError, SessionError, did_you_mean
from .inputs import deal_from_data
from .packages import offer_packages
from .reload import ReloadingAdvisor
from .store import AdviceRecord, EntryRecord, SessionRecord, Store

logger = logging.getLogger(__name__)

#: The name and version of the export format, checked on import.
EXPORT_FORMAT = "negotiation-advisor/session"
EXPORT_VERSION = 1

ItemType = Literal["recommendation", "flag", "rebuttal"]
_ENTRY: TypeAdapter[Entry] = TypeAdapter(Entry)
_TOPICS = ("price", "service", "terms", "delivery")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdviceItem(_Model):
    """One piece of advice as a delta shows it: what, from which rule, how urgent."""

    type: ItemType
    key: str = Field(description="Strategy id, rebuttal id or flag message.")
    rule: str
    text: str = Field(description="The strategy's title, flag message or reply.")
    severity: Severity | None = None
    entry: str | None = Field(
        default=None, description="The objection entry a rebuttal answers."
    )
    priority: int = 0
    basis: str = Field(
        default="",
        description="The facts a flag rests on, as kind:id@entry; the same "
        "flag on the same facts is the same advice in any language.",
    )

    @property
    def identity(self) -> tuple[str, ...]:
        """What makes two items the same piece of advice, across entries."""
        if self.type == "flag":
            return (self.type, self.rule, self.basis)
        return (self.type, self.key, self.entry or "")


class AdviceDelta(_Model):
    """What changed in the advice after one entry (or at opening)."""

    session: str
    entry: int = Field(description="The entry just recorded; 0 at opening.")
    new: list[AdviceItem] = Field(default_factory=list)
    resolved: list[AdviceItem] = Field(default_factory=list)
    standing: list[AdviceItem] = Field(
        default_factory=list, description="Every item of advice that holds now."
    )


class SessionSummary(_Model):
    """A session as a list shows it."""

    id: str
    created_at: str
    title: str
    customer: str
    customer_type: str
    deal_kind: str
    status: str
    entries: int
    playbook: PlaybookRef


class RecordedEntry(_Model):
    """An entry as stored: its number, time, author and the entry itself."""

    seq: int
    at: str
    author: str | None = None
    corrects: int | None = None
    entry: Entry


class SessionView(_Model):
    """A whole session: the deal, every entry, and the advice that holds now."""

    summary: SessionSummary
    deal: Deal
    entries: list[RecordedEntry]
    advice: Advice


class LiveSessions:
    """Open sessions, record entries and get advice, on one record store.

    ``store`` is a ``Store`` or a path for one (``None``: ``$ADVISOR_STORE`` or
    the default file). Advisors are compiled once per playbook file and
    reused. Safe to share between threads of one process.
    """

    def __init__(self, store: Store | str | os.PathLike[str] | None = None) -> None:
        self.store = store if isinstance(store, Store) else Store(store)
        self._advisors: dict[str, ReloadingAdvisor] = {}
        self._entries: dict[str, list[Entry]] = {}
        self._standing: dict[str, tuple[int, list[AdviceItem]]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the record store."""
        self.store.close()

    def __enter__(self) -> LiveSessions:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open_session(
        self,
        deal: Deal,
        playbook: str | Path | None = None,
        author: str | None = None,
        lang: str | None = None,
    ) -> AdviceDelta:
        """Open a session for ``deal`` and return the advice at opening.

        Entries in the deal file become the session's first entries. The
        delta's ``session`` is the new session id.
        """
        path = str(Path(playbook).resolve()) if playbook else None
        advisor = self._advisor(path)
        plan = advisor.plan
        record = SessionRecord(
            id="",
            created_at=_now(),
            title=deal.deal.title,
            customer=deal.customer.name,
            customer_type=deal.customer.type.value,
            deal_kind=deal.deal.kind.value,
            deal=_deal_data(deal.model_copy(update={"entries": []})),
            playbook_name=plan.name,
            playbook_version=plan.version,
            playbook_digest=plan.digest,
            playbook_path=path,
        )
        # Check every entry of the deal file before the session exists, so a
        # bad one leaves no half-opened session behind.
        entries = [_normalised(entry, deal) for entry in deal.entries]
        session = self.store.create_session(record)
        last = 0
        for entry in entries:
            last = self._append(session.id, entry, author).seq
        return self._advise(session, last, lang)

    def add_entry(
        self,
        session_id: str,
        entry: Entry | Mapping[str, Any],
        author: str | None = None,
        lang: str | None = None,
    ) -> AdviceDelta:
        """Record ``entry`` in the session, then return the advice delta.

        ``entry`` is an entry model or its JSON data (``kind`` and fields;
        short words such as ``price`` name their term). The entry is
        committed before advice is computed. Raises ``SessionError`` for an
        unknown session or a bad entry, and then nothing is written.
        """
        session = self.store.session(session_id)
        deal = _deal_of(session)
        parsed = entry if isinstance(entry, BaseModel) else entry_from_data(entry)
        recorded = self._append(session_id, _normalised(parsed, deal), author)
        return self._advise(session, recorded.seq, lang)

    def correct_entry(
        self,
        session_id: str,
        corrects: int,
        entry: Entry | Mapping[str, Any],
        author: str | None = None,
        lang: str | None = None,
    ) -> AdviceDelta:
        """Record ``entry`` as the correction of entry number ``corrects``.

        The corrected entry stays in the record; advice from now on sees
        only the correction.
        """
        parsed = entry if isinstance(entry, BaseModel) else entry_from_data(entry)
        fixed = parsed.model_copy(update={"corrects": corrects})
        return self.add_entry(session_id, fixed, author, lang)

    def list_sessions(self) -> list[SessionSummary]:
        """Every session in the store, oldest first."""
        return [_summary(record) for record in self.store.sessions()]

    def show_session(self, session_id: str, lang: str | None = None) -> SessionView:
        """The whole session with the advice that holds after its last entry."""
        session = self.store.session(session_id)
        deal = _deal_of(session)
        recorded = [_recorded(row) for row in self.store.entries(session_id)]
        advice = self._advisor(session.playbook_path).consult(
            deal, [item.entry for item in recorded], lang=lang
        )
        return SessionView(
            summary=_summary(session), deal=deal, entries=recorded, advice=advice
        )

    def packages(self, session_id: str, lang: str | None = None) -> list[OfferPackage]:
        """Offer packages of equal value to us, from the session's latest position."""
        session = self.store.session(session_id)
        deal = _deal_of(session)
        entries = [_recorded(row).entry for row in self.store.entries(session_id)]
        advisor = self._advisor(session.playbook_path)
        language = lang or guess_language(deal)
        return offer_packages(deal, entries, advisor.plan.settings, language)

    def export_session(self, session_id: str) -> dict[str, Any]:
        """The whole session (deal, entries, advice given) as JSON data."""
        session = self.store.session(session_id)
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "session": _session_data(session),
            "entries": [_entry_data(row) for row in self.store.entries(session_id)],
            "advice": [_advice_data(row) for row in self.store.advice(session_id)],
        }

    def import_session(self, data: Any, file: str = "<import>") -> SessionSummary:
        """Store a session exported by ``export_session``, keeping its id.

        Everything is checked before anything is written; raises
        ``SessionError`` naming the file and the part that is wrong.
        """
        session, entries, advice = _parse_export(data, file)
        self.store.import_session(session, entries, advice)
        return _summary(self.store.session(session.id))

    def _advisor(self, path: str | None) -> Advisor:
        target = Path(path) if path else resources.default_playbook()
        if not target.is_file():
            raise SessionError(
                f"the session's playbook {target} cannot be found; restore the "
                "file, or import the session into a store that has it"
            )
        with self._lock:
            playbook = self._advisors.get(str(target))
            if playbook is None:
                playbook = ReloadingAdvisor(target)
                self._advisors[str(target)] = playbook
            else:
                # An edited playbook (or rule module) is compiled again; a
                # broken edit is reported, the entry itself is already kept.
                error = playbook.reload().error
                if error is not None:
                    raise error
        return playbook.advisor

    def _append(self, session_id: str, entry: Entry, author: str | None) -> EntryRecord:
        at = entry.at or datetime.now(timezone.utc)
        stamped = entry.model_copy(update={"at": at, "author": entry.author or author})
        payload = _entry_payload(stamped)
        return self.store.append_entry(
            session_id,
            stamped.kind,
            payload,
            at=payload["at"],
            author=stamped.author,
            corrects=stamped.corrects,
        )

    def _advise(
        self, session: SessionRecord, seq: int, lang: str | None
    ) -> AdviceDelta:
        deal = _deal_of(session)
        entries = self._entries_of(session.id)[:seq]
        advisor = self._advisor(session.playbook_path)

        advice = advisor.consult(deal, entries, lang=lang)
        now = [_item(item) for item in advice.items()]
        before = self._advice_before(session, advisor, deal, entries, seq, lang)

        self.store.record_advice(
            session.id,
            seq,
            [_record(session.id, seq, advice, item) for item in advice.items()],
        )
        with self._lock:
            self._standing[session.id] = (seq, now)
        return _delta(session.id, seq, before, now)

    def _entries_of(self, session_id: str) -> list[Entry]:
        """The session's entries in order, read from the store only once each.

        Entries are never rewritten, so what was read stays true; only the
        ones added since (by this or another process) are read again.
        """
        with self._lock:
            known = list(self._entries.get(session_id, []))
        rows = self.store.entries(session_id, after=len(known))
        known.extend(_recorded(row).entry for row in rows)
        with self._lock:
            self._entries[session_id] = known
        return known

    def _advice_before(
        self,
        session: SessionRecord,
        advisor: Advisor,
        deal: Deal,
        entries: Sequence[Entry],
        seq: int,
        lang: str | None,
    ) -> list[AdviceItem]:
        if seq == 0:
            return []
        with self._lock:
            last_seq, items = self._standing.get(session.id, (-1, []))
        if last_seq == seq - 1:
            return items
        stored = self.store.advice(session.id, after_seq=seq - 1)
        if stored:
            return [_item_from_record(record) for record in stored]
        # Nothing stored for the entry before: a process stopped between
        # recording it and advising on it. Consult again to catch up.
        advice = advisor.consult(deal, entries[: seq - 1], lang=lang)
        return [_item(item) for item in advice.items()]


def entry_from_data(data: Any) -> Entry:
    """An entry from JSON data; ``SessionError`` saying what is wrong.

    The message names the kind, the field and the bad value, and suggests
    the closest kind when ``kind`` is misspelt.
    """
    if not isinstance(data, Mapping):
        raise SessionError(
            "an entry must be a JSON object with a kind, such as "
            '{"kind": "note", "text": "..."}'
        )
    kind = data.get("kind")
    if kind not in ENTRY_KINDS:
        hint = did_you_mean(str(kind), ENTRY_KINDS)
        raise SessionError(f"unknown entry kind {kind!r}; {hint}")
    try:
        return _ENTRY.validate_python(dict(data))
    except ValidationError as error:
        raise SessionError(_entry_problems(str(kind), error)) from None


def _entry_problems(kind: str, error: ValidationError) -> str:
    problems: dict[str, str] = {}
    for detail in error.errors():
        place = str(detail["loc"][1]) if len(detail["loc"]) > 1 else "entry"
        if place in problems:
            continue
        value = detail.get("input")
        if detail["type"] in _NUMBER_ERRORS:
            problems[place] = f"{place} must be a number, got {value!r}"
        elif detail["type"] in ("missing", "extra_forbidden"):
            problems[place] = f"{place}: {detail['msg'].lower()}"
        else:
            problems[place] = f"{place}: {detail['msg'].lower()}, got {value!r}"
    return f"the {kind} entry is not valid: " + "; ".join(problems.values())


_NUMBER_ERRORS = ("float_parsing", "int_parsing", "float_type", "int_type")


def _normalised(entry: Entry, deal: Deal) -> Entry:
    """Short words become terms and topics; unknown terms are refused."""
    update: dict[str, Any] = {}
    term = getattr(entry, "term", None)
    if isinstance(term, str):
        update["term"] = _known_term(term, deal, entry.kind)
    topic = getattr(entry, "topic", None)
    if isinstance(topic, str):
        update["topic"] = _topic(topic)
    return entry.model_copy(update=update) if update else entry


def _known_term(word: str, deal: Deal, kind: str) -> str:
    term = canonical_term(word)
    known = {*TERM_TOPICS, *deal.bottom_lines}
    known.update(goal.metric for goal in deal.goals if goal.metric)
    if term in known:
        return term
    hint = did_you_mean(word, [*known, *TERM_ALIASES])
    raise SessionError(f"the {kind} entry names an unknown term {word!r}; {hint}")


def _topic(word: str) -> str:
    if word in _TOPICS:
        return word
    return TERM_TOPICS.get(canonical_term(word), word)


def _entry_payload(entry: Entry) -> dict[str, Any]:
    data: dict[str, Any] = entry.model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    data.pop("id", None)
    return data


def _recorded(row: EntryRecord) -> RecordedEntry:
    return RecordedEntry(
        seq=row.seq,
        at=row.at,
        author=row.author,
        corrects=row.corrects,
        entry=_ENTRY.validate_python(row.payload),
    )


def _deal_data(deal: Deal) -> dict[str, Any]:
    data: dict[str, Any] = deal.model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    return data


def _deal_of(session: SessionRecord) -> Deal:
    return Deal.model_validate(session.deal)


def _summary(record: SessionRecord) -> SessionSummary:
    return SessionSummary(
        id=record.id,
        created_at=record.created_at,
        title=record.title,
        customer=record.customer,
        customer_type=record.customer_type,
        deal_kind=record.deal_kind,
        status=record.status,
        entries=record.entry_count,
        playbook=PlaybookRef(
            name=record.playbook_name,
            version=record.playbook_version,
            digest=record.playbook_digest,
        ),
    )


def _item(item: Any) -> AdviceItem:
    if isinstance(item, Flag):
        return AdviceItem(
            type="flag",
            key=item.message,
            rule=item.rule,
            text=item.message,
            severity=item.severity,
            priority=item.priority,
            basis=_basis(fact.model_dump() for fact in item.facts),
        )
    if isinstance(item, Rebuttal):
        return AdviceItem(
            type="rebuttal",
            key=item.rebuttal,
            rule=item.rule,
            text=item.reply,
            entry=item.entry,
            priority=item.priority,
        )
    return AdviceItem(
        type="recommendation",
        key=item.strategy,
        rule=item.rule,
        text=item.title,
        priority=item.priority,
    )


def _record(session_id: str, seq: int, advice: Advice, item: Any) -> AdviceRecord:
    view = _item(item)
    return AdviceRecord(
        session_id=session_id,
        after_seq=seq,
        playbook_name=advice.playbook.name,
        playbook_version=advice.playbook.version,
        playbook_digest=advice.playbook.digest,
        rule=view.rule,
        item_type=view.type,
        item_key=view.key,
        severity=view.severity,
        payload=item.model_dump(mode="json"),
    )


def _item_from_record(record: AdviceRecord) -> AdviceItem:
    payload = record.payload
    text = {
        "recommendation": payload.get("title", ""),
        "flag": payload.get("message", ""),
        "rebuttal": payload.get("reply", ""),
    }[record.item_type]
    return AdviceItem(
        type=record.item_type,  # type: ignore[arg-type]
        key=record.item_key,
        rule=record.rule,
        text=text,
        severity=record.severity,  # type: ignore[arg-type]
        entry=payload.get("entry"),
        priority=int(payload.get("priority", 0)),
        basis=_basis(payload.get("facts", [])) if record.item_type == "flag" else "",
    )


def _basis(facts: Iterable[Mapping[str, Any]]) -> str:
    # A position keeps its id as it moves; the entry that set it tells a new
    # warning on a new value from the same warning seen again.
    parts = {
        f"{fact['kind']}:{fact['id']}@{fact.get('fields', {}).get('entry', '')}"
        for fact in facts
    }
    return " ".join(sorted(parts))


def _delta(
    session_id: str, seq: int, before: list[AdviceItem], now: list[AdviceItem]
) -> AdviceDelta:
    earlier = {item.identity for item in before}
    current = {item.identity for item in now}
    return AdviceDelta(
        session=session_id,
        entry=seq,
        new=[item for item in now if item.identity not in earlier],
        resolved=[item for item in before if item.identity not in current],
        standing=now,
    )


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _session_data(session: SessionRecord) -> dict[str, Any]:
    return {
        "id": session.id,
        "created_at": session.created_at,
        "title": session.title,
        "customer": session.customer,
        "customer_type": session.customer_type,
        "deal_kind": session.deal_kind,
        "status": session.status,
        "playbook": {
            "name": session.playbook_name,
            "version": session.playbook_version,
            "digest": session.playbook_digest,
            "path": session.playbook_path,
        },
        "deal": session.deal,
    }


def _entry_data(row: EntryRecord) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "kind": row.kind,
        "at": row.at,
        "author": row.author,
        "corrects": row.corrects,
        "entry": row.payload,
    }


def _advice_data(row: AdviceRecord) -> dict[str, Any]:
    return {
        "after_seq": row.after_seq,
        "playbook": {
            "name": row.playbook_name,
            "version": row.playbook_version,
            "digest": row.playbook_digest,
        },
        "rule": row.rule,
        "type": row.item_type,
        "key": row.item_key,
        "severity": row.severity,
        "item": row.payload,
    }


def _parse_export(
    data: Any, file: str
) -> tuple[SessionRecord, list[EntryRecord], list[AdviceRecord]]:
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise SessionError(
            f"{file} is not a session export; export one with "
            "'advisor session export SID > session.json'"
        )
    if data.get("version") != EXPORT_VERSION:
        raise SessionError(
            f"{file} is a session export of version {data.get('version')!r}; "
            f"this advisor reads version {EXPORT_VERSION}"
        )
    try:
        session = _session_from_data(data["session"], file)
        entries = [_entry_from_data(item, session.id, file) for item in data["entries"]]
        advice = [_advice_from_data(item, session.id) for item in data["advice"]]
    except (KeyError, TypeError, AttributeError) as error:
        raise SessionError(
            f"{file} is missing a part of the session export ({error}); "
            "export the session again"
        ) from None
    return session, entries, advice


def _session_from_data(data: dict[str, Any], file: str) -> SessionRecord:
    try:
        deal_from_data(data["deal"], f"{file} (session.deal)")
    except DealError as error:
        raise SessionError(f"the deal in {file} is not valid: {error}") from None
    playbook = data["playbook"]
    return SessionRecord(
        id=data["id"],
        created_at=data["created_at"],
        title=data["title"],
        customer=data["customer"],
        customer_type=data["customer_type"],
        deal_kind=data["deal_kind"],
        deal=data["deal"],
        playbook_name=playbook["name"],
        playbook_version=playbook["version"],
        playbook_digest=playbook["digest"],
        playbook_path=playbook.get("path"),
        status=data["status"],
    )


def _entry_from_data(data: dict[str, Any], session_id: str, file: str) -> EntryRecord:
    try:
        entry_from_data(data["entry"])
    except SessionError as error:
        raise SessionError(f"entry {data.get('seq')} in {file}: {error}") from None
    return EntryRecord(
        session_id=session_id,
        seq=data["seq"],
        kind=data["kind"],
        at=data["at"],
        author=data["author"],
        corrects=data["corrects"],
        payload=data["entry"],
    )


def _advice_from_data(data: dict[str, Any], session_id: str) -> AdviceRecord:
    playbook = data["playbook"]
    return AdviceRecord(
        session_id=session_id,
        after_seq=data["after_seq"],
        playbook_name=playbook["name"],
        playbook_version=playbook["version"],
        playbook_digest=playbook["digest"],
        rule=data["rule"],
        item_type=data["type"],
        item_key=data["key"],
        severity=data["severity"],
        payload=data["item"],
    )


def export_json(data: dict[str, Any]) -> str:
    """An export as JSON text: stable key order, Chinese kept readable."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
