"""SECURITY.md's scenario table and the security tests cannot drift apart.

Rows 1-30 must all be in the table (later issues add rows after them) and every row must name
a test; every named test must exist (the module is imported and the function looked up) and
carry its row's number; and every `test_sNN_…` function in tests/security/ must be named in
row NN.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SECURITY_MD = REPO / "SECURITY.md"
TEST_REF = re.compile(r"`tests/security/(test_\w+)\.py::(test_\w+)`")
ROW = re.compile(r"^\|\s*(\d+)\s*\|")
SCENARIO_TEST = re.compile(r"^test_s(\d{2})_")


def table_rows() -> dict[int, list[tuple[str, str]]]:
    """Scenario number → the (module, function) references in its row."""
    rows: dict[int, list[tuple[str, str]]] = {}
    for line in SECURITY_MD.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match is None:
            continue
        number = int(match.group(1))
        assert number not in rows, f"scenario {number} appears twice"
        rows[number] = TEST_REF.findall(line)
    return rows


def all_references() -> list[tuple[str, str]]:
    """Every test reference anywhere in SECURITY.md (scenario and Slack-fault tables)."""
    return TEST_REF.findall(SECURITY_MD.read_text(encoding="utf-8"))


def scenario_tests() -> dict[str, set[tuple[str, str]]]:
    """`test_sNN_…` functions in the security test modules, by NN."""
    found: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        module = importlib.import_module(f"tests.security.{path.stem}")
        for name, obj in inspect.getmembers(module, inspect.isfunction):
            match = SCENARIO_TEST.match(name)
            if match and obj.__module__ == module.__name__:
                found.setdefault(match.group(1), set()).add((path.stem, name))
    return found


def test_the_thirty_first_scenarios_and_every_later_one_are_in_the_table() -> None:
    rows = table_rows()
    # Rows 1-30 come from reliability-security.md §5; later issues add rows after them.
    assert set(range(1, 31)) <= set(rows), sorted(set(range(1, 31)) - set(rows))
    empty = [number for number, refs in rows.items() if not refs]
    assert empty == [], f"rows without a test: {empty}"


def test_every_named_test_exists() -> None:
    missing = []
    for module_name, function in all_references():
        try:
            module = importlib.import_module(f"tests.security.{module_name}")
        except ModuleNotFoundError:
            missing.append(f"{module_name}.py")
            continue
        if not inspect.isfunction(getattr(module, function, None)):
            missing.append(f"{module_name}.py::{function}")
    assert missing == [], missing


def test_each_row_names_tests_of_its_own_scenario() -> None:
    for number, refs in table_rows().items():
        for _, function in refs:
            assert function.startswith(f"test_s{number:02d}_"), (number, function)


def test_every_scenario_test_is_in_its_row() -> None:
    rows = table_rows()
    for number, tests in scenario_tests().items():
        listed = set(rows.get(int(number), []))
        assert tests <= listed, f"row {number} does not name {sorted(tests - listed)}"
