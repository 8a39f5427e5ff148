"""The record store's SQL schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of the last migration a store file
has seen; opening the store applies the rest, each in one transaction. A
new capability appends a migration here and never edits an old one, since
files out in the field were made by the old ones.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One step of the schema, applied once, in order, in one transaction."""

    version: int
    summary: str
    statements: tuple[str, ...]


_APPEND_ONLY = """
CREATE TRIGGER {table}_no_{action} BEFORE {action} ON {table}
BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END
"""

#: Every schema step so far; later work appends ``Migration(2, ...)`` and on.
MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "sessions, their entries and the advice given after each entry",
        (
            """
            CREATE TABLE sessions (
                number INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                title TEXT NOT NULL,
                customer TEXT NOT NULL,
                customer_type TEXT NOT NULL,
                deal_kind TEXT NOT NULL,
                deal TEXT NOT NULL,
                playbook_path TEXT,
                playbook_name TEXT NOT NULL,
                playbook_version TEXT NOT NULL,
                playbook_digest TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'open'
            )
            """,
            """
            CREATE TABLE entries (
                session_id TEXT NOT NULL REFERENCES sessions (id),
                seq INTEGER NOT NULL CHECK (seq >= 1),
                kind TEXT NOT NULL,
                at TEXT NOT NULL,
                author TEXT,
                corrects INTEGER,
                payload TEXT NOT NULL,
                PRIMARY KEY (session_id, seq)
            )
            """,
            """
            CREATE TABLE advice (
                number INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id TEXT NOT NULL REFERENCES sessions (id),
                after_seq INTEGER NOT NULL,
                playbook_name TEXT NOT NULL,
                playbook_version TEXT NOT NULL,
                playbook_digest TEXT NOT NULL,
                rule TEXT NOT NULL,
                item_type TEXT NOT NULL
                    CHECK (item_type IN ('recommendation', 'flag', 'rebuttal')),
                item_key TEXT NOT NULL,
                severity TEXT,
                payload TEXT NOT NULL
            )
            """,
            "CREATE INDEX advice_by_entry ON advice (session_id, after_seq)",
            _APPEND_ONLY.format(table="entries", action="UPDATE"),
            _APPEND_ONLY.format(table="entries", action="DELETE"),
            _APPEND_ONLY.format(table="advice", action="UPDATE"),
            _APPEND_ONLY.format(table="advice", action="DELETE"),
        ),
    ),
    Migration(
        2,
        "outcomes with agreed terms, marks on advice, and judged goals",
        (
            """
            CREATE TABLE outcomes (
                number INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id TEXT NOT NULL REFERENCES sessions (id),
                at TEXT NOT NULL,
                author TEXT,
                outcome TEXT NOT NULL
                    CHECK (outcome IN ('won', 'lost', 'pending', 'continued')),
                agreed TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE marks (
                number INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id TEXT NOT NULL REFERENCES sessions (id),
                at TEXT NOT NULL,
                author TEXT,
                item_type TEXT NOT NULL,
                item_key TEXT NOT NULL,
                used INTEGER CHECK (used IN (0, 1)),
                effective INTEGER CHECK (effective IN (0, 1))
            )
            """,
            """
            CREATE TABLE goal_results (
                number INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id TEXT NOT NULL REFERENCES sessions (id),
                at TEXT NOT NULL,
                author TEXT,
                goal TEXT NOT NULL,
                met INTEGER NOT NULL CHECK (met IN (0, 1))
            )
            """,
            "CREATE INDEX outcomes_by_session ON outcomes (session_id)",
            "CREATE INDEX marks_by_session ON marks (session_id)",
            "CREATE INDEX goal_results_by_session ON goal_results (session_id)",
            "CREATE INDEX sessions_by_created ON sessions (created_at)",
            *(
                _APPEND_ONLY.format(table=table, action=action)
                for table in ("outcomes", "marks", "goal_results")
                for action in ("UPDATE", "DELETE")
            ),
        ),
    ),
]
