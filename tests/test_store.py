"""The record store: a real SQLite file, real processes, real kills."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.errors import SessionError, StoreError
from advisor.migrations import MIGRATIONS
from advisor.store import (
    AdviceRecord,
    EntryRecord,
    SessionRecord,
    Store,
    store_path,
)

ROOT = Path(__file__).resolve().parent.parent


def a_session(**changes: object) -> SessionRecord:
    fields: dict[str, object] = {
        "id": "",
        "created_at": "2026-12-03T09:00:00.000+00:00",
        "title": "Line 3 automation",
        "customer": "Huaxin",
        "customer_type": "price_sensitive",
        "deal_kind": "new_customer",
        "deal": {"deal": {"title": "Line 3 automation"}},
        "playbook_name": "default",
        "playbook_version": "1",
        "playbook_digest": "abc",
    }
    fields.update(changes)
    return SessionRecord(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "record.sqlite3") as opened:
        yield opened


def test_a_new_store_is_migrated_to_the_latest_schema_in_wal_mode(
    store: Store,
) -> None:
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]

    assert store.schema_version == MIGRATIONS[-1].version
    assert mode == "wal"


def test_opening_creates_missing_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "record.sqlite3"

    Store(path).close()

    assert path.exists()


def test_store_path_prefers_the_flag_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_STORE", str(tmp_path / "env.sqlite3"))

    assert store_path(tmp_path / "flag.sqlite3") == tmp_path / "flag.sqlite3"
    assert store_path() == tmp_path / "env.sqlite3"


def test_store_path_defaults_under_the_users_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ADVISOR_STORE", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    assert store_path() == tmp_path / ".local/share/advisor/record.sqlite3"


def test_a_store_from_a_newer_advisor_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "record.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")

    with pytest.raises(StoreError) as caught:
        Store(path)

    assert str(caught.value) == (
        f"the record store {path} has schema version 99, newer than this advisor "
        f"knows ({MIGRATIONS[-1].version}); upgrade the advisor to use it"
    )


def test_sessions_get_short_increasing_ids(store: Store) -> None:
    first = store.create_session(a_session())
    second = store.create_session(a_session(title="Renewal"))

    assert (first.id, second.id) == ("S1", "S2")
    assert [session.title for session in store.sessions()] == [
        "Line 3 automation",
        "Renewal",
    ]


def test_entries_are_numbered_in_order_and_carry_their_number(store: Store) -> None:
    session = store.create_session(a_session())

    store.append_entry(session.id, "note", {"kind": "note", "text": "hello"})
    second = store.append_entry(
        session.id, "note", {"kind": "note", "text": "again"}, author="li"
    )

    assert second.seq == 2
    assert [entry.payload for entry in store.entries(session.id)] == [
        {"kind": "note", "text": "hello", "id": 1},
        {"kind": "note", "text": "again", "id": 2},
    ]
    assert store.session(session.id).entry_count == 2


@pytest.mark.parametrize(
    "statement",
    ["UPDATE entries SET kind = 'x'", "DELETE FROM entries"],
    ids=["update", "delete"],
)
def test_entries_cannot_be_rewritten_even_with_plain_sql(
    store: Store, statement: str
) -> None:
    session = store.create_session(a_session())
    store.append_entry(session.id, "note", {"kind": "note", "text": "kept"})

    with (
        sqlite3.connect(store.path) as db,
        pytest.raises(sqlite3.IntegrityError) as caught,
    ):
        db.execute(statement)

    assert str(caught.value) == "entries are append-only"


def test_adding_to_an_unknown_session_says_which_sessions_exist(store: Store) -> None:
    store.create_session(a_session())

    with pytest.raises(SessionError) as caught:
        store.append_entry("S9", "note", {"kind": "note", "text": "lost?"})

    assert str(caught.value) == (
        f"there is no session 'S9' in {store.path} (sessions: S1); "
        "list them with 'advisor session list'"
    )


def test_correcting_an_entry_that_does_not_exist_writes_nothing(store: Store) -> None:
    session = store.create_session(a_session())

    with pytest.raises(SessionError) as caught:
        store.append_entry(session.id, "note", {"kind": "note"}, corrects=4)

    assert str(caught.value) == (
        "entry 4 does not exist in session S1, so it cannot be corrected; "
        "entries run from 1 to 0"
    )
    assert store.entries(session.id) == []


def test_advice_is_recorded_once_per_entry_and_playbook(store: Store) -> None:
    session = store.create_session(a_session())
    item = AdviceRecord(session.id, 0, "default", "1", "abc", "r1", "flag", "m", {})

    store.record_advice(session.id, 0, [item])
    store.record_advice(session.id, 0, [item])

    assert store.advice(session.id) == [item]


def test_import_keeps_the_id_and_refuses_a_taken_one(store: Store) -> None:
    entries = [EntryRecord("S7", 1, "note", "2026-12-03T09:01:00", {"id": 1})]

    imported = store.import_session(a_session(id="S7"), entries)

    assert imported.id == "S7"
    assert store.entries("S7") == entries
    with pytest.raises(SessionError, match="session S7 already exists"):
        store.import_session(a_session(id="S7"), entries)
    assert store.create_session(a_session()).id == "S8"


def test_import_of_misnumbered_entries_writes_nothing(store: Store) -> None:
    entries = [EntryRecord("S7", 2, "note", "2026-12-03T09:01:00", {"id": 2})]

    with pytest.raises(SessionError) as caught:
        store.import_session(a_session(id="S7"), entries)

    assert str(caught.value) == (
        "the entries of session S7 must be numbered 1 to 1 in order; "
        "the file was changed after export"
    )
    assert store.sessions() == []


WRITER = textwrap.dedent(
    """
    import sys
    from advisor.store import Store
    store = Store(sys.argv[1])
    for n in range(int(sys.argv[3])):
        store.append_entry(
            "S1", "note", {"kind": "note", "text": sys.argv[2] + str(n)}
        )
    """
)


def start_writer(path: Path, label: str, count: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), label, str(count)], cwd=ROOT
    )


def test_two_processes_adding_at_once_both_succeed_in_order(store: Store) -> None:
    store.create_session(a_session())

    writers = [start_writer(store.path, label, 100) for label in ("a", "b")]
    codes = [writer.wait(timeout=60) for writer in writers]

    entries = store.entries("S1")
    assert codes == [0, 0]
    assert [entry.seq for entry in entries] == list(range(1, 201))
    for label in ("a", "b"):
        texts = [e.payload["text"] for e in entries if e.payload["text"][0] == label]
        assert texts == [f"{label}{n}" for n in range(100)]


def test_a_process_killed_mid_add_leaves_the_file_consistent(store: Store) -> None:
    store.create_session(a_session())
    writer = start_writer(store.path, "k", 1_000_000)
    deadline = time.monotonic() + 30
    while store.session("S1").entry_count < 50 and time.monotonic() < deadline:
        time.sleep(0.01)

    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)

    with Store(store.path) as reopened:
        entries = reopened.entries("S1")
        added = reopened.append_entry("S1", "note", {"kind": "note", "text": "after"})
    check = sqlite3.connect(store.path).execute("PRAGMA integrity_check").fetchone()
    assert writer.returncode == -signal.SIGKILL
    assert check == ("ok",)
    assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
    assert all(e.payload["text"] == f"k{e.seq - 1}" for e in entries)
    assert added.seq == len(entries) + 1
