"""The HTML record in a real headless browser: every section shows.

Needs Debian's ``chromium`` package (``apt-get install -y chromium``); the
tests are skipped, saying so, only when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from generated import fill, handbook_session, plan

from advisor.record import build_record, render_record
from advisor.review import build_review, render_review
from advisor.store import Store

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="the browser test needs /usr/bin/chromium: apt-get install -y chromium",
)

SECTIONS = {
    "basics": {"en": "Basic information", "zh": "基本信息"},
    "topics": {"en": "Core topics", "zh": "核心议题与双方立场"},
    "objections": {"en": "Key objections", "zh": "关键异议及应对"},
    "results": {"en": "Results", "zh": "阶段性成果"},
    "goals": {"en": "Goal achievement", "zh": "目标达成率"},
    "open-issues": {"en": "Open issues", "zh": "遗留问题"},
    "next-actions": {"en": "Next actions", "zh": "下一步行动"},
    "strategy": {"en": "Strategy evaluation", "zh": "策略执行评估"},
    "paths": {"en": "Concession paths", "zh": "让步路径与底线"},
}


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture
def record_html(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    with Store(tmp_path / "record.sqlite3") as store:
        handbook_session(store)
        store.record_outcome("S1", "won", {"contract_amount": 480_000})
        html = render_record(build_record(store, "S1"), "html", request.param)
    path = tmp_path / f"S1-{request.param}.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.mark.parametrize("record_html", ["en", "zh"], indirect=True)
def test_the_browser_shows_every_section_of_the_record(
    record_html: Path, tmp_path: Path
) -> None:
    lang = record_html.stem.split("-")[1]

    shown = chromium(tmp_path, "--dump-dom", record_html.as_uri())

    assert shown.returncode == 0, shown.stderr
    for section, titles in SECTIONS.items():
        assert f'<section id="{section}"' in shown.stdout
        assert titles[lang] in shown.stdout
    assert "<svg" in shown.stdout
    assert "480,000" in shown.stdout


@pytest.mark.parametrize("record_html", ["en"], indirect=True)
def test_the_browser_takes_a_screenshot_of_the_record(
    record_html: Path, tmp_path: Path
) -> None:
    picture = tmp_path / "record.png"

    taken = chromium(
        tmp_path,
        f"--screenshot={picture}",
        "--window-size=1000,2400",
        record_html.as_uri(),
    )

    assert taken.returncode == 0, taken.stderr
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_browser_shows_every_section_of_the_review(tmp_path: Path) -> None:
    with Store(tmp_path / "record.sqlite3") as store:
        fill(store, plan(count=60, pending=3, still_open=2))
        html = render_review(build_review(store), "html", "en")
    page = tmp_path / "review.html"
    page.write_text(html, encoding="utf-8")

    shown = chromium(tmp_path, "--dump-dom", page.as_uri())

    assert shown.returncode == 0, shown.stderr
    for section in ("overall", "advice", "objections", "needs", "charts"):
        assert f'<section id="{section}"' in shown.stdout
    assert shown.stdout.count("<svg") == 5
