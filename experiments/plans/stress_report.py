"""Files of a stress test: futures.parquet, robustness.csv, report.md / report.html and a figure per plan of
where it fails (the two dimensions its failure box restricts most, or the first two)."""

from __future__ import annotations

import html
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.common.html import embedded_img
from experiments.common.tables import markdown_table  # noqa: E402
from experiments.plans.stress import StressTest  # noqa: E402
from sim.outputs import atomic_file  # noqa: E402
from sim.plots import save_figure  # noqa: E402

COLUMNS = (
    ("plan", "Plan", None),
    ("holds_share", "Holds in (share of futures)", "share"),
    ("effective_coverage_mean", "Effective coverage, mean", "share"),
    ("effective_coverage_worst_decile", "Effective coverage, worst 10% of futures", "share"),
    ("regret_mean", "Regret, mean (points)", "points"),
    ("regret_max", "Regret, worst (points)", "points"),
    ("spend_local_mean", "City pays (Rp m, horizon)", "money"),
    ("spend_funder_mean", "Funder pays (Rp m, horizon)", "money"),
)


def _cell(x: object, kind: str | None) -> str:
    if kind is None:
        return str(x)
    x = float(x)  # type: ignore[arg-type]
    if math.isnan(x):
        return "(reference)"
    return {"share": f"{100 * x:.0f}%", "points": f"{100 * x:.1f}", "money": f"{x:,.0f}"}[kind]


def headline(test: StressTest) -> list[str]:
    first = test.meta["plans"][0]
    lines = []
    for row in test.robustness.itertuples():
        if row.plan == first:
            continue
        words = test.boxes[row.plan][1]
        lines.append(f"**{row.plan}** holds against {first} in {row.holds_share:.0%} of futures; it {words}.")
    return lines


def markdown(test: StressTest) -> str:
    m = test.meta
    table = [[_cell(getattr(r, c), kind) for c, _, kind in COLUMNS] for r in test.robustness.itertuples()]
    parts = [
        f"# Stress test: {', '.join(m['plans'])} on {m['scenario']}",
        "",
        f"{m['futures']} futures (Latin hypercube over {m['dimensions']} uncertainties, sampler seed "
        f"{m['sampler_seed']}, space `{m['space']}`) x {len(m['seeds'])} seeds (the same for every plan and "
        f"future). A plan holds in a future when its effective coverage from {m['window_start']} is no more than "
        f"{m['tolerance']:.0%} below {m['plans'][0]}'s and its incidence no more than {m['tolerance']:.0%} above "
        "(means over the seeds). Regret: the best plan's coverage in that future minus the plan's.",
        "",
        "## Where each plan fails",
        "",
        *(f"- {line}" for line in headline(test)),
        "",
        "## Robustness",
        "",
        markdown_table([h for _, h, _ in COLUMNS], table),
        "",
        "## Figures",
        "",
        *(f"![where {p} fails](figures/failures_{p}.png)\n" for p in m["plans"][1:]),
        "## Uncertainties",
        "",
        markdown_table(
            ["name", "low", "high", "what"], [[u.name, f"{u.lo:g}", f"{u.hi:g}", u.about] for u in test.dims]
        ),
        "",
        f"{m['wall_seconds']:.0f} s; " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
    ]
    return "\n".join(parts) + "\n"


def html_report(test: StressTest, figures: Path) -> str:
    """The report as one self-contained page: the figures (from `figures/`) are embedded."""
    e, m = html.escape, test.meta
    robustness = pd.DataFrame(
        [[_cell(getattr(r, c), kind) for c, _, kind in COLUMNS] for r in test.robustness.itertuples()],
        columns=[h for _, h, _ in COLUMNS],
    )
    dims = pd.DataFrame([[u.name, u.lo, u.hi, u.about] for u in test.dims], columns=["name", "low", "high", "what"])
    body = [
        f"<h1>Stress test: {e(', '.join(m['plans']))} on {e(m['scenario'])}</h1>",
        f"<p>{m['futures']} futures x {len(m['seeds'])} seeds; a plan holds in a future when its effective coverage "
        f"from {m['window_start']} is no more than {m['tolerance']:.0%} below {e(m['plans'][0])}'s and its "
        f"incidence no more than {m['tolerance']:.0%} above.</p>",
        "<h2>Where each plan fails</h2><ul>",
        *(f"<li>{e(line).replace('**', '')}</li>" for line in headline(test)),
        "</ul><h2>Robustness</h2>",
        robustness.to_html(index=False, border=0),
        "<h2>Figures</h2>",
        *(embedded_img(figures / f"failures_{p}.png", f"where {p} fails") for p in m["plans"][1:]),
        "<h2>Uncertainties</h2>",
        dims.to_html(index=False, border=0),
    ]
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto}td,th{padding:3px 8px;border-bottom:1px solid #ddd}"
    )
    head = f"<head><meta charset='utf-8'><title>Stress test</title><style>{style}</style></head>"
    return f"<!doctype html><html>{head}<body>{''.join(body)}</body></html>\n"


def plot_failures(test: StressTest, plan: str, path: Path) -> None:
    """Futures on the two dimensions that matter most for `plan`'s failures, failing ones marked, with the box."""
    box = test.boxes[plan][0]
    x = test.futures.drop_duplicates("future").set_index("future")[[u.name for u in test.dims]]
    names = list(box.limits)[:2] if box is not None and box.limits else []
    names += [n for n in x.columns if n not in names][: 2 - len(names)]
    means = test.futures.groupby(["future", "plan"])["effective_coverage_after"].mean().unstack()
    first = test.meta["plans"][0]
    fails = means[plan] < means[first] * (1 - test.meta["tolerance"])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.scatter(x.loc[~fails, names[0]], x.loc[~fails, names[1]], s=18, c="tab:blue", label="holds")
    ax.scatter(x.loc[fails, names[0]], x.loc[fails, names[1]], s=18, c="tab:red", marker="x", label="fails")
    if box is not None:
        lo0, hi0 = box.limits.get(names[0], (x[names[0]].min(), x[names[0]].max()))
        lo1, hi1 = box.limits.get(names[1], (x[names[1]].min(), x[names[1]].max()))
        ax.add_patch(plt.Rectangle((lo0, lo1), hi0 - lo0, hi1 - lo1, fill=False, edgecolor="black", linestyle="--"))
    ax.set(xlabel=names[0], ylabel=names[1], title=f"{plan}: futures where it fails (box: PRIM)")
    ax.legend(fontsize=8)
    save_figure(fig, path)


def write_stress(test: StressTest, out: Path) -> None:
    """The outputs, each written whole (atomically) into `out`, next to the points and design.json."""
    with atomic_file(out / "futures.parquet") as tmp:
        test.futures.to_parquet(tmp, index=False)
    with atomic_file(out / "robustness.csv") as tmp:
        test.robustness.to_csv(tmp, index=False)
    (out / "figures").mkdir(exist_ok=True)
    for plan in test.meta["plans"][1:]:
        plot_failures(test, plan, out / "figures" / f"failures_{plan}.png")
    with atomic_file(out / "report.md") as tmp:
        tmp.write_text(markdown(test))
    with atomic_file(out / "report.html") as tmp:
        tmp.write_text(html_report(test, out / "figures"))
    boxes = {p: {"box": None if b is None else b.limits, "words": w} for p, (b, w) in test.boxes.items()}
    with atomic_file(out / "boxes.json") as tmp:
        tmp.write_text(pd.Series(boxes).to_json(indent=2))
