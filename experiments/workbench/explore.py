"""The Explore page: one live run of the model, week by week, in Mesa's `SolaraViz`, with a few levers set
relative to the chosen scenario."""

from __future__ import annotations

from typing import Any

import solara

from experiments.workbench import draft as D

AS_IS = "as in the scenario"


def explore_model_class() -> type:
    """CPModel driven by the Explore page's controls, each relative to the chosen scenario so that no slider
    silently replaces a scenario's own value. The scenario is named `city`: on Reset, Mesa 3.5's SolaraViz
    passes its own `scenario` object (mesa.experimental.scenarios), which CPModel would take for a name."""
    from sim.model import CPModel

    class ExploreModel(CPModel):
        def __init__(
            self,
            city: str = "makassar_pksai",
            rng: int | None = 0,
            scenario: Any = None,
            city_size_pct: int = 15,
            local_workers_pct: int = 100,
            donor_workers_pct: int = 100,
            mentoring: str = AS_IS,
            pickup_share: str = AS_IS,
            hub: str = AS_IS,
        ):
            base = D.scenario(city)
            workers = base["staffing"]["workers"]
            overrides: dict[str, Any] = {
                "population__n_children": max(1000, round(base["population"]["n_children"] * city_size_pct / 100)),
                "staffing__workers__local": round(workers["local"] * local_workers_pct / 100),
                "staffing__workers__donor": round(workers["donor"] * donor_workers_pct / 100),
            }
            if mentoring != AS_IS:
                overrides["training__mentoring"] = mentoring == "on"
            if hub != AS_IS:
                overrides["coordination__hub"] = hub == "on"
            if pickup_share != AS_IS:
                overrides["funding__pickup_share"] = float(pickup_share)
            super().__init__(scenario=city, rng=rng, **overrides)

    return ExploreModel


_EXPLORE_MODEL: type | None = None


@solara.component
def Explore() -> None:
    from mesa.visualization import Slider, SolaraViz, make_plot_component

    global _EXPLORE_MODEL
    if _EXPLORE_MODEL is None:
        _EXPLORE_MODEL = explore_model_class()
    model_class = _EXPLORE_MODEL
    model = solara.use_memo(lambda: model_class(), [])
    on_off = [AS_IS, "on", "off"]
    params = {
        "rng": 0,
        "city": {"type": "Select", "value": "makassar_pksai", "values": D.scenarios(), "label": "Scenario"},
        "city_size_pct": Slider("City size %", 15, 5, 100, 5),
        "local_workers_pct": Slider("Staffing: local %", 100, 0, 200, 10),
        "donor_workers_pct": Slider("Staffing: donor %", 100, 0, 200, 10),
        "mentoring": {"type": "Select", "value": AS_IS, "values": on_off, "label": "Training: mentoring"},
        "pickup_share": {
            "type": "Select",
            "value": AS_IS,
            "values": [AS_IS, "0", "0.25", "0.5", "0.75", "1"],
            "label": "Funding: share of withdrawn money the city picks up",
        },
        "hub": {"type": "Select", "value": AS_IS, "values": on_off, "label": "Coordination: integrated hub"},
    }
    solara.Title("cpsim workbench: explore")
    SolaraViz(
        model,
        components=[
            make_plot_component(["backlog"]),
            make_plot_component(["workers"]),
            make_plot_component(["spend_funder", "spend_local", "spend_national"]),
            make_plot_component(["effective_coverage_to_date", "resolution_rate_to_date"]),
        ],
        model_params=params,
        name="cpsim: one run, week by week (sizes in % of the scenario's; change a control, then Reset)",
        play_interval=50,
    )
