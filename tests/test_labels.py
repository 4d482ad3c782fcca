"""Report presentation helpers: metric formatting by unit, table formats, percent/points columns."""

from __future__ import annotations

import polars as pl

from helpers import weekly as weekly_report
from helpers.present import nb
from helpers.present.labels import format_metric, metric_header, table_format


def test_format_metric_by_unit() -> None:
    assert format_metric("gmv", 217158.3) == "217,158"
    assert format_metric("uv_value", 25.85216) == "25.85"
    assert format_metric("conversion_rate", 0.0807) == "8.07%"
    assert format_metric("refund_rate", 0.2647) == "26.5%"
    assert format_metric("roi", 3.456) == "3.46×"
    assert format_metric("conversion_rate", -0.0031, signed=True) == "-0.31 pp"
    assert format_metric("uv_value", 6.5536, signed=True) == "+6.55"
    assert format_metric("gmv", None) == "–"
    assert format_metric("gmv", float("nan")) == "–"


def test_metric_header_has_money_unit() -> None:
    assert metric_header("gmv", "zh") == "成交金额(元)"
    assert metric_header("gmv", "en") == "GMV (placed) (yuan)"
    assert metric_header("conversion_rate", "en") == "Conversion (watch→order)"


def test_table_format_and_show_table() -> None:
    df = pl.DataFrame(
        {
            "host": ["a"],
            "gmv": [1234.567],
            "conversion_rate": [0.08071],
            "change": [0.125],
            "ame": [0.0413],
        }
    )
    fmt = table_format(df.columns, "en", percent={"change": 1}, signed=("change",))
    assert fmt["decimals"]["gmv"] == 0 and "conversion_rate" in fmt["percent"]
    table = nb.show_table(df, None, points=("ame",), **fmt)
    row = table.df.iloc[0].to_dict()
    assert row == {
        "Host": "a",
        "GMV (placed) (yuan)": "1,235",
        "Conversion (watch→order)": "8.07%",
        "Change": "+12.5%",
        "Avg. marginal effect": "4.13 pp",
    }
    assert (
        list(nb.show_table(df, None, rename={"gmv": "x"}).df.columns)[1] == "x"
    )  # default unchanged


def test_glance_display_formats_each_row_by_its_metric() -> None:
    g = pl.DataFrame(
        {
            "metric": ["gmv", "conversion_rate"],
            "this_week": [217158.3, 0.0807],
            "last_week": [193067.2, 0.0757],
            "wow_change": [0.1248, 0.066],
            "wow_diff": [24091.1, 0.005],
            "wow_diff_lo": [None, -0.0031],
            "wow_diff_hi": [None, 0.0131],
            "interval": ["", "Newcombe"],
            "trailing_weeks": [1, 1],
            "trailing_mean": [193067.2, 0.0757],
            "trailing_lo": [None, None],
            "trailing_hi": [None, None],
            "vs_trailing": [0.1248, 0.066],
        }
    )
    d = weekly_report.glance_display(g, "zh")
    assert d.columns == [
        "指标",
        "本周",
        "上周",
        "环比",
        "环比差值95%区间",
        "参照周均值",
        "较参照周",
    ]
    assert d.row(0) == ("成交金额(元)", "217,158", "193,067", "+12.5%", "–", "193,067", "+12.5%")
    assert d.row(1)[1] == "8.07%" and d.row(1)[4] == "-0.31 pp ~ +1.31 pp"
    assert weekly_report.glance_display(g, "en").columns[0] == "Metric"
