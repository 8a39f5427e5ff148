"""Measures the team review over a store of 10,000 negotiations.

The store is generated once (the deterministic generator the tests use) into
a temporary folder and kept for later runs unless ``--fresh`` is given. For
the review it reports the median and the slowest of several runs, against a
baseline measured in the same run: reading the same rows from SQLite
(``Store.review_rows``), which any review has to do. The target is a whole
review under 5 seconds.

    python bench/bench_review.py               # 10,000 negotiations
    python bench/bench_review.py --count 2000  # a smaller store
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from generated import fill, plan  # noqa: E402

from advisor.playbook import read_playbook  # noqa: E402
from advisor.resources import default_playbook  # noqa: E402
from advisor.review import REVIEWED_KINDS, build_review, render_review  # noqa: E402
from advisor.store import Store  # noqa: E402
from advisor.suggest import playbook_patch, suggest  # noqa: E402

TARGET_SECONDS = 5.0


def store_of(count: int, fresh: bool) -> Path:
    """A store of ``count`` negotiations: 5% pending, 2.5% open, the rest decided."""
    path = Path(tempfile.gettempdir()) / f"advisor-bench-review-{count}.sqlite3"
    if fresh or not path.exists():
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        started = time.perf_counter()
        with Store(path) as store:
            pending, still_open = count // 20, count // 40
            fill(store, plan(count - pending - still_open, pending, still_open))
        print(f"generated {path} in {time.perf_counter() - started:.1f} s")
    return path


def timed(work: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--fresh", action="store_true", help="Generate the store again."
    )
    options = parser.parse_args()

    path = store_of(options.count, options.fresh)
    source = read_playbook(default_playbook())
    with Store(path) as store:
        sessions = len(store.sessions())
        reading = timed(
            lambda: store.review_rows(entry_kinds=REVIEWED_KINDS), options.runs
        )
        review = timed(lambda: build_review(store), options.runs)
        result = build_review(store)
        rendering = {
            name: timed(lambda name=name: render_review(result, name), options.runs)
            for name in ("text", "html", "json")
        }
        suggesting = timed(
            lambda: playbook_patch(source, suggest(result, source)), options.runs
        )

    print(f"negotiations in the store: {sessions:,}")
    report("read the rows (baseline)", reading)
    report("whole review", review, baseline=reading)
    for name, times in rendering.items():
        report(f"render as {name}", times)
    report("suggest + patch", suggesting)
    slowest = max(review) + max(rendering["html"])
    verdict = "meets" if slowest < TARGET_SECONDS else "MISSES"
    print(
        f"review + HTML at worst {slowest:.2f} s: {verdict} the "
        f"{TARGET_SECONDS:.0f} s target"
    )


def report(name: str, times: list[float], baseline: list[float] | None = None) -> None:
    median = statistics.median(times)
    ratio = (
        f"  ({median / statistics.median(baseline):.1f}x baseline)" if baseline else ""
    )
    print(f"{name:26} median {median:7.3f} s  max {max(times):7.3f} s{ratio}")


if __name__ == "__main__":
    main()
