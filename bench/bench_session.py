"""Measures the advice latency of a live session after one more entry.

For sessions of 10, 100 and 1,000 entries it times ``LiveSessions.add_entry``
(check the entry, commit it to a real SQLite file, read the session back,
consult the default playbook on the whole session, store the advice, build
the delta) and, as the baseline in the same run, a bare ``Advisor.consult``
of the same deal and entries. It prints median and p99 of both, their ratio,
and how the latency grows with the number of entries. The target is under
50 ms at 100 entries.

    python bench/bench_session.py            # 10, 100 and 1,000 entries
    python bench/bench_session.py --quick    # fewer repetitions
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor import Advisor, LiveSessions, load_deal  # noqa: E402
from advisor.session import entry_from_data  # noqa: E402

SIZES = (10, 100, 1000)


def meeting_entries(count: int) -> list[dict[str, Any]]:
    """A meeting of ``count`` entries that cycles through every kind of move."""
    entries: list[dict[str, Any]] = []
    price = 600_000
    for number in range(count):
        step = number % 10
        if step == 0:
            entries.append({"kind": "demand", "topic": "price", "text": "再降5%"})
        elif step == 1:
            entries.append(
                {
                    "kind": "offer",
                    "by": "customer",
                    "term": "contract_amount",
                    "value": price - 40_000,
                }
            )
        elif step == 2:
            after = price - 1_000
            entries.append(
                {
                    "kind": "concession",
                    "term": "contract_amount",
                    "from": price,
                    "to": after,
                    "for": "付款期30天",
                }
            )
            price = after
        elif step == 3:
            kinds = ["price", "delivery", "trust", "competitor", "function"]
            entries.append(
                {
                    "kind": "objection",
                    "type": kinds[number % 5],
                    "text": "顾虑",
                    "reply": "回应",
                    "effect": "partly",
                }
            )
        elif step == 4:
            moods = ["hesitant", "firm", "softening", "negative"]
            entries.append(
                {"kind": "attitude", "topic": "price", "to": moods[number % 4]}
            )
        elif step == 5:
            entries.append({"kind": "keyword", "words": ["成本", "效率"]})
        elif step == 6:
            entries.append({"kind": "response", "topic": "service", "text": "培训"})
        elif step == 7:
            entries.append(
                {"kind": "agreement", "term": "free_training_sessions", "value": 3}
            )
        elif step == 8:
            entries.append({"kind": "open_issue", "text": "法务审核", "owner": "法务"})
        else:
            entries.append({"kind": "note", "text": f"第 {number} 条"})
    return entries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(size: int, repeats: int, folder: Path) -> dict[str, float]:
    """Time one more entry on ``repeats`` sessions that hold ``size`` entries."""
    deal = load_deal(ROOT / "examples" / "deal-zh.yaml")
    entries = meeting_entries(size + 2)
    adds: list[float] = []
    with LiveSessions(folder / f"bench-{size}.sqlite3") as sessions:
        template = _filled_session(sessions, deal, entries[: size - 1])
        for copy in range(repeats):
            exported = {
                **template,
                "session": {**template["session"], "id": f"B{copy}"},
            }
            sid = sessions.import_session(exported).id
            # One add so that the advice after the entry before is stored, as
            # it is in a real meeting; then the one that is timed.
            sessions.add_entry(sid, entries[size - 1])
            start = time.perf_counter()
            sessions.add_entry(sid, entries[size])
            adds.append(time.perf_counter() - start)

    advisor = Advisor.load()
    parsed = [entry_from_data(item) for item in entries[: size + 1]]
    consults = []
    for _ in range(repeats):
        start = time.perf_counter()
        advisor.consult(deal, parsed)
        consults.append(time.perf_counter() - start)
    return {
        "add_median": statistics.median(adds) * 1000,
        "add_p99": percentile(adds, 0.99) * 1000,
        "consult_median": statistics.median(consults) * 1000,
        "consult_p99": percentile(consults, 0.99) * 1000,
    }


def _filled_session(
    sessions: LiveSessions, deal: Any, entries: list[dict[str, Any]]
) -> dict[str, Any]:
    """An export of a session holding ``entries``, recorded without advice.

    The entries go straight to the store (their terms are already canonical)
    so that building a 1,000-entry session does not take a thousand consults.
    """
    sid = sessions.open_session(deal).session
    for entry in entries:
        parsed = entry_from_data(entry)
        payload = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
        sessions.store.append_entry(sid, parsed.kind, payload)
    exported = sessions.export_session(sid)
    exported["advice"] = []
    return exported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeats = (
        {10: 60, 100: 40, 1000: 15} if not args.quick else {10: 15, 100: 10, 1000: 5}
    )

    print(
        f"{'entries':>8} {'add median':>11} {'add p99':>9} "
        f"{'consult median':>15} {'consult p99':>12} {'add/consult':>12}"
    )
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            row = measure(size, repeats[size], Path(folder))
            results[size] = row
            print(
                f"{size:>8} {row['add_median']:>9.1f}ms {row['add_p99']:>7.1f}ms "
                f"{row['consult_median']:>13.1f}ms {row['consult_p99']:>10.1f}ms "
                f"{row['add_median'] / row['consult_median']:>11.2f}x"
            )
    print()
    for small, large in itertools.pairwise(SIZES):
        growth = results[large]["add_median"] / results[small]["add_median"]
        print(
            f"growth {small} -> {large} entries (x{large // small}): "
            f"add median x{growth:.1f}"
        )
    verdict = "meets" if results[100]["add_median"] < 50 else "misses"
    print(
        f"target: under 50 ms at 100 entries: {verdict} "
        f"({results[100]['add_median']:.1f} ms median)"
    )


if __name__ == "__main__":
    main()
