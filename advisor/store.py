"""The record store: every session, entry and piece of advice, kept in SQLite.

The negotiation record is what users must never lose, so this module keeps it
simple and durable: one SQLite file in WAL mode, entries appended and never
rewritten (triggers refuse UPDATE and DELETE), every write in its own
``BEGIN IMMEDIATE`` transaction so that two processes adding to one session
queue up instead of failing, and a process killed mid-write leaves the file
as it was before that write.

Only this module imports ``sqlite3``; everything above it talks to ``Store``,
so a server database can replace the file for teams that outgrow one machine.
The schema lives in ``migrations.py``; opening a store applies the
migrations its file has not seen yet.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import SessionError, StoreError
from .migrations import MIGRATIONS

logger = logging.getLogger(__name__)

#: The environment variable that names the store file.
STORE_ENV = "ADVISOR_STORE"

#: How long a writer waits for another process to finish its write.
BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class SessionRecord:
    """A stored session: the deal as opened and the playbook it was opened with."""

    id: str
    created_at: str
    title: str
    customer: str
    customer_type: str
    deal_kind: str
    deal: dict[str, Any]
    playbook_name: str
    playbook_version: str
    playbook_digest: str
    playbook_path: str | None = None
    status: str = "open"
    entry_count: int = 0


@dataclass(frozen=True)
class EntryRecord:
    """One stored entry; ``payload`` is the whole entry as JSON data."""

    session_id: str
    seq: int
    kind: str
    at: str
    payload: dict[str, Any]
    author: str | None = None
    corrects: int | None = None


@dataclass(frozen=True)
class AdviceRecord:
    """One piece of advice given after entry ``after_seq`` (0: at opening)."""

    session_id: str
    after_seq: int
    playbook_name: str
    playbook_version: str
    playbook_digest: str
    rule: str
    item_type: str
    item_key: str
    payload: dict[str, Any] = field(default_factory=dict)
    severity: str | None = None


def store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Where the store lives: ``path``, else ``$ADVISOR_STORE``, else the default.

    The default is ``record.sqlite3`` under ``$XDG_DATA_HOME/advisor`` (by
    default ``~/.local/share/advisor``).
    """
    if path is not None and str(path):
        return Path(path).expanduser()
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV]).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "advisor" / "record.sqlite3"


