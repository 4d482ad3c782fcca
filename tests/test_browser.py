"""The session report in headless Chromium, network off: charts render, nothing is fetched, no
console errors, and an injected comment / product name stays text (no script runs). Both ways of
loading plotly.js: embedded (a single ``workbook report``) and from the run folder by relative
path (a weekly run's ``sessions/<id>/report.html`` loading ``../../plotly.min.js``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
XSS = "<img src=x onerror=alert(1)>"
XSS_PRODUCT = '<script>alert("p")</script>毛衣'
RAW_ID_PREFIX = "RAWVIEWERID-"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _chromium_args() -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A session report rendered from a store with a malicious comment and product name planted."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is absent: apt-get install chromium")
    from helpers.data.store import write_session_tables
    from helpers.pipeline.render import render
    from helpers.sim.simulate import simulate_week

    week = simulate_week(seed=5, viewers=800, sessions=1)
    tables = dict(week.tables)
    sid = tables["sessions"]["session_id"][0]
    # raw viewer ids that must never reach the report
    tables["viewers"] = tables["viewers"].with_columns(
        (pl.lit(RAW_ID_PREFIX) + pl.col("viewer_id")).alias("viewer_id")
    )
    for name in ("orders", "comments"):
        tables[name] = tables[name].with_columns(
            (pl.lit(RAW_ID_PREFIX) + pl.col("viewer_id")).alias("viewer_id")
        )
    c = tables["comments"]
    # 40 accounts post the injected text within a minute: it is both frequent and a duplicate burst
    evil = c.head(40).with_columns(
        pl.lit(XSS).alias("text"),
        pl.col("ts").first() + pl.duration(seconds=pl.int_range(40)),
        (pl.lit("evil-") + pl.int_range(40).cast(pl.String)).alias("viewer_id"),
    )
    tables["comments"] = pl.concat([c, evil])
    top = tables["products"].sort("gmv", descending=True)["product_id"][0]
    tables["products"] = tables["products"].with_columns(
        pl.when(pl.col("product_id") == top)
        .then(pl.lit(XSS_PRODUCT))
        .otherwise(pl.col("name"))
        .alias("name")
    )
    store = tmp_path_factory.mktemp("xss-store")
    write_session_tables(tables, store)
    out = tmp_path_factory.mktemp("xss-report")
    result = render(
        "session",
        {"session_id": sid, "store": str(store), "targets": "", "category": "apparel"},
        out,
        lang="zh",
    )
    assert result.ok, result.error
    return out


@pytest.fixture(scope="module", params=["embedded", "run folder"])
def report_html(request, report: Path, tmp_path_factory) -> Path:
    """The report's HTML as rendered, or converted again as a weekly run folder lays it out."""
    if request.param == "embedded":
        return report / "report.html"
    from helpers.pipeline.export import PLOTLYJS, to_html, write_plotlyjs

    week = tmp_path_factory.mktemp("week")
    review = week / "sessions" / "s1"
    review.mkdir(parents=True)
    write_plotlyjs(week)
    html = to_html(
        report / "20-session-review.ipynb",
        review / "report.html",
        title="t",
        subtitle="s",
        plotlyjs=f"../../{PLOTLYJS}",
    )
    assert len(html.read_bytes()) < 1_000_000 and f'src="../../{PLOTLYJS}"' in html.read_text(
        "utf-8"
    )
    return html


def test_report_has_no_raw_ids_and_escapes_text(report: Path):
    html = (report / "report.html").read_text("utf-8")
    summary = (report / "summary.json").read_text("utf-8")
    assert RAW_ID_PREFIX not in html and RAW_ID_PREFIX not in summary
    assert XSS not in html  # the raw tag never appears unescaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in html or "\\u003cimg" in html
    assert "<script>alert(" not in html
    data = json.loads(summary)
    assert data["report"]["status"] == "ok"


def test_report_in_chromium_offline(report_html: Path):
    from playwright.sync_api import sync_playwright

    html = report_html
    ARTIFACTS.mkdir(exist_ok=True)
    network, console_errors, dialogs, page_errors = [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=_chromium_args())
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def route(r):
            url = r.request.url
            if url.startswith(("file:", "data:", "about:", "blob:")):
                r.continue_()
            else:
                network.append(url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(html.as_uri(), wait_until="load")
        page.wait_for_timeout(1500)
        divs = page.locator(".plotly-graph-div")
        n = divs.count()
        rendered = page.locator(".plotly-graph-div .main-svg").count()
        unrendered = page.evaluate(
            "Array.from(document.querySelectorAll('.plotly-graph-div'))"
            ".filter(d => !d.querySelector('.main-svg')).length"
        )
        body_text = page.inner_text("body")
        toc = page.locator("#wb-toc li").count()
        shot = "session-report-folder" if html.parent.name == "s1" else "session-report"
        page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=False)
        page.locator(".plotly-graph-div").nth(1).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"{shot}-story.png"), full_page=False)
        browser.close()
    assert network == [], f"report tried the network: {network[:5]}"
    assert not console_errors, console_errors[:5]
    assert not page_errors, page_errors[:5]
    assert dialogs == [], "an injected script ran"
    assert n >= 8 and rendered >= n and unrendered == 0, (n, rendered, unrendered)
    assert XSS in body_text  # shown as text
    assert XSS_PRODUCT in body_text
    assert toc >= 10, "table of contents lists the sections"
