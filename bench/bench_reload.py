"""Measures reloading a playbook: what an unchanged, a known and a new version cost.

A full load (read, validate, compile, register in the engine) is the
baseline; an unchanged reload should cost a small fraction of it, and going
back to a version seen before should compile nothing. It also reports the
resident memory and the engine's ruleset count over many reloads between
two known versions, which must stay flat.

    python bench/bench_reload.py
    python bench/bench_reload.py --rounds 2000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor import Advisor, ReloadingAdvisor, engine, load_deal  # noqa: E402
from advisor.resources import default_playbook, examples_dir  # noqa: E402


def median_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def resident_mb() -> float:
    pages = Path("/proc/self/statm").read_text(encoding="ascii").split()[1]
    return int(pages) * 4096 / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp())
    path = folder / "default.yaml"
    original = default_playbook().read_text(encoding="utf-8")
    other = original.replace('version: "1.0.0"', 'version: "1.0.1"')
    path.write_text(original, encoding="utf-8")
    deal = load_deal(examples_dir() / "deal-en.yaml")

    full = median_ms(lambda: Advisor.load(path), 30)
    advisor = ReloadingAdvisor(path)
    unchanged = median_ms(advisor.reload, 300)

    path.write_text(other, encoding="utf-8")
    advisor.reload()
    texts = [original, other]

    def swap() -> None:
        path.write_text(texts[0], encoding="utf-8")
        texts.reverse()
        advisor.reload()

    known = median_ms(swap, 300)

    rulesets = engine.registered_rulesets()
    before = resident_mb()
    for _ in range(args.rounds):
        swap()
        advisor.consult(deal)
    after = resident_mb()

    print(f"full load (baseline)     {full:8.3f} ms")
    print(f"unchanged reload         {unchanged:8.3f} ms  ({unchanged / full:.3f}x)")
    print(f"reload a known version   {known:8.3f} ms  ({known / full:.3f}x)")
    print(
        f"{args.rounds} reloads + consults: rulesets {rulesets} -> "
        f"{engine.registered_rulesets()}, resident {before:.1f} -> {after:.1f} MB"
    )
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
