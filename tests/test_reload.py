"""Reloading a playbook while consultations run, on the real engine."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from advisor import (
    Advice,
    Deal,
    PlaybookError,
    ReloadingAdvisor,
    engine,
    load_deal,
    resources,
)

VERSION = """\
playbook: {{name: team, version: "{version}", languages: [en]}}
rules:
  - id: mark.version
    because: Shows which version gave the advice.
    when: [deal: {{}}]
    then:
      - flag: {{severity: info, message: "version {version}"}}
"""


@pytest.fixture
def playbook(tmp_path: Path) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(VERSION.format(version="A"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def deal() -> Deal:
    return load_deal(resources.examples_dir() / "deal-en.yaml")


def marker(advice: Advice) -> str:
    return advice.flags[0].message


def test_reloading_an_unchanged_file_changes_nothing(playbook: Path) -> None:
    advisor = ReloadingAdvisor(playbook)
    serving = advisor.advisor

    result = advisor.reload()

    assert (result.changed, result.error) == (False, None)
    assert advisor.advisor is serving


def test_a_comment_only_edit_compiles_nothing_new(playbook: Path) -> None:
    advisor = ReloadingAdvisor(playbook)
    serving = advisor.advisor
    registered = engine.registered_rulesets()
    playbook.write_text(
        "# reworded comment\n" + playbook.read_text(encoding="utf-8"),
        encoding="utf-8",
    )

    result = advisor.reload()

    assert (result.changed, result.error) == (False, None)
    assert advisor.advisor is serving
    assert engine.registered_rulesets() == registered


def test_an_edited_playbook_serves_after_a_reload(playbook: Path, deal: Deal) -> None:
    advisor = ReloadingAdvisor(playbook)
    playbook.write_text(VERSION.format(version="B"), encoding="utf-8")

    result = advisor.reload()

    assert result.changed
    assert result.digest == advisor.advisor.plan.digest
    assert marker(advisor.consult(deal)) == "version B"


def test_a_broken_edit_keeps_the_old_version_serving(
    playbook: Path, deal: Deal
) -> None:
    advisor = ReloadingAdvisor(playbook)
    playbook.write_text(
        VERSION.format(version="B").replace("deal: {}", "dael: {}"), encoding="utf-8"
    )

    result = advisor.reload()

    assert not result.changed
    assert str(result.error) == (
        f"{playbook}:5:12: unknown fact kind 'dael'; did you mean 'deal'? "
        "(at rules.0.when.0.dael)"
    )
    assert advisor.last_error is result.error
    assert marker(advisor.consult(deal)) == "version A"


def test_a_broken_edit_once_fixed_serves_and_clears_the_error(playbook: Path) -> None:
    advisor = ReloadingAdvisor(playbook)
    playbook.write_text("playbook: [", encoding="utf-8")
    assert advisor.reload().error is not None

    playbook.write_text(VERSION.format(version="C"), encoding="utf-8")
    result = advisor.reload()

    assert (result.changed, result.error, advisor.last_error) == (True, None, None)
    assert advisor.advisor.plan.version == "C"


def test_a_broken_first_version_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text("rules: 3\n", encoding="utf-8")

    with pytest.raises(PlaybookError):
        ReloadingAdvisor(path)


def test_an_edit_to_an_included_module_is_picked_up(tmp_path: Path) -> None:
    module = tmp_path / "extra.yaml"
    rules = VERSION.format(version="A").split("\n", 1)[1]
    module.write_text(rules, encoding="utf-8")
    path = tmp_path / "team.yaml"
    path.write_text(
        "playbook: {name: team, languages: [en]}\ninclude: [extra]\n",
        encoding="utf-8",
    )
    advisor = ReloadingAdvisor(path)
    module.write_text(rules.replace("version A", "version B"), encoding="utf-8")

    result = advisor.reload()

    assert result.changed


def resident_bytes() -> int:
    pages = Path("/proc/self/statm").read_text(encoding="ascii").split()[1]
    return int(pages) * 4096


def test_many_reloads_of_known_versions_register_no_new_rulesets(
    playbook: Path,
    deal,  # type: ignore[no-untyped-def]
) -> None:
    advisor = ReloadingAdvisor(playbook)
    playbook.write_text(VERSION.format(version="B"), encoding="utf-8")
    advisor.reload()
    registered = engine.registered_rulesets()
    before = 0

    for round_ in range(600):
        if round_ == 100:
            before = resident_bytes()
        version = "AB"[round_ % 2]
        playbook.write_text(VERSION.format(version=version), encoding="utf-8")
        assert advisor.reload().changed
        assert marker(advisor.consult(deal)) == f"version {version}"

    assert engine.registered_rulesets() == registered
    assert resident_bytes() - before < 4 * 1024 * 1024


def test_consultations_during_reloads_never_fail_or_mix_versions(
    playbook: Path,
    deal,  # type: ignore[no-untyped-def]
) -> None:
    advisor = ReloadingAdvisor(playbook)
    seen: list[tuple[str, str]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def consult_until_stopped() -> None:
        while not stop.is_set():
            try:
                advice = advisor.consult(deal)
                seen.append((advice.playbook.version, marker(advice)))
            except BaseException as error:  # any failure at all fails the test
                failures.append(error)
                return

    threads = [threading.Thread(target=consult_until_stopped) for _ in range(4)]
    for thread in threads:
        thread.start()
    for round_ in range(100):
        version = "ABC"[round_ % 3]
        playbook.write_text(VERSION.format(version=version), encoding="utf-8")
        advisor.reload()
    stop.set()
    for thread in threads:
        thread.join()

    assert failures == []
    assert {version for version, _ in seen} == {"A", "B", "C"}
    assert all(text == f"version {version}" for version, text in seen)