def now() -> str:
    """The current time in UTC as an ISO 8601 string, as the store keeps times."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Store:
    """The record store in one SQLite file.

    Open it with ``Store(path)`` (see ``store_path`` for the default) and close
    it with ``close()`` or a ``with`` block. One ``Store`` may be shared by
    threads (calls are serialised); several processes may open the same file.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = store_path(path)
        self._lock = threading.RLock()
        self._connection = self._connect()
        self._migrate()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file; the store cannot be used afterwards."""
        with self._lock:
            self._connection.close()

    @property
    def schema_version(self) -> int:
        """The schema version of the file, the number of migrations applied."""
        row = self._connection.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    # Sessions

    def create_session(self, session: SessionRecord) -> SessionRecord:
        """Store a new session and return it with its id.

        ``session.id`` is ignored: the store gives the next free ``S<n>``.
        """
        with self._write() as db:
            session_id = self._free_id(db)
            self._insert_session(db, session, session_id)
        logger.info("opened session %s", session_id)
        return self._session_or_fail(session_id)

    def session(self, session_id: str) -> SessionRecord:
        """The stored session ``session_id``; ``SessionError`` if there is none."""
        return self._session_or_fail(session_id)

    def sessions(self) -> list[SessionRecord]:
        """Every stored session, oldest first, with its entry count."""
        rows = self._read(_SESSION_QUERY + " ORDER BY s.number")
        return [_session_from_row(row) for row in rows]

    def set_status(self, session_id: str, status: str) -> None:
        """Change a session's status (``open``, ``closed``, ...)."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE sessions SET status = ? WHERE id = ?", (status, session_id)
            )
            if cursor.rowcount == 0:
                raise _unknown_session(session_id)

    # Entries

    def append_entry(
        self,
        session_id: str,
        kind: str,
        payload: dict[str, Any],
        *,
        at: str | None = None,
        author: str | None = None,
        corrects: int | None = None,
    ) -> EntryRecord:
        """Append an entry to a session and commit it; the store numbers it.

        The entry's ``seq`` is one more than the session's last; ``payload``
        gets that number as its ``id``. Raises ``SessionError`` for an unknown
        session, or when ``corrects`` names no earlier entry.
        """
        at = at or now()
        with self._write() as db:
            self._check_session(db, session_id)
            row = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM entries WHERE session_id = ?",
                (session_id,),
            ).fetchone()
            seq = int(row[0])
            if corrects is not None and not 1 <= corrects < seq:
                raise SessionError(
                    f"entry {corrects} does not exist in session {session_id}, "
                    f"so it cannot be corrected; entries run from 1 to {seq - 1}"
                )
            record = EntryRecord(
                session_id, seq, kind, at, {**payload, "id": seq}, author, corrects
            )
            _insert_entry(db, record)
        logger.info("recorded entry %s in session %s", seq, session_id)
        return record

    def entries(self, session_id: str, after: int = 0) -> list[EntryRecord]:
        """The session's entries with ``seq`` above ``after``, in order."""
        self._session_or_fail(session_id)
        rows = self._read(
            "SELECT session_id, seq, kind, at, author, corrects, payload"
            " FROM entries WHERE session_id = ? AND seq > ? ORDER BY seq",
            (session_id, after),
        )
        return [_entry_from_row(row) for row in rows]

    # Advice

    def record_advice(
        self, session_id: str, after_seq: int, items: Sequence[AdviceRecord]
    ) -> None:
        """Store the advice given after entry ``after_seq``, once per playbook.

        A second call for the same entry and playbook digest changes nothing,
        so a retried consultation cannot double the record.
        """
        with self._write() as db:
            self._check_session(db, session_id)
            digests = {item.playbook_digest for item in items}
            for digest in digests:
                seen = db.execute(
                    "SELECT 1 FROM advice WHERE session_id = ? AND after_seq = ?"
                    " AND playbook_digest = ? LIMIT 1",
                    (session_id, after_seq, digest),
                ).fetchone()
                if seen:
                    return
            for item in items:
                _insert_advice(db, item)

    def advice(
        self, session_id: str, after_seq: int | None = None
    ) -> list[AdviceRecord]:
        """The advice stored for a session, or only that given after one entry."""
        self._session_or_fail(session_id)
        query = (
            "SELECT session_id, after_seq, playbook_name, playbook_version,"
            " playbook_digest, rule, item_type, item_key, severity, payload"
            " FROM advice WHERE session_id = ?"
        )
        parameters: tuple[Any, ...] = (session_id,)
        if after_seq is not None:
            query += " AND after_seq = ?"
            parameters += (after_seq,)
        rows = self._read(query + " ORDER BY number", parameters)
        return [_advice_from_row(row) for row in rows]

    # Whole sessions

    def import_session(
        self,
        session: SessionRecord,
        entries: Sequence[EntryRecord],
        advice: Sequence[AdviceRecord] = (),
    ) -> SessionRecord:
        """Store a whole session as it was exported, keeping its id.

        All or nothing: raises ``SessionError`` if the id is taken or the
        entries are not numbered 1, 2, 3, ... in order.
        """
        expected = list(range(1, len(entries) + 1))
        if [entry.seq for entry in entries] != expected:
            raise SessionError(
                f"the entries of session {session.id} must be numbered 1 to "
                f"{len(entries)} in order; the file was changed after export"
            )
        with self._write() as db:
            if _session_exists(db, session.id):
                raise SessionError(
                    f"session {session.id} already exists in {self.path}; "
                    "import it into another store with --store"
                )
            self._insert_session(db, session, session.id)
            for entry in entries:
                _insert_entry(db, entry)
            for item in advice:
                _insert_advice(db, item)
        logger.info("imported session %s with %d entries", session.id, len(entries))
        return self._session_or_fail(session.id)

    # Plumbing

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            # FULL syncs the log on every commit: a recorded entry survives a
            # power cut, not only a crash of this process.
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
        except (OSError, sqlite3.Error) as error:
            raise StoreError(
                f"cannot open the record store {self.path}: {error}; "
                f"choose another file with --store or ${STORE_ENV}"
            ) from error
        return connection

    def _migrate(self) -> None:
        latest = MIGRATIONS[-1].version
        if self.schema_version > latest:
            raise StoreError(
                f"the record store {self.path} has schema version "
                f"{self.schema_version}, newer than this advisor knows ({latest}); "
                "upgrade the advisor to use it"
            )
        for migration in MIGRATIONS:
            with self._write() as db:
                # Read again inside the lock: another process may have migrated.
                current = int(db.execute("PRAGMA user_version").fetchone()[0])
                if migration.version <= current:
                    continue
                for statement in migration.statements:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {migration.version}")
            logger.info(
                "migrated %s to schema %d: %s",
                self.path,
                migration.version,
                migration.summary,
            )

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; committed on success, rolled back on any error."""
        with self._lock:
            db = self._connection
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise StoreError(
                    f"cannot write to the record store {self.path}: {error}; "
                    "another program may hold it locked, try again"
                ) from error
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _read(self, query: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._connection.execute(query, parameters).fetchall()

    def _free_id(self, db: sqlite3.Connection) -> str:
        row = db.execute("SELECT COALESCE(MAX(number), 0) FROM sessions").fetchone()
        number = int(row[0]) + 1
        while _session_exists(db, f"S{number}"):
            number += 1
        return f"S{number}"

    def _insert_session(
        self, db: sqlite3.Connection, session: SessionRecord, session_id: str
    ) -> None:
        db.execute(
            "INSERT INTO sessions (number, id, created_at, title, customer,"
            " customer_type, deal_kind, deal, playbook_path, playbook_name,"
            " playbook_version, playbook_digest, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _number_of(db, session_id),
                session_id,
                session.created_at,
                session.title,
                session.customer,
                session.customer_type,
                session.deal_kind,
                _dump(session.deal),
                session.playbook_path,
                session.playbook_name,
                session.playbook_version,
                session.playbook_digest,
                session.status,
            ),
        )

    def _check_session(self, db: sqlite3.Connection, session_id: str) -> None:
        if not _session_exists(db, session_id):
            raise _unknown_session(session_id, self)

    def _session_or_fail(self, session_id: str) -> SessionRecord:
        rows = self._read(_SESSION_QUERY + " WHERE s.id = ?", (session_id,))
        if not rows:
            raise _unknown_session(session_id, self)
        return _session_from_row(rows[0])

    # After the meeting: outcomes, marks on advice, judged goals

    def record_outcome(
        self,
        session_id: str,
        outcome: str,
        agreed: dict[str, Any],
        *,
        at: str | None = None,
        author: str | None = None,
    ) -> OutcomeRecord:
        """Store how a session ended and the terms agreed, and mark it closed.

        A later call supersedes an earlier one (a pending deal that is won
        later); every call stays in the store as history.
        """
        record = OutcomeRecord(session_id, outcome, dict(agreed), at or now(), author)
        with self._write() as db:
            self._check_session(db, session_id)
            db.execute(
                "INSERT INTO outcomes (session_id, at, author, outcome, agreed)"
                " VALUES (?, ?, ?, ?, ?)",
                (session_id, record.at, author, outcome, _dump(record.agreed)),
            )
            db.execute(
                "UPDATE sessions SET status = 'closed' WHERE id = ?", (session_id,)
            )
        logger.info("closed session %s as %s", session_id, outcome)
        return record

    def outcome(self, session_id: str) -> OutcomeRecord | None:
        """The latest outcome stored for a session, or None while it is open."""
        self._session_or_fail(session_id)
        rows = self._read(
            _OUTCOME_QUERY + " WHERE session_id = ? ORDER BY number DESC LIMIT 1",
            (session_id,),
        )
        return _outcome_from_row(rows[0]) if rows else None

    def record_mark(
        self,
        session_id: str,
        item_type: str,
        item_key: str,
        *,
        used: bool | None = None,
        effective: bool | None = None,
        at: str | None = None,
        author: str | None = None,
    ) -> None:
        """Store whether one piece of advice was used and whether it worked.

        None leaves what an earlier mark said; see ``marks``.
        """
        with self._write() as db:
            self._check_session(db, session_id)
            db.execute(
                "INSERT INTO marks (session_id, at, author, item_type, item_key,"
                " used, effective) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, at or now(), author, item_type, item_key, used, effective),
            )

    def marks(self, session_id: str) -> dict[tuple[str, str], MarkRecord]:
        """The marks of a session by (item type, item key), later marks winning."""
        self._session_or_fail(session_id)
        rows = self._read(
            _MARK_QUERY + " WHERE session_id = ? ORDER BY number", (session_id,)
        )
        return _merge_marks(rows).get(session_id, {})

    def record_goal_result(
        self,
        session_id: str,
        goal: str,
        met: bool,
        *,
        at: str | None = None,
        author: str | None = None,
    ) -> None:
        """Store the user's judgement of a goal without numbers: met or not."""
        with self._write() as db:
            self._check_session(db, session_id)
            db.execute(
                "INSERT INTO goal_results (session_id, at, author, goal, met)"
                " VALUES (?, ?, ?, ?, ?)",
                (session_id, at or now(), author, goal, met),
            )

    def goal_results(self, session_id: str) -> dict[str, bool]:
        """The judged goals of a session, the latest judgement of each."""
        self._session_or_fail(session_id)
        rows = self._read(
            "SELECT session_id, goal, met FROM goal_results WHERE session_id = ?"
            " ORDER BY number",
            (session_id,),
        )
        return {row[1]: bool(row[2]) for row in rows}

    def review_rows(
        self,
        since: str | None = None,
        customer_type: str | None = None,
        playbook: str | None = None,
        entry_kinds: Sequence[str] | None = None,
    ) -> ReviewRows:
        """Everything a team review reads, for the sessions the filters keep.

        ``since`` is an ISO date compared with when a session was opened;
        ``playbook`` is a playbook name, or ``name@version``; ``entry_kinds``
        limits the entries read to those kinds. Reads each table once, so a
        review of thousands of sessions stays fast.
        """
        where, parameters = _review_filter(since, customer_type, playbook)
        chosen = f"session_id IN (SELECT s.id FROM sessions s{where})"
        kinds = tuple(entry_kinds or ())
        of_kinds = f" AND kind IN ({', '.join('?' * len(kinds))})" if kinds else ""

        sessions = self._read(_SESSION_QUERY + where + " ORDER BY s.number", parameters)
        outcomes = self._read(
            _OUTCOME_QUERY + f" WHERE {chosen} ORDER BY number", parameters
        )
        marks = self._read(_MARK_QUERY + f" WHERE {chosen} ORDER BY number", parameters)
        judged = self._read(
            f"SELECT session_id, goal, met FROM goal_results WHERE {chosen}"
            " ORDER BY number",
            parameters,
        )
        advice = self._read(
            "SELECT DISTINCT session_id, item_type, item_key, rule, playbook_name,"
            f" playbook_version, playbook_digest FROM advice WHERE {chosen}",
            parameters,
        )
        entries = self._read(
            "SELECT session_id, seq, kind, at, author, corrects, payload"
            f" FROM entries WHERE {chosen}{of_kinds} ORDER BY session_id, seq",
            parameters + kinds,
        )
        return _review_rows(sessions, outcomes, marks, judged, advice, entries)


