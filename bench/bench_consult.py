"""Measures a consultation: the default playbook and generated ones.

For each case it reports the median and p99 latency of a whole consultation
(facts, engine, advice), the part spent inside durable-rules' C extension
during the same calls, and their ratio. As a second baseline it runs the
same compiled rules and facts through durable-rules' own Python ``Host``
(actions that only record the firing and assert the derived facts), in a
child process, since the Host's threads have crashed processes before.

    python bench/bench_consult.py            # all cases
    python bench/bench_consult.py --quick    # fewer repetitions
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
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


def measure_host(
    plan_rules: list, facts: list[dict], repeat: int
) -> tuple[float, float]:
    """Median ms of the same run through durable-rules' own Python Host.

    Also returns the firings per run, so a run whose actions failed
    silently inside the Host (it stores such errors instead of raising
    them) is not mistaken for a fast one.
    """
    from durable.engine import Host

    from advisor.engine import ruleset_definition

    definition = ruleset_definition(plan_rules)
    derived = {
        rule.id: [a for a in rule.actions if a.kind == "assert"] for rule in plan_rules
    }
    fired: list[str] = []

    def action_for(rule_id: str):  # type: ignore[no-untyped-def]
        def run(c):  # type: ignore[no-untyped-def]
            fired.append(rule_id)
            for action in derived.get(rule_id, ()):
                c.assert_fact({"kind": action.target, "id": f"d{len(fired)}"})

        return run

    for rule_id, body in definition.items():
        body.pop("cap", None)
        body["run"] = action_for(rule_id)
    host = Host()
    host.register_rulesets({"baseline": definition})

    timings = []
    for number in range(repeat + 20):
        sid = str(number)
        batch = [{"kind": "$start", "id": "$start", "sid": sid}]
        batch.extend(
            {**fact, "id": f"{fact['kind']}:{fact['id']}", "sid": sid} for fact in facts
        )
        started = time.perf_counter()
        host.assert_facts("baseline", batch)
        host.delete_state("baseline", sid)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings[20:]) * 1000, len(fired) / (repeat + 20)


def host_case(
    rules: int, facts: int, repeat: int, firings: int
) -> tuple[float | None, int]:
    """Run :func:`measure_host` for a generated case in a child process.

    The Host's own dispatcher thread races the calls made for it, and a run
    fails now and then (the engine reports a deleted node, or the process
    dies); a run that fails or fires a different number of rules than ours
    is tried again, up to three times, and the failures are counted.
    """
    failures = 0
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, __file__, "--host", str(rules), str(facts), str(repeat)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            median, fired = (float(part) for part in result.stdout.split())
            # The Host also runs the internal start rule once per run.
            if fired == firings + 1:
                return median, failures
        failures += 1
    return None, failures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share / 100))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--host", nargs=3, type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.host:
        rules, facts, repeat = options.host
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "generated.yaml"
            path.write_text(generated_playbook(rules), encoding="utf-8")
            advisor = Advisor.load(path)
            deal_facts = advisor.facts(generated_deal(facts))
            print(*measure_host(list(advisor.plan.rules), deal_facts, repeat))
        return
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
                deal = generated_deal(facts)
                result = measure(advisor, deal, max(repeat, 20))
                firings = advisor.consult_with_stats(deal)[1].firings
                host_ms, failures = host_case(rules, facts, max(repeat, 20), firings)
                result["host_ms"] = host_ms or 0.0
                result["host_failures"] = failures
                rows.append((f"{rules} rules x {facts} facts", result))

    print(
        f"{'case':<28}{'median ms':>10}{'p99 ms':>9}{'C ms':>8}{'/C':>6}"
        f"{'Host ms':>10}{'/Host':>7}{'Host fails':>11}"
    )
    for name, result in rows:
        host = result.get("host_ms", 0.0)
        shown = (
            f"{host:>10.3f}{result['median_ms'] / host:>7.2f}"
            if host
            else (f"{'-':>10}{'-':>7}")
        )
        fails = int(result["host_failures"]) if "host_failures" in result else "-"
        print(
            f"{name:<28}{result['median_ms']:>10.3f}{result['p99_ms']:>9.3f}"
            f"{result['engine_median_ms']:>8.3f}{result['ratio']:>6.2f}"
            f"{shown}{fails:>11}"
        )


if __name__ == "__main__":
    main()
