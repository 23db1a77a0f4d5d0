"""The real lane's lines in pytest's terminal summary: ``real glpi-10.0.12: N passed``.

The reports carry their GLPI version as a user property (set by
``tests/real/conftest.py``), so the counting works on the xdist controller,
which sees every report but loads no fixture of the lane.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict

_COUNTS: dict[str, Counter] = defaultdict(Counter)
_SKIPPED: Counter = Counter()


def note_report(report) -> None:
    """Count one test report of ``tests/real/`` (the call phase, or a skip/failure in setup)."""
    if not report.nodeid.startswith("tests/real/"):
        return
    label = dict(report.user_properties).get("real_glpi")
    if label is None or report.when == "setup" and report.skipped:
        if report.skipped:
            _SKIPPED[_reason(report)] += 1
        return
    if report.when == "call" or (report.when == "setup" and report.failed):
        outcome = "xfailed" if hasattr(report, "wasxfail") and report.skipped else report.outcome
        if hasattr(report, "wasxfail") and report.passed:
            outcome = "xpassed"
        _COUNTS[label][outcome] += 1


def _reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def write_summary(terminalreporter) -> None:
    """One line per real GLPI that ran tests; one line when the whole lane was skipped."""
    for label in sorted(_COUNTS):
        counts = _COUNTS[label]
        parts = [f"{counts[k]} {k}" for k in ("passed", "failed", "xfailed", "xpassed", "skipped")
                 if counts[k]]
        terminalreporter.write_line(f"real {label}: {', '.join(parts)}")
    if not _COUNTS and _SKIPPED:
        reason, _ = _SKIPPED.most_common(1)[0]
        terminalreporter.write_line(reason)