@dataclass(frozen=True)
class OutcomeRecord:
    """How a session ended: won, lost, pending or continued, and what was agreed."""

    session_id: str
    outcome: str
    agreed: dict[str, Any]
    at: str
    author: str | None = None


@dataclass(frozen=True)
class MarkRecord:
    """Whether a piece of advice was used and whether it worked (None: not said)."""

    item_type: str
    item_key: str
    used: bool | None = None
    effective: bool | None = None


@dataclass(frozen=True)
class AdviceKey:
    """One piece of advice a session received, whichever entry it came after."""

    item_type: str
    item_key: str
    rule: str
    playbook_name: str
    playbook_version: str
    playbook_digest: str


@dataclass
class ReviewRows:
    """What ``Store.review_rows`` read, grouped by session id."""

    sessions: list[SessionRecord]
    outcomes: dict[str, OutcomeRecord]
    marks: dict[str, dict[tuple[str, str], MarkRecord]]
    goal_results: dict[str, dict[str, bool]]
    advice: dict[str, list[AdviceKey]]
    entries: dict[str, list[EntryRecord]]


_OUTCOME_QUERY = "SELECT session_id, outcome, agreed, at, author FROM outcomes"

_MARK_QUERY = "SELECT session_id, item_type, item_key, used, effective FROM marks"


