"""Figures at publication standard: no text runs into other text (checked on the drawn figure), labels and units
from the outcome registry, every report figure also as SVG, and report.html pages that hold their figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim.plots as plots
from experiments.plans.cli import main as plans_main
from sim.cli import main as cpsim

TINY = ["population.n_children=3000", "run.end_year=2018", "funding.withdrawal_start_year=2017", "progress=false"]


@pytest.fixture
def layout(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every figure saved while the test runs is checked for overlapping texts; the clashes land here."""
    found: list[str] = []
    monkeypatch.setattr(plots, "LAYOUT_CHECK", found)
    return found


def test_the_overlap_check_finds_a_clash() -> None:
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(4, 2))
    top.set_ylabel("a label far too long for so short a panel of the figure")
    bottom.set_ylabel("another label far too long for so short a panel")
    assert plots.overlaps(fig)
    plt.close(fig)


def test_a_sweeps_figures_and_report(tmp_path: Path, layout: list[str]) -> None:
    root = tmp_path / "s"
    cpsim(["-m", "+experiment=demo", "replicates=2", *TINY, f"hydra.sweep.dir={root}"])
    assert layout == []
    for kind in ("heatmap_coverage", "trajectories", "dose_response", "prevention"):
        svg = (root / "figures" / f"{kind}.svg").read_text()
        assert "<svg" in svg and "staffing.workers" not in svg and "classroom_mentoring" not in svg, kind
    heatmap = (root / "figures" / "heatmap_coverage.svg").read_text()
    assert re.search(r"\d+\.\d%", heatmap) and "±" in heatmap  # shares in %, each cell with its interval
    page = (root / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 4 and 'src="figures/' not in page


def test_a_plan_comparisons_figures_and_report(tmp_path: Path, layout: list[str]) -> None:
    out = tmp_path / "cmp"
    with pytest.raises(SystemExit) as exc:
        plans_main(
            ["compare", "funder_stays", "abrupt_exit", "linear_taper_3y", "--set", "population.n_children=5000"]
            + ["--seeds", "2", "--no-progress", "--jobs", "1", "--out", str(out)]
        )
    assert exc.value.code == 0
    assert layout == []
    pngs = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert pngs and pngs == sorted(p.stem for p in (out / "figures").glob("*.svg"))
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(pngs) and 'src="figures/' not in page


def test_a_runs_figures_have_no_overlaps(tmp_path: Path, layout: list[str]) -> None:
    from sim.run import run

    small = {"population": {"n_children": 3000}, "run": {"end_year": 2018}, "funding": {"withdrawal_start_year": 2017}}
    plots.plot_run(run(small, 1), tmp_path / "figures")
    assert layout == []
