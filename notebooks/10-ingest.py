# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (live-commerce workbook)
#     language: python
#     name: livecommerce-workbook
# ---

# %% [markdown]
# # 数据导入与质量 · Ingest and data quality
#
# Which exports went into the store, which rows were set aside and why, and whether the platform's
# own ratios agree with the ones recomputed from its counts. Everything is computed by
# `helpers.ingest` (the same code as `workbook ingest`); see `docs/ingest.md`.

# %% tags=["parameters"]
inputs: list = []  # export files or folders to ingest first (empty: just report on the store)
store: str = "data/processed/store"  # canonical Parquet store
lang: str = "zh"  # report language: zh or en
summary_path: str = ""  # where the runner wants summary.json; empty in interactive use

# %%
from pathlib import Path

import polars as pl
from IPython.display import display

from helpers.ingest import ingest_paths, report
from helpers.metrics.definitions import label as metric_label
from helpers.models.report import left_out
from helpers.paths import resolve
from helpers.present import nb, sections
from helpers.present.labels import columns

# %%
nb.setup(lang)
if not isinstance(inputs, list | tuple):
    raise ValueError(f"inputs must be a list of files or folders, not {inputs!r}")
zh = lang == "zh"
store_dir = resolve(store)
outcome = ingest_paths([resolve(p) for p in inputs], store_dir) if inputs else None
outs = []

# %% [markdown]
# ## 导入了什么 · What was ingested

# %%
out = sections.run("ingest.files", {}, store_dir, outcome)
outs.append(out)
names = (
    {
        "file": "文件",
        "files": "文件数",
        "export_type": "导出类型",
        "rows_in": "数据行",
        "rows_kept": "保留",
        "rows_quarantined": "隔离",
        "status": "状态",
        "note": "说明",
    }
    if zh
    else None
)
if out.ok:
    summary, files = out.value["summary"], out.value["files"]
    display(
        nb.show_table(
            out.value["by_type"],
            "按导出类型" if zh else "Per export type",
            decimals=0,
            rename=names,
        )
    )
    display(
        nb.show_table(
            files, "每个文件" if zh else "Per file", decimals=0, rename=names, max_rows=500
        )
    )
else:
    summary, files = {}, pl.DataFrame()
    display(nb.outcome(out, lang))

# %%
nb.say(
    "共 {files} 个文件、{rows_in} 行数据：保留 {kept} 行，隔离 {quar} 行（数据行 = 保留 + 隔离）；整文件拒收 {rejected} 个，重复文件 {dups} 个。"
    if zh
    else "{files} file(s), {rows_in} data rows: {kept} kept, {quar} quarantined (rows in = kept + quarantined); {rejected} file(s) "
    "rejected whole, {dups} duplicate(s) not counted again.",
    files=summary.get("files", 0),
    rows_in=f"{summary.get('rows_in', 0):,}",
    kept=f"{summary.get('rows_kept', 0):,}",
    quar=f"{summary.get('rows_quarantined', 0):,}",
    rejected=summary.get("rejected", 0),
    dups=summary.get("duplicates", 0),
) if summary.get("files") else nb.say(
    "存储中没有导入记录（账本为空）。"
    if zh
    else "The store has no ingest record (its ledger is empty)."
)

# %% tags=["nbval-ignore-output"]
report.quality_chart(files, lang) if files.height else None

# %% [markdown]
# ## 隔离了什么、为什么 · What was set aside and why

# %%
out = sections.run("ingest.quarantine", {}, store_dir)
outs.append(out)
if out.ok and out.value["quarantined"].height:
    display(
        nb.show_table(
            out.value["quarantined"], "隔离的数据行" if zh else "Quarantined data rows", decimals=0
        )
    )
if out.ok and out.value["skipped"].height:
    display(
        nb.show_table(
            out.value["skipped"],
            "非数据行（表头重复、合计行、空行）"
            if zh
            else "Rows that are not data (repeated headers, totals, empty)",
            decimals=0,
            rename={"reason": "原因", "rows": "行数"} if zh else None,
        )
    )
display(
    nb.say(
        "隔离 {n} 行，原因见上表（文件、行号、列、原值、期望格式）；完整记录在存储的 `_quarantine/` 中。"
        if zh
        else "{n} row(s) quarantined, with file, row, column, value and the expected form above; the full record is in the store's `_quarantine/`.",
        n=f"{int(out.value['quarantined']['rows'].sum() or 0):,}",
    )
    if out.ok
    else nb.outcome(out, lang)
)

# %% [markdown]
# ## 与平台口径核对 · Cross-checks against the platform

# %%
out = sections.run("ingest.checks", {}, store_dir)
outs.append(out)
if out.ok:
    cs = out.value["summary"].with_columns(
        pl.col("metric").map_elements(lambda k: metric_label(k, lang), return_dtype=pl.String)
    )
    display(
        nb.show_table(
            cs,
            "平台比率 vs 按计数重算" if zh else "Platform ratios vs recomputed from counts",
            decimals={"max_abs_diff": 2},
            points=("max_abs_diff",),
            rename=columns(cs.columns, lang),
        )
    )
    if out.value["mismatches"].height:
        display(
            nb.show_table(
                out.value["mismatches"],
                "不一致的数值" if zh else "Figures that disagree",
                decimals=4,
            )
        )
display(
    nb.say(
        "{n} 个平台比率与按本工作簿定义重算的结果不一致（超出四舍五入误差）；说明列给出可能原因，例如把 成交人数/点击人数 标成了 观看成交转化率。"
        if zh
        else "{n} platform ratio(s) disagree with the value recomputed with the workbook's definitions (beyond rounding); the note gives the likely cause, e.g. buyers / clickers labelled as watch→order conversion.",
        n=out.value["mismatches"].height,
    )
    if out.ok
    else nb.outcome(out, lang)
)

# %% [markdown]
# ## 存储内容 · Store contents

# %%
out = sections.run("ingest.contents", {}, store_dir)
outs.append(out)
if out.ok:
    display(
        nb.show_table(
            out.value,
            "每张标准表的行数与场次" if zh else "Rows and sessions per canonical table",
            decimals=0,
            rename=columns(out.value.columns, lang),
        )
    )
display(
    nb.say(
        "存储位置：`{path}`（按 表/平台/日期 分区的 Parquet，pandas、polars、DuckDB、Spark 可直接读取）。"
        if zh
        else "Store: `{path}` (Parquet partitioned by table/platform/date; pandas, polars, DuckDB and Spark read it directly).",
        path=Path(store).as_posix(),
    )
    if out.ok
    else nb.outcome(out, lang)
)

# %%
for name, why in left_out(outs, lang):
    display(nb.say("- **{k}**：{w}" if zh else "- **{k}**: {w}", k=name, w=why))

# %%
from helpers.pipeline.render import write_summary

write_summary(summary, summary_path)
