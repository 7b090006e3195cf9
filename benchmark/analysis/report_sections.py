"""Report sections shared by the paper report (``report``) and the general one (``report_suite``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmark.analysis.floor import FLOOR_NOTE, format_floor, proxy_floor
from benchmark.analysis.noise import json_safe
from benchmark.analysis.plots import noise_view, save_figure
from benchmark.core.schema import Suite


def noise_section(suite: Suite, out: Path, results: dict[str, Any]) -> str:
    """The suite's label noise (when it ships seed reruns) and its proxies' random-init floor."""
    view = noise_view(suite)
    text = ["", "## Label noise", "", view.summary]
    if view.figure is not None:
        results["label_noise"] = json_safe(view.table)
        save_figure(view.figure, out / "label_noise.png")
        text += ["", view.markdown, "", "![label_noise](label_noise.png)"]
    floor = proxy_floor(suite)
    if floor is not None:
        results["proxy_floor"] = floor.to_dict(orient="records")
        text += ["", "## Proxies against a random-init model", "", f"({FLOOR_NOTE}.)"]
        text += ["", format_floor(floor)]
    return "\n".join(text) + "\n"
