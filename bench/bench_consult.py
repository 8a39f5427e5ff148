"""Measures a consultation: the default playbook and generated ones.

For each case it reports the median and p99 latency of a whole consultation
(facts, engine, advice) and of the part spent inside durable-rules' C
extension during the same calls, and their ratio. The target is a consult
within 2x of the C engine's own time at 100 rules x 100 facts.

    python bench/bench_consult.py            # all cases
    python bench/bench_consult.py --quick    # fewer repetitions
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor import Advisor, Deal, deal_from_data, load_deal  # noqa: E402

OBJECTION_TYPES = ["price", "function", "trust", "delivery", "competitor"]
TERMS = ["contract_amount", "payment_days", "delivery_days", "free_training_sessions"]


def generated_playbook(rules: int) -> str:
    """A playbook of strategy, guard, rebuttal and chaining rules, in equal parts."""
    lines = [
        "playbook: {name: generated, version: '1'}",
        "strategies:",
        "  s: {title: Strategy}",
        "rebuttals:",
        "  r: {objection: price, reply: Reply}",
        "rules:",
    ]
    for number in range(rules):
        shape = number % 4
        if shape == 0:
            when = f"[{{customer: {{past_satisfaction: {{'>=': {number % 5 + 1}}}}}}}]"
            then = "[{recommend: s}]"
        elif shape == 1:
            when = (
                f"[{{concession: {{term: {TERMS[number % 4]}, "
                f"size: {{'>': {number * 10}}}}}}}]"
            )
            then = "[{flag: {severity: warning, message: '{concession.size}'}}]"
        elif shape == 2:
            when = f"[{{objection: {{type: {OBJECTION_TYPES[number % 5]}}}}}]"
            then = "[{rebut: r}]"
        else:
            when = (
                f"[{{offer: {{value: {{'>': {number * 100}}}, by: customer, "
                f"term: {TERMS[number // 4 % 4]}}}}}]"
            )
            then = f"[{{assert: {{fact: derived{number}, fields: {{n: {number}}}}}}}]"
        lines.append(
            f"  - {{id: rule{number}, because: x, when: {when}, then: {then}}}"
        )
    return "\n".join(lines) + "\n"


def generated_deal(facts: int) -> Deal:
    """A deal whose facts number about ``facts``, mostly meeting entries."""
    entries = []
    for number in range(max(0, facts - 8)):
        kind = number % 4
        if kind == 0:
            entries.append(
                {
                    "kind": "offer",
                    "by": "customer",
                    "term": TERMS[number % 4],
                    "value": 1000 + number * 37,
                }
            )
        elif kind == 1:
            entries.append(
                {
                    "kind": "concession",
                    "term": TERMS[number % 4],
                    "from": 10000 - number,
                    "to": 9000 - number,
                    "for": "x",
                }
            )
        elif kind == 2:
            entries.append(
                {"kind": "objection", "type": OBJECTION_TYPES[number % 5], "text": "t"}
            )
        else:
            entries.append({"kind": "note", "text": f"note {number}"})
    return deal_from_data(
        {
            "deal": {"title": "Benchmark", "list_price": 100000},
            "customer": {
                "name": "Acme",
                "type": "price_sensitive",
                "past_satisfaction": 3,
            },
            "bottom_lines": {"contract_amount": {"min": 1000}},
            "entries": entries,
        }
    )


def measure(advisor: Advisor, deal: Deal, repeat: int) -> dict[str, float]:
    for _ in range(min(20, repeat)):
        advisor.consult(deal)
    totals, engines = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        _, stats = advisor.consult_with_stats(deal)
        totals.append(time.perf_counter() - started)
        engines.append(stats.engine_seconds)
    return {
        "median_ms": statistics.median(totals) * 1000,
        "p99_ms": percentile(totals, 99) * 1000,
        "engine_median_ms": statistics.median(engines) * 1000,
        "ratio": statistics.median(totals) / max(statistics.median(engines), 1e-9),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share / 100))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    options = parser.parse_args()
    scale = 0.2 if options.quick else 1.0

    rows = []
    default = Advisor.load()
    for name in ("deal-zh", "deal-en"):
        deal = load_deal(ROOT / "examples" / f"{name}.yaml")
        rows.append(
            (f"default playbook, {name}", measure(default, deal, int(2000 * scale)))
        )

    with tempfile.TemporaryDirectory() as folder:
        for rules in (20, 100, 500):
            path = Path(folder) / f"generated-{rules}.yaml"
            path.write_text(generated_playbook(rules), encoding="utf-8")
            advisor = Advisor.load(path)
            for facts in (10, 100, 1000):
                repeat = int(max(30, 3000 // max(1, rules * facts // 500)) * scale)
                result = measure(advisor, generated_deal(facts), max(repeat, 20))
                rows.append((f"{rules} rules x {facts} facts", result))

    print(f"{'case':<34}{'median ms':>11}{'p99 ms':>9}{'C engine ms':>13}{'ratio':>7}")
    for name, result in rows:
        print(
            f"{name:<34}{result['median_ms']:>11.3f}{result['p99_ms']:>9.3f}"
            f"{result['engine_median_ms']:>13.3f}{result['ratio']:>7.2f}"
        )


if __name__ == "__main__":
    main()
