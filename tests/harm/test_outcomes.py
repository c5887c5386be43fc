"""``python -m trialbook.testing.outcomes``: comparing two JUnit XML reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialbook.testing.outcomes import differences, main, read_report, read_reports

REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">{cases}</testsuite></testsuites>
"""


def report(path: Path, **cases: str) -> Path:
    """A JUnit XML report of ``cases`` (test name -> inner XML of its testcase element)."""
    body = "".join(
        f'<testcase classname="pkg.tests.test_mod" name="{name}" time="0.1">{inner}</testcase>'
        for name, inner in cases.items()
    )
    path.write_text(REPORT.format(cases=body))
    return path


FAILED = '<failure message="AssertionError: 1 != 2&#10;more text">trace</failure>'


def test_each_status_is_read_from_its_element(tmp_path: Path) -> None:
    path = report(
        tmp_path / "run.xml",
        a="",
        b=FAILED,
        c='<error message="fixture broke">trace</error>',
        d='<skipped type="pytest.skip" message="no pandas"/>',
        e='<skipped type="pytest.xfail" message="known"/>',
    )
    found = {test.split("::")[1]: outcome.status for test, outcome in read_report(path).items()}
    assert found == {"a": "passed", "b": "failed", "c": "error", "d": "skipped", "e": "xfailed"}


def test_a_test_reported_twice_keeps_its_worst_outcome(tmp_path: Path) -> None:
    body = (
        '<testcase classname="m" name="t" time="0.1"><failure message="f"/></testcase>'
        '<testcase classname="m" name="t" time="0.1"><error message="teardown"/></testcase>'
    )
    (tmp_path / "run.xml").write_text(REPORT.format(cases=body))
    assert read_report(tmp_path / "run.xml")["m::t"].status == "error"


def test_only_tests_whose_status_changed_differ(tmp_path: Path) -> None:
    before = read_report(report(tmp_path / "off.xml", same="", broke="", gone=""))
    after = read_report(report(tmp_path / "on.xml", same="", broke=FAILED, new=""))
    found = {
        d.test.split("::")[1]: (d.before.status, d.after.status) for d in differences(before, after)
    }
    assert found == {
        "broke": ("passed", "failed"),
        "gone": ("passed", "absent"),
        "new": ("absent", "passed"),
    }


def test_folders_are_compared_report_by_report(tmp_path: Path) -> None:
    for side in ("off", "on"):
        (tmp_path / side).mkdir()
        report(tmp_path / side / "one.xml", a="")
    report(tmp_path / "off" / "two.xml", b="")
    report(tmp_path / "on" / "two.xml", b=FAILED)
    assert [
        d.test for d in differences(read_reports(tmp_path / "off"), read_reports(tmp_path / "on"))
    ] == ["pkg.tests.test_mod::b"]


def test_the_command_prints_each_difference_with_its_message_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    off = report(tmp_path / "off.xml", a="", b="")
    on = report(tmp_path / "on.xml", a="", b=FAILED)
    assert main([str(off), str(on)]) == 1
    out = capsys.readouterr().out
    assert "1 of 2 tests differ" in out
    assert "pkg.tests.test_mod::b: passed -> failed\n    AssertionError: 1 != 2\n" in out


def test_the_command_succeeds_when_every_outcome_is_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    off = report(tmp_path / "off.xml", a="", b=FAILED)
    on = report(tmp_path / "on.xml", a="", b=FAILED)
    assert main([str(off), str(on)]) == 0
    assert "identical: all 2 tests have the same outcome" in capsys.readouterr().out


def test_a_missing_report_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    off = report(tmp_path / "off.xml", a="")
    with pytest.raises(SystemExit) as stopped:
        main([str(off), str(tmp_path / "nowhere.xml")])
    assert stopped.value.code == 2