def _outcome_from_row(row: Sequence[Any]) -> OutcomeRecord:
    return OutcomeRecord(row[0], row[1], json.loads(row[2]), row[3], row[4])


def _merge_marks(rows: Sequence[Any]) -> dict[str, dict[tuple[str, str], MarkRecord]]:
    merged: dict[str, dict[tuple[str, str], MarkRecord]] = {}
    for session_id, item_type, item_key, used, effective in rows:
        marks = merged.setdefault(session_id, {})
        earlier = marks.get((item_type, item_key), MarkRecord(item_type, item_key))
        marks[(item_type, item_key)] = MarkRecord(
            item_type,
            item_key,
            earlier.used if used is None else bool(used),
            earlier.effective if effective is None else bool(effective),
        )
    return merged


def _review_filter(
    since: str | None, customer_type: str | None, playbook: str | None
) -> tuple[str, tuple[Any, ...]]:
    conditions: list[str] = []
    parameters: list[Any] = []
    if since:
        conditions.append("s.created_at >= ?")
        parameters.append(since)
    if customer_type:
        conditions.append("s.customer_type = ?")
        parameters.append(customer_type)
    if playbook:
        name, _, version = playbook.partition("@")
        conditions.append("s.playbook_name = ?")
        parameters.append(name)
        if version:
            conditions.append("s.playbook_version = ?")
            parameters.append(version)
    where = " WHERE " + " AND ".join(conditions) if conditions else ""
    return where, tuple(parameters)


