"""Shared test settings: a small city over a short horizon keeps each run well under a second."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

SMALL: dict[str, Any] = {
    "population": {"n_children": 20_000},
    "run": {"start_year": 2015, "end_year": 2020},
    "funding": {"withdrawal_start_year": 2017},
}


def small(**sections: dict[str, Any]) -> dict[str, Any]:
    """The small test config with some sections overridden (one level of nesting merged)."""
    cfg = copy.deepcopy(SMALL)
    for name, values in sections.items():
        cfg.setdefault(name, {}).update(values)
    return cfg


@pytest.fixture
def small_config() -> dict[str, Any]:
    return small()


@pytest.fixture(scope="module")
def workbench_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A `cpsim-workbench` of the test module's own, on a free port (experiments/workbench/local_server.py)."""
    from experiments.workbench.local_server import NotStarted, local_server

    try:
        with local_server(tmp_path_factory.mktemp("workbench"), wait_s=90) as server:
            yield server
    except NotStarted as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium through Playwright (tests/workbench_browser.py); the test is skipped without them."""
    from workbench_browser import launch

    yield from launch()
