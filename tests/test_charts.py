"""The inline SVG charts: well-formed, escaped, and refusing bad numbers."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree

import pytest

from advisor.charts import Bar, PathPoint, concession_path, rate_bars

SVG = "{http://www.w3.org/2000/svg}"


def test_rate_bars_draw_one_bar_per_rate_with_its_count() -> None:
    svg = rate_bars([Bar("value_for_money", 0.5, 20), Bar("<b>", 1.0, 3)], "Win rate")

    root = ElementTree.fromstring(svg)
    assert len(root.findall(f"{SVG}rect")) == 2
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert texts == ["Win rate", "value_for_money", "50% (n=20)", "<b>", "100% (n=3)"]


@pytest.mark.parametrize(
    "bar",
    [Bar("x", 1.5, 3), Bar("x", -0.1, 3), Bar("x", math.nan, 3), Bar("x", 0.5, -1)],
    ids=["above-one", "below-zero", "nan", "negative-count"],
)
def test_rate_bars_refuse_a_rate_outside_zero_to_one(bar: Bar) -> None:
    with pytest.raises(ValueError):
        rate_bars([bar], "Win rate")


def test_a_concession_path_puts_our_moves_above_the_bottom_line() -> None:
    points = [PathPoint("#1", 560_000), PathPoint("#2", 480_000, "customer")]

    root = ElementTree.fromstring(
        concession_path(points, 450_000, "contract amount", 600_000)
    )

    circles = root.findall(f"{SVG}circle")
    bottom, opening = root.findall(f"{SVG}line")
    assert [c.get("fill") for c in circles] == ["#3b6ea5", "white"]
    assert all(float(c.get("cy", 0)) < float(bottom.get("y1", 0)) for c in circles)
    assert float(opening.get("y1", 0)) < float(circles[0].get("cy", 0))


def test_a_concession_path_refuses_a_value_that_is_not_a_number() -> None:
    with pytest.raises(ValueError) as caught:
        concession_path([PathPoint("#1", math.inf)], 450_000, "amount")

    assert str(caught.value) == "chart 'amount' needs finite numbers, got inf"