def _review_rows(
    sessions: list[Any],
    outcomes: list[Any],
    marks: list[Any],
    judged: list[Any],
    advice: list[Any],
    entries: list[Any],
) -> ReviewRows:
    rows = ReviewRows(
        sessions=[_session_from_row(row) for row in sessions],
        outcomes={row[0]: _outcome_from_row(row) for row in outcomes},
        marks=_merge_marks(marks),
        goal_results={},
        advice={},
        entries={},
    )
    for session_id, goal, met in judged:
        rows.goal_results.setdefault(session_id, {})[goal] = bool(met)
    for row in advice:
        rows.advice.setdefault(row[0], []).append(AdviceKey(*row[1:]))
    for row in entries:
        rows.entries.setdefault(row[0], []).append(_entry_from_row(row))
    return rows


_SESSION_QUERY = """
SELECT s.id, s.created_at, s.title, s.customer, s.customer_type, s.deal_kind,
       s.deal, s.playbook_name, s.playbook_version, s.playbook_digest,
       s.playbook_path, s.status,
       (SELECT COUNT(*) FROM entries e WHERE e.session_id = s.id)
FROM sessions s
"""


def _unknown_session(session_id: str, store: Store | None = None) -> SessionError:
    where = f" in {store.path}" if store else ""
    known = [row.id for row in store.sessions()] if store else []
    hint = f" (sessions: {', '.join(known[-5:])})" if known else ""
    return SessionError(
        f"there is no session {session_id!r}{where}{hint}; "
        "list them with 'advisor session list'"
    )


def _session_exists(db: sqlite3.Connection, session_id: str) -> bool:
    row = db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,))
    return row.fetchone() is not None


def _number_of(db: sqlite3.Connection, session_id: str) -> int | None:
    # An imported "S7" keeps number 7 when it is free, so that the next new
    # session is S8 and ids keep telling the order sessions were opened in.
    if not re.fullmatch(r"S[1-9]\d{0,8}", session_id):
        return None
    number = int(session_id[1:])
    taken = db.execute("SELECT 1 FROM sessions WHERE number = ?", (number,))
    return None if taken.fetchone() else number


def _insert_entry(db: sqlite3.Connection, entry: EntryRecord) -> None:
    db.execute(
        "INSERT INTO entries (session_id, seq, kind, at, author, corrects, payload)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            entry.session_id,
            entry.seq,
            entry.kind,
            entry.at,
            entry.author,
            entry.corrects,
            _dump(entry.payload),
        ),
    )


def _insert_advice(db: sqlite3.Connection, item: AdviceRecord) -> None:
    db.execute(
        "INSERT INTO advice (session_id, after_seq, playbook_name, playbook_version,"
        " playbook_digest, rule, item_type, item_key, severity, payload)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item.session_id,
            item.after_seq,
            item.playbook_name,
            item.playbook_version,
            item.playbook_digest,
            item.rule,
            item.item_type,
            item.item_key,
            item.severity,
            _dump(item.payload),
        ),
    )


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _session_from_row(row: Sequence[Any]) -> SessionRecord:
    return SessionRecord(
        id=row[0],
        created_at=row[1],
        title=row[2],
        customer=row[3],
        customer_type=row[4],
        deal_kind=row[5],
        deal=json.loads(row[6]),
        playbook_name=row[7],
        playbook_version=row[8],
        playbook_digest=row[9],
        playbook_path=row[10],
        status=row[11],
        entry_count=int(row[12]),
    )


def _entry_from_row(row: Sequence[Any]) -> EntryRecord:
    return EntryRecord(
        session_id=row[0],
        seq=int(row[1]),
        kind=row[2],
        at=row[3],
        author=row[4],
        corrects=row[5],
        payload=json.loads(row[6]),
    )


def _advice_from_row(row: Sequence[Any]) -> AdviceRecord:
    return AdviceRecord(
        session_id=row[0],
        after_seq=int(row[1]),
        playbook_name=row[2],
        playbook_version=row[3],
        playbook_digest=row[4],
        rule=row[5],
        item_type=row[6],
        item_key=row[7],
        severity=row[8],
        payload=json.loads(row[9]),
    )
