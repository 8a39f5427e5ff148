"""Turns advice into text for a terminal, Markdown for a CRM note, or JSON.

The brief reads top-down the way a salesperson prepares: what to do
(strategies), what to watch (flags), what to say (rebuttals), and what is at
stake (goals and bottom lines). Every item ends with the rule that gave it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from .advice import Advice, BottomLineView, Explained, GoalView, OfferPackage
from .template import plain

_WIDTH = 80

_LABELS = {
    "en": {
        "brief": "Negotiation brief",
        "playbook": "playbook",
        "strategies": "Strategies",
        "flags": "Flags",
        "rebuttals": "Objection replies",
        "goals": "Goals and bottom lines",
        "none": "(none)",
        "why": "why",
        "facts": "facts",
        "lead": "lead with",
        "prepared": "prepared reply",
        "evidence": "evidence",
        "customer_said": "customer said",
        "expected": "expected",
        "raised": "raised in the meeting",
        "also": "also recommended by",
        "must": "must",
        "try": "try",
        "give_up": "can give up",
        "bottom": "bottom line",
        "position": "on the table",
        "left": "left",
        "no_advice": "No rule fired for this deal.",
        "derived": "Derived facts",
        "packages": "Offer packages",
        "value": "value to us",
        "gives_up": "gives up",
    },
    "zh": {
        "brief": "谈判简报",
        "playbook": "策略手册",
        "strategies": "推荐策略",
        "flags": "提醒",
        "rebuttals": "异议应对",
        "goals": "目标与底线",
        "none": "（无）",
        "why": "理由",
        "facts": "依据",
        "lead": "可引用的卖点",
        "prepared": "准备好的回应",
        "evidence": "证据",
        "customer_said": "客户原话",
        "expected": "预计异议",
        "raised": "会上提出",
        "also": "同样推荐的规则",
        "must": "必达",
        "try": "争取",
        "give_up": "可放弃",
        "bottom": "底线",
        "position": "当前条件",
        "left": "剩余空间",
        "no_advice": "没有规则对这个交易生效。",
        "derived": "推导出的事实",
        "packages": "等值报价方案",
        "value": "对我方价值",
        "gives_up": "放弃",
    },
}

_SEVERITY = {
    "en": {"blocking": "BLOCK", "critical": "CRIT", "warning": "WARN", "info": "INFO"},
    "zh": {"blocking": "阻断", "critical": "严重", "warning": "警告", "info": "提示"},
}


Labels = dict[str, str]


def labels(lang: str) -> Labels:
    return _LABELS.get(lang, _LABELS["en"])


def to_json(advice: Advice) -> str:
    """The advice as JSON, as documented by ``schema/advice.schema.json``."""
    return json.dumps(advice.model_dump(mode="json"), ensure_ascii=False, indent=2)


def to_text(advice: Advice, explain: bool = False) -> str:
    """A brief for a terminal, wrapped at 80 columns."""
    words = labels(advice.lang)
    lines = [
        f"{words['brief']}: {advice.deal}",
        f"{words['playbook']}: {advice.playbook.name} {advice.playbook.version}",
        "",
    ]
    if not advice.items():
        lines.extend([words["no_advice"], ""])

    for section in (
        _text_strategies,
        _text_flags,
        _text_rebuttals,
        _text_packages,
        _text_goals,
        _text_derived,
    ):
        lines.extend(section(advice, words, explain))
    return "\n".join(lines).rstrip() + "\n"


def _text_strategies(advice: Advice, words: Labels, explain: bool) -> list[str]:
    lines = [_heading(words["strategies"])]
    for number, item in enumerate(advice.recommendations, start=1):
        lines.extend(_wrap(f"{number}. {item.title}  [{item.rule}]", "", "   "))
        lines.extend(_wrap(item.how, "   ", "   "))
        if item.evidence:
            lines.extend(_wrap(f"{words['evidence']}: {item.evidence}", "   ", "   "))
        lines.extend(_explanation(item, words, explain))
    return lines + _empty(advice.recommendations, words)


def _text_flags(advice: Advice, words: Labels, explain: bool) -> list[str]:
    lines = [_heading(words["flags"])]
    tags = _SEVERITY.get(advice.lang, _SEVERITY["en"])
    for flag in advice.flags:
        tag = _pad(tags[flag.severity], 6)
        lines.extend(_wrap(f"{tag}{flag.message}  [{flag.rule}]", "", "      "))
        lines.extend(_explanation(flag, words, explain, indent="      "))
    return lines + _empty(advice.flags, words)


def _text_rebuttals(advice: Advice, words: Labels, explain: bool) -> list[str]:
    lines = [_heading(words["rebuttals"])]
    for reply in advice.rebuttals:
        origin = words["raised"] if reply.entry else words["expected"]
        said = f": {reply.objection_text}" if reply.objection_text else ""
        lines.extend(_wrap(f"[{reply.objection}] {origin}{said}", "", "   "))
        lines.extend(_wrap(f"{reply.reply}  [{reply.rule}]", "   ", "   "))
        for point in reply.selling_points:
            lines.extend(_wrap(f"{words['lead']}: {point}", "   + ", "     "))
        if reply.prepared_reply:
            text = f"{words['prepared']}: {reply.prepared_reply}"
            lines.extend(_wrap(text, "   ", "   "))
        if reply.evidence:
            lines.extend(_wrap(f"{words['evidence']}: {reply.evidence}", "   ", "   "))
        lines.extend(_explanation(reply, words, explain))
    return lines + _empty(advice.rebuttals, words)


def _text_packages(advice: Advice, words: Labels, explain: bool) -> list[str]:
    if not advice.packages:
        return []
    lines = [_heading(words["packages"])]
    for number, package in enumerate(advice.packages, start=1):
        text = f"{number}. {package.title}: {_package_terms(package, words)}"
        lines.extend(_wrap(text, "", "   "))
    lines.extend(_wrap(advice.packages[0].how, "   ", "   "))
    return [*lines, ""]


def _text_goals(advice: Advice, words: Labels, explain: bool) -> list[str]:
    lines = [_heading(words["goals"])]
    for goal in advice.goals:
        lines.extend(_wrap(_goal_line(goal, words), "", "   "))
    for line in advice.bottom_lines:
        lines.extend(_wrap(_bottom_line(line, words), "", "   "))
    return lines + _empty([*advice.goals, *advice.bottom_lines], words)


def _text_derived(advice: Advice, words: Labels, explain: bool) -> list[str]:
    if not (explain and advice.derived):
        return []
    lines = [_heading(words["derived"])]
    for fact in advice.derived:
        fields = ", ".join(f"{k}={v}" for k, v in fact.fields.items())
        lines.extend(_wrap(f"{fact.kind}: {fields}  [{fact.rule}]", "", "   "))
    return [*lines, ""]


def _pad(text: str, width: int) -> str:
    return text + " " * max(1, width - _display_width(text))


def to_markdown(advice: Advice, explain: bool = False) -> str:
    """A brief in Markdown that pastes cleanly into a CRM note."""
    words = labels(advice.lang)
    out = [
        f"# {words['brief']}: {advice.deal}",
        "",
        f"*{words['playbook']}: {advice.playbook.name} {advice.playbook.version}*",
        "",
        f"## {words['strategies']}",
        "",
    ]
    for number, item in enumerate(advice.recommendations, start=1):
        out.append(f"{number}. **{item.title}** (`{item.rule}`)")
        if item.how:
            out.append(f"   {item.how}")
        if item.evidence:
            out.append(f"   *{words['evidence']}: {item.evidence}*")
        out.extend(_md_explanation(item, words, explain))
    out.extend(_empty(advice.recommendations, words))

    out.extend([f"## {words['flags']}", ""])
    for flag in advice.flags:
        tag = _SEVERITY.get(advice.lang, _SEVERITY["en"])[flag.severity]
        out.append(f"- **{tag}** {flag.message} (`{flag.rule}`)")
        out.extend(_md_explanation(flag, words, explain))
    out.extend(_empty(advice.flags, words))

    out.extend([f"## {words['rebuttals']}", ""])
    for reply in advice.rebuttals:
        origin = words["raised"] if reply.entry else words["expected"]
        said = f": “{reply.objection_text}”" if reply.objection_text else ""
        out.append(f"- **{reply.objection}** ({origin}){said}")
        out.append(f"  - {reply.reply} (`{reply.rule}`)")
        out.extend(f"  - {words['lead']}: {point}" for point in reply.selling_points)
        if reply.prepared_reply:
            out.append(f"  - {words['prepared']}: {reply.prepared_reply}")
        if reply.evidence:
            out.append(f"  - {words['evidence']}: {reply.evidence}")
        out.extend(_md_explanation(reply, words, explain))
    out.extend(_empty(advice.rebuttals, words))

    if advice.packages:
        out.extend([f"## {words['packages']}", ""])
        for number, package in enumerate(advice.packages, start=1):
            terms = _package_terms(package, words)
            out.append(f"{number}. **{package.title}**: {terms}")
        out.extend(["", advice.packages[0].how, ""])

    out.extend([f"## {words['goals']}", ""])
    out.extend(f"- {_goal_line(goal, words)}" for goal in advice.goals)
    out.extend(f"- {_bottom_line(line, words)}" for line in advice.bottom_lines)
    return "\n".join(out).rstrip() + "\n"


RENDERERS: dict[str, Callable[[Advice, bool], str]] = {
    "text": to_text,
    "markdown": to_markdown,
    "json": lambda advice, explain: to_json(advice),
}


def _heading(title: str) -> str:
    return f"{title}\n{'-' * min(_WIDTH, max(8, _display_width(title)))}"


def _display_width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _wrap(text: str, first: str, rest: str) -> list[str]:
    """Wrap at 80 terminal columns, Chinese included.

    Chinese has no spaces, so the boundary between two wide characters is a
    place to break, except before closing punctuation, which never starts a
    line: the character before it moves down with it.
    """
    if not text:
        return []
    lines: list[str] = []
    tokens: list[str] = []
    indent = first
    for token in _TOKENS.findall(text):
        width = _display_width(indent + "".join(tokens) + token)
        if width > _WIDTH and tokens:
            carried = []
            if token in _NO_LINE_START and len(tokens) > 1:
                carried = [tokens.pop().lstrip()]
            lines.append((indent + "".join(tokens)).rstrip())
            indent, tokens = rest, carried
            if not tokens:
                token = token.lstrip()
        tokens.append(token)
    if "".join(tokens).strip():
        lines.append((indent + "".join(tokens)).rstrip())
    return lines


_NO_LINE_START = set("，。、；：！？）」』》”’")

# A run of spaces with the word after it, or a single wide character.
_TOKENS = re.compile(r"\s*[\u2e80-\uffff]|\s*[^\s\u2e80-\uffff]+|\s+")


def _empty(items: Sequence[object], words: dict[str, str]) -> list[str]:
    return [words["none"], ""] if not items else [""]


def _explanation(
    item: Explained, words: dict[str, str], explain: bool, indent: str = "   "
) -> list[str]:
    if not explain:
        return []
    lines = _wrap(f"{words['why']}: {item.because}", indent, indent + "  ")
    for fact in item.facts:
        fields = ", ".join(f"{key}={value}" for key, value in fact.fields.items())
        text = f"{words['facts']}: {fact.name} = {fact.kind} {fact.id} ({fields})"
        lines.extend(_wrap(text, indent, indent + "  "))
    return lines


def _md_explanation(item: Explained, words: dict[str, str], explain: bool) -> list[str]:
    if not explain:
        return []
    lines = [f"   - *{words['why']}*: {item.because}"]
    for fact in item.facts:
        fields = ", ".join(f"{key}={value}" for key, value in fact.fields.items())
        lines.append(f"   - *{words['facts']}*: `{fact.kind} {fact.id}` ({fields})")
    return lines


def _package_terms(package: OfferPackage, words: dict[str, str]) -> str:
    parts = [f"{term} {plain(value)}" for term, value in package.terms.items()]
    if package.gives_up:
        parts.append(f"{words['gives_up']} {', '.join(package.gives_up)}")
    parts.append(f"{words['value']} {plain(package.value)}")
    return "; ".join(parts)


def _goal_line(goal: GoalView, words: dict[str, str]) -> str:
    tier = words.get(goal.tier, goal.tier)
    if goal.target is not None:
        what = f"{goal.metric} {goal.op} {plain(goal.target)}"
    else:
        what = goal.text
    line = f"[{tier}] {goal.id}: {what}"
    if goal.bottom_line is not None:
        line += f"; {words['bottom']} {_limit(goal.bottom_line)}"
    return line


def _bottom_line(line: BottomLineView, words: dict[str, str]) -> str:
    text = f"{words['bottom']} {line.term} {_limit(line)}"
    if line.position is not None:
        text += f"; {words['position']} {plain(line.position)}"
        if line.left is not None:
            text += f", {words['left']} {plain(line.left)}"
        if line.share is not None:
            text += f" ({line.share:.0%})"
    return text


def _limit(line: BottomLineView) -> str:
    sign = ">=" if line.direction == "min" else "<="
    return f"{sign} {plain(line.limit)}"
