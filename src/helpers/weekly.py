"""The weekly report: which week, what it computes, and the scheduled run that renders it.

Week arithmetic (:func:`resolve_week` understands ``last``), the run (:func:`run_weekly`: the week's
session reviews that are missing or stale, rendered in parallel, then ``90-weekly-report``, all
swapped into ``reports/weekly/<week>/`` at once), ``workbook report weekly`` (:func:`cli_weekly`),
and what ``90-weekly-report`` shows (KPIs with week-over-week and trailing-4-week comparisons,
leaderboard, alerts, host scorecards, product lifecycle, heat map): see the second half.

Layout of a run (``docs/weekly.md``)::

    reports/weekly/
      .weekly.lock                 flock held during a run
      latest -> 2026-W47           the newest run
      logs/2026-W47-<run id>.log   one log per run (kept)
      2026-W47/
        90-weekly-report.ipynb  report.html  summary.json  run.json  run.log
        sessions/<session_id>/20-session-review.ipynb  report.html  summary.json
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from . import runner
from .paths import default_store, reports_dir, resolve
from .report import write_json
from .schema import TZ
from .store import _safe_name, list_sessions

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the lock; try again later
TRAILING_WEEKS = 4
LOCK_NAME = ".weekly.lock"


# --------------------------------------------------------------------------- weeks


def parse_week(week: str) -> date:
    """The Monday of an ISO week ``YYYY-Www`` (raises ValueError with the expected form)."""
    try:
        year, w = week.strip().upper().split("-W")
        return date.fromisocalendar(int(year), int(w), 1)
    except ValueError:
        raise ValueError(f"week must look like 2026-W47 (ISO year-week) or 'last', not {week!r}") from None


def week_of(day: date | datetime) -> str:
    """The ISO week ``YYYY-Www`` of a date."""
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def shift_week(week: str, weeks: int) -> str:
    """The ISO week ``weeks`` after (negative: before) ``week``."""
    return week_of(parse_week(week) + timedelta(weeks=weeks))


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) in Asia/Shanghai."""
    monday = parse_week(week)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=ZoneInfo(TZ))
    return start, start + timedelta(weeks=1)


def resolve_week(week: str, store: str | Path | None = None, *, now: datetime | None = None) -> str:
    """An explicit ISO week (normalised), or for ``last`` the latest week with sessions in the store
    that has ended by ``now`` (so Monday's scheduled run reports the week just ended); if no week
    with data has ended yet, the latest week with data."""
    if week.strip().lower() != "last":
        return week_of(parse_week(week))
    now = now or datetime.now(UTC)
    sessions = list_sessions(store)
    if sessions.height == 0:
        raise ValueError("week 'last': the store has no sessions (run `workbook ingest` first)")
    weeks = sorted({week_of(ts) for ts in sessions["start_ts"].to_list()})
    ended = [w for w in weeks if week_bounds(w)[1] <= now]
    return (ended or weeks)[-1]


def week_sessions(
    store: str | Path | None, week: str, rooms: Sequence[str] = (), *, weeks_before: int = 0
) -> pl.DataFrame:
    """Sessions starting in ``week`` (and the ``weeks_before`` weeks before it), optionally of some
    rooms only, ordered by start time, with a ``week`` column."""
    start, end = week_bounds(week)
    start -= timedelta(weeks=weeks_before)
    df = list_sessions(store).filter((pl.col("start_ts") >= start) & (pl.col("start_ts") < end))
    if rooms:
        df = df.filter(pl.col("room").is_in(list(rooms)))
    weeks = [week_of(ts) for ts in df["start_ts"].to_list()]
    return df.with_columns(pl.Series("week", weeks, dtype=pl.String))


def session_inputs_mtime(store: Path, session_ids: Sequence[str]) -> float:
    """The newest modification time of any store file (every table) of these sessions."""
    paths: list[Path] = []
    for sid in session_ids:
        paths.extend(store.glob(f"*/platform=*/date=*/{_safe_name(sid)}.parquet"))
    return runner.newest_mtime(paths)


# --------------------------------------------------------------------------- the run


@dataclass
class WeeklyOutcome:
    """What a weekly run did: per-session results, the weekly report's result, where it is."""

    week: str
    out_dir: Path
    log_path: Path
    run_id: str
    sessions: list[runner.JobResult] = field(default_factory=list)
    weekly: runner.JobResult | None = None
    nothing_stale: bool = False

    @property
    def failed(self) -> list[runner.JobResult]:
        results = [*self.sessions, *([self.weekly] if self.weekly else [])]
        return [r for r in results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "week": self.week,
            "status": "ok" if self.ok else "failed",
            "nothing_stale": self.nothing_stale,
            "log": str(self.log_path),
            "sessions": [r.as_dict() for r in self.sessions],
            "weekly": self.weekly.as_dict() if self.weekly else None,
        }


def review_rows(results: Sequence[runner.JobResult]) -> list[dict[str, Any]]:
    """The weekly notebook's ``reviews`` parameter: each session review's status and link."""
    return [
        {
            "session_id": r.target,
            "status": "ok" if r.ok else "failed",
            "error": r.error or "",
            "href": f"sessions/{r.target}/report.html",
        }
        for r in results
    ]


def run_weekly(
    week: str = "last",
    *,
    store: str | Path | None = None,
    out: str | Path | None = None,
    jobs: int = 1,
    rooms: Sequence[str] = (),
    lang: str = "zh",
    category: str = "general",
    targets: str = "",
    force: bool = False,
    executor: runner.Executor | None = None,
    now: datetime | None = None,
    timeout_s: int = 1800,
) -> WeeklyOutcome:
    """Render the week's missing or stale session reviews (on ``executor``, default ``--jobs``
    local processes) and the weekly report, and swap them into ``out`` (default
    ``reports/weekly/<week>``) at once. Raises :class:`helpers.runner.LockBusy` if another run
    holds the lock. Never raises for a failing notebook: see ``outcome.failed``."""
    store_path = resolve(store) if store else default_store()
    week = resolve_week(week, store_path, now=now)
    if week_sessions(store_path, week, rooms).height == 0:
        raise ValueError(f"no sessions of week {week}{' in rooms ' + ', '.join(rooms) if rooms else ''} "
                         f"in the store {store_path}")
    final = resolve(out) if out else reports_dir() / "weekly" / week
    root = final.parent
    rid = runner.run_id()
    outcome = WeeklyOutcome(week, final, root / "logs" / f"{week}-{rid}.log", rid)
    with runner.RunLock(root / LOCK_NAME), runner.run_log(outcome.log_path):
        runner.clean_leftovers(root)
        log.info("weekly run %s: week %s, store %s, out %s, jobs %d", rid, week, store_path, final, jobs)
        sessions = week_sessions(store_path, week, rooms)
        window = week_sessions(store_path, week, rooms, weeks_before=TRAILING_WEEKS)
        staging = root / f".staging-{final.name}-{rid}"
        staging.mkdir(parents=True)
        try:
            _render_week(outcome, staging, final, store_path, sessions, window, jobs=jobs, rooms=rooms,
                         lang=lang, category=category, targets=targets, force=force,
                         executor=executor, timeout_s=timeout_s)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if outcome.nothing_stale:
            shutil.rmtree(staging, ignore_errors=True)
            log.info("nothing stale: %s kept as it is", final)
        else:
            write_json(outcome.as_dict(), staging / "run.json")
            log.info("week %s: %s", week, "ok" if outcome.ok else f"{len(outcome.failed)} failed")
            shutil.copy2(outcome.log_path, staging / "run.log")
            runner.swap_dir(staging, final)
        runner.point_latest(root, final.name)
    return outcome


def _render_week(
    outcome: WeeklyOutcome,
    staging: Path,
    final: Path,
    store: Path,
    sessions: pl.DataFrame,
    window: pl.DataFrame,
    *,
    jobs: int,
    rooms: Sequence[str],
    lang: str,
    category: str,
    targets: str,
    force: bool,
    executor: runner.Executor | None,
    timeout_s: int,
) -> None:
    todo: list[runner.Job] = []
    kept: dict[str, runner.JobResult] = {}
    for sid in sessions["session_id"].to_list():
        params = {"store": str(store), "session_id": sid, "targets": targets, "category": category}
        previous = final / "sessions" / sid
        reason = "forced" if force else runner.stale_reason(
            previous, kind="session", params=params, lang=lang,
            inputs_mtime=session_inputs_mtime(store, [sid]),
        )
        if reason is None:
            runner.copy_tree(previous, staging / "sessions" / sid)
            kept[sid] = runner.JobResult("session", sid, True, str(previous), reused=True)
            continue
        log.info("session %s: render (%s)", sid, reason)
        todo.append(runner.Job("session", sid, params, str(staging / "sessions" / sid), lang, timeout_s))
    rendered: dict[str, runner.JobResult] = {}
    if todo:
        own = executor is None
        pool = executor or runner.make_executor(jobs)
        try:
            for job, res in zip(todo, runner.run_jobs(todo, pool), strict=True):
                res.reason = "rendered"
                res.out_dir = str(final / "sessions" / job.target)
                rendered[job.target] = res
        finally:
            if own:
                pool.shutdown(wait=True)
    outcome.sessions = [rendered.get(s) or kept[s] for s in sessions["session_id"].to_list()]

    params = {
        "week": outcome.week,
        "store": str(store),
        "rooms": ",".join(rooms),
        "category": category,
        "reviews": review_rows(outcome.sessions),
    }
    reason = "forced" if force else ("sessions rendered" if rendered else runner.stale_reason(
        final, kind="weekly", params=params, lang=lang,
        inputs_mtime=session_inputs_mtime(store, window["session_id"].to_list()),
    ))
    if reason is None:
        outcome.nothing_stale = True
        outcome.weekly = runner.JobResult("weekly", outcome.week, True, str(final), reused=True)
        return
    log.info("weekly %s: render (%s)", outcome.week, reason)
    res = runner.run_job(runner.Job("weekly", outcome.week, params, str(staging), lang, timeout_s))
    res.out_dir = str(final)
    res.reason = reason
    outcome.weekly = res


# --------------------------------------------------------------------------- CLI


def load_params(path: str) -> dict[str, Any]:
    """The scheduled run's parameters file (YAML mapping; ``params/weekly.yaml``)."""
    if not path:
        return {}
    import yaml

    data = yaml.safe_load(resolve(path).read_text("utf-8")) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping of parameters")
    known = {"week", "store", "out", "jobs", "rooms", "lang", "category", "targets", "force", "timeout_s"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return dict(data)


def _rooms(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(r.strip() for r in value.split(",") if r.strip())
    return tuple(str(r) for r in value)


def cli_weekly(args: argparse.Namespace) -> int:
    """``workbook report weekly``: exit 0 only when every notebook rendered; 1 when any failed;
    75 when another run holds the lock. Command-line flags win over the ``--params`` file."""
    p = load_params(getattr(args, "params", ""))
    week = args.week if args.week != "last" else str(p.get("week", "last"))
    jobs = args.jobs if args.jobs != 1 else int(p.get("jobs", 1))
    lang = args.lang if args.lang != "zh" else str(p.get("lang", "zh"))
    try:
        outcome = run_weekly(
            week,
            store=args.store or p.get("store"),
            out=args.out or p.get("out"),
            jobs=jobs,
            rooms=_rooms(p.get("rooms")),
            lang=lang,
            category=str(p.get("category", "general")),
            targets=str(p.get("targets", "")),
            force=bool(p.get("force", False)),
            timeout_s=int(p.get("timeout_s", 1800)),
        )
    except runner.LockBusy as exc:
        print(f"workbook report weekly: {exc}; not started", file=sys.stderr)
        return EXIT_LOCKED
    for r in outcome.sessions:
        state = "kept (fresh)" if r.reused else (f"ok ({r.seconds:.1f}s)" if r.ok else f"FAILED: {r.error}")
        print(f"session {r.target}: {state}")
    if outcome.nothing_stale:
        print(f"weekly {outcome.week}: nothing stale, kept {outcome.out_dir}")
    elif outcome.weekly:
        w = outcome.weekly
        print(f"weekly {outcome.week}: {'ok' if w.ok else f'FAILED: {w.error}'} ({w.seconds:.1f}s)")
    print(f"  {outcome.out_dir / 'report.html'}\n  log: {outcome.log_path}")
    if not outcome.ok:
        print(f"workbook report weekly: {len(outcome.failed)} notebook(s) failed", file=sys.stderr)
    return EXIT_OK if outcome.ok else EXIT_FAILED


# =========================================================================== what the report shows
#
# Every metric comes from helpers.metrics (one definition): session KPIs from ``kpi_frame``, and a
# week's (or a host's, an hour's) value of a ratio pools sessions by the ratio's own denominator
# (``metrics.RATIOS``), which equals the ratio of the summed numerator and denominator.

GLANCE_KEYS = ("gmv", "paid_gmv", "net_gmv", "viewers", "conversion_rate", "uv_value", "gpm", "refund_rate")
SUM_KEYS = ("gmv", "paid_gmv", "net_gmv", "refund_amount", "viewers", "views", "buyers", "orders",
            "units", "new_followers")
POOLED_KEYS = ("conversion_rate", "uv_value", "gpm", "refund_rate", "aov", "avg_watch_s",
               "follower_rate", "returning_rate")
HOST_KEYS = ("avg_watch_s", "conversion_rate", "uv_value", "follower_rate")
TIER_RULE = (
    "Each host is compared with the room's pooled value for the week on retention (avg watch time), "
    "conversion, UV value and follower conversion: S = at or above the room on all 4, A = 3, B = 2, C = 0–1."
)
TIER_RULE_ZH = "与本周全场合并值比较四项（人均观看时长、观看-成交率、UV价值、转粉率）：4项达到或超过为S，3项为A，2项为B，0–1项为C。"
GMV_ALERT = 0.30
HERO_DROP = 0.15
LIFECYCLE_CHANGE = 0.15
HERO_SHARE = 0.10
HERO_TOP = 5
LIFECYCLE_RULE = (
    f"new: not sold in the trailing weeks; fading: GMV down ≥{LIFECYCLE_CHANGE:.0%} vs last week; "
    f"rising: up ≥{LIFECYCLE_CHANGE:.0%}; hero: ≥{HERO_SHARE:.0%} of the week's GMV (or planned as hero); "
    "else steady."
)
LIFECYCLE_RULE_ZH = (
    f"新品：之前几周未售；衰退：成交金额较上周下降 ≥{LIFECYCLE_CHANGE:.0%}；上升：增长 ≥{LIFECYCLE_CHANGE:.0%}；"
    f"主力：占本周成交金额 ≥{HERO_SHARE:.0%}（或计划主推）；其余为平稳。"
)
WEEK_TABLES = ("sessions", "viewers", "orders", "trend", "products", "traffic", "session_totals", "comments")


@dataclass
class WeekData:
    """A week and its trailing weeks: sessions, session KPIs, and sessions whose files are damaged."""

    week: str
    store: Path
    weeks: list[str]
    sessions: pl.DataFrame
    kpis: pl.DataFrame
    unreadable: dict[str, str]

    @property
    def this_week(self) -> pl.DataFrame:
        return self.kpis.filter(pl.col("week") == self.week)

    def ids(self, week: str | None = None) -> list[str]:
        df = self.kpis if week is None else self.kpis.filter(pl.col("week") == week)
        return df["session_id"].to_list()


def unreadable_sessions(store: Path, session_ids: Sequence[str]) -> dict[str, str]:
    """Sessions with a store file that cannot be opened (truncated, not Parquet), with the error."""
    bad: dict[str, str] = {}
    for sid in session_ids:
        for f in sorted(store.glob(f"*/platform=*/date=*/{_safe_name(sid)}.parquet")):
            try:
                pl.read_parquet_schema(f)
            except Exception as exc:
                bad[sid] = f"{f.relative_to(store)}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
                break
    return bad


def week_tables(store: Path, session_ids: Sequence[str]) -> dict[str, pl.LazyFrame]:
    """Lazy canonical tables of some sessions, reading only their files."""
    from .store import scan_table

    ids = list(session_ids)
    out = {n: scan_table(n, store, session_ids=ids).filter(pl.col("session_id").is_in(ids)) for n in WEEK_TABLES}
    out["sessions"] = out["sessions"].with_columns(
        pl.col("start_ts").dt.convert_time_zone(TZ), pl.col("end_ts").dt.convert_time_zone(TZ)
    )
    return out


def load_week(store: str | Path, week: str, rooms: Sequence[str] = (), trailing: int = TRAILING_WEEKS) -> WeekData:
    """The week's and the ``trailing`` previous weeks' sessions and KPIs (``helpers.metrics``);
    sessions whose files cannot be read are left out and listed in ``unreadable``."""
    from .metrics import kpi_frame

    store = resolve(store)
    week = resolve_week(week, store)
    sessions = week_sessions(store, week, rooms, weeks_before=trailing)
    bad = unreadable_sessions(store, sessions["session_id"].to_list())
    ok = sessions.filter(~pl.col("session_id").is_in(list(bad)))
    kpis = kpi_frame(week_tables(store, ok["session_id"].to_list())) if ok.height else pl.DataFrame()
    if kpis.height:
        kpis = kpis.join(ok.select("session_id", "week"), on="session_id", how="left")
    weeks = [shift_week(week, -i) for i in range(trailing, -1, -1)]
    return WeekData(week, store, weeks, sessions, kpis, bad)


def pooled(df: pl.DataFrame, key: str) -> float | None:
    """A ratio KPI over several sessions: the sessions' values weighted by the ratio's denominator
    (``metrics.RATIOS``), i.e. sum(numerator) / sum(denominator)."""
    from .metrics import RATIOS

    den = RATIOS[key][1]
    if key not in df.columns or den not in df.columns:
        return None
    d = df.filter(pl.col(key).is_not_null() & pl.col(den).is_not_null() & (pl.col(den) > 0))
    w = d[den].sum() if d.height else 0
    return float((d[key] * d[den]).sum() / w) if w else None


def aggregate(df: pl.DataFrame) -> dict[str, float | None]:
    """Totals (sums) and pooled ratios of a set of sessions."""
    out: dict[str, float | None] = {"sessions": float(df.height)}
    for k in SUM_KEYS:
        out[k] = float(df[k].sum()) if k in df.columns and df.height and df[k].null_count() < df.height else None
    for k in POOLED_KEYS:
        out[k] = pooled(df, k) if df.height else None
    return out


def week_totals(data: WeekData) -> pl.DataFrame:
    """One row per week of the window (oldest first): totals and pooled ratios."""
    rows = [{"week": w, **aggregate(data.kpis.filter(pl.col("week") == w) if data.kpis.height else data.kpis)}
            for w in data.weeks] if data.kpis.height else []
    return pl.DataFrame(rows) if rows else pl.DataFrame({"week": data.weeks})


def _viewer_units(store: Path, session_ids: Sequence[str]) -> tuple[list[float], list[float]]:
    """Per (session, viewer): order amount (0 for non-buyers) and 1 — the units of UV value."""
    if not session_ids:
        return [], []
    t = week_tables(store, session_ids)
    v = t["viewers"].select("session_id", "viewer_id")
    o = t["orders"].group_by("session_id", "viewer_id").agg(pl.col("amount").sum().alias("gmv"))
    units = v.join(o, on=["session_id", "viewer_id"], how="left").select(pl.col("gmv").fill_null(0.0)).collect()
    return units["gmv"].to_list(), [1.0] * units.height


def _rel(a: float | None, b: float | None) -> float | None:
    return (a - b) / b if a is not None and b not in (None, 0) else None


def glance(data: WeekData, *, seed: int = 0, n_boot: int = 500) -> pl.DataFrame:
    """The week at a glance: each of :data:`GLANCE_KEYS` this week, last week, the week-over-week
    change with a 95% interval of the difference (conversion: Newcombe; UV value: bootstrap over
    viewers; totals and other ratios: none), and the trailing-4-week mean with a t-interval of the
    trailing weekly values."""
    import math

    from scipy import stats as sps

    from .stats import bootstrap_ratio_diff, two_proportion

    totals = week_totals(data)
    by_week = {r["week"]: r for r in totals.iter_rows(named=True)}
    this, last = by_week.get(data.week, {}), by_week.get(shift_week(data.week, -1), {})
    trailing = [by_week[w] for w in data.weeks[:-1] if w in by_week and by_week[w].get("sessions")]
    rows = []
    for key in GLANCE_KEYS:
        cur, prev = this.get(key), last.get(key)
        lo = hi = None
        method = ""
        if cur is not None and prev is not None and key == "conversion_rate":
            d = two_proportion(int(this["buyers"]), int(this["viewers"]), int(last["buyers"]), int(last["viewers"]))
            lo, hi, method = d.lo, d.hi, "Newcombe"
        elif cur is not None and prev is not None and key == "uv_value":
            n1, d1 = _viewer_units(data.store, data.ids(data.week))
            n0, d0 = _viewer_units(data.store, data.ids(shift_week(data.week, -1)))
            iv = bootstrap_ratio_diff(n1, d1, n0, d0, n_boot=n_boot, seed=seed)
            lo, hi, method = iv.lo, iv.hi, "bootstrap (viewers)"
        vals = [t[key] for t in trailing if t.get(key) is not None]
        mean = sum(vals) / len(vals) if vals else None
        t_lo = t_hi = None
        if len(vals) >= 2:
            sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1))
            half = float(sps.t.ppf(0.975, len(vals) - 1)) * sd / math.sqrt(len(vals))
            t_lo, t_hi = mean - half, mean + half
        rows.append({
            "metric": key, "this_week": cur, "last_week": prev, "wow_change": _rel(cur, prev),
            "wow_diff": None if cur is None or prev is None else cur - prev, "wow_diff_lo": lo,
            "wow_diff_hi": hi, "interval": method, "trailing_weeks": len(vals), "trailing_mean": mean,
            "trailing_lo": t_lo, "trailing_hi": t_hi, "vs_trailing": _rel(cur, mean),
        })
    return pl.DataFrame(rows, schema_overrides={c: pl.Float64 for c in (
        "this_week", "last_week", "wow_change", "wow_diff", "wow_diff_lo", "wow_diff_hi",
        "trailing_mean", "trailing_lo", "trailing_hi", "vs_trailing")})


def leaderboard(data: WeekData) -> pl.DataFrame:
    """The week's sessions ranked by GMV, with their main KPIs."""
    cols = ["session_id", "start_ts", "host", "gmv", "viewers", "conversion_rate", "uv_value", "gpm",
            "refund_rate", "follower_rate"]
    df = data.this_week
    if df.height == 0:
        return pl.DataFrame({c: [] for c in ["rank", *cols]})
    df = df.sort(["gmv", "session_id"], descending=[True, False], nulls_last=True).select(cols)
    return df.with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))


def _products(data: WeekData) -> pl.DataFrame:
    ids = data.kpis["session_id"].to_list() if data.kpis.height else []
    if not ids:
        return pl.DataFrame()
    t = week_tables(data.store, ids)
    p = t["products"].collect()
    if p.height == 0:
        return p
    if "role" not in p.columns:
        p = p.with_columns(pl.lit(None, dtype=pl.String).alias("role"))
    s = data.kpis.select("session_id", "week", pl.col("start_ts").dt.date().alias("day"))
    return p.join(s, on="session_id", how="inner")


def product_lifecycle(data: WeekData) -> pl.DataFrame:
    """Each product sold this week or last: GMV and units per week, share of the week's GMV,
    change vs last week and its stage (:data:`LIFECYCLE_RULE`)."""
    p = _products(data)
    empty = pl.DataFrame(schema={"product_id": pl.String, "name": pl.String, "stage": pl.String})
    if p.height == 0:
        return empty
    last_w = shift_week(data.week, -1)
    agg = p.group_by("product_id").agg(
        pl.col("name").first(),
        (pl.col("role") == "hero").any().alias("planned_hero"),
        pl.col("gmv").filter(pl.col("week") == data.week).sum().alias("gmv"),
        pl.col("gmv").filter(pl.col("week") == last_w).sum().alias("gmv_last_week"),
        pl.col("units").filter(pl.col("week") == data.week).sum().alias("units"),
        pl.col("units").filter(pl.col("week") == last_w).sum().alias("units_last_week"),
        (pl.col("week") < last_w).any().alias("sold_before"),
        (pl.col("week") == last_w).any().alias("sold_last_week"),
        (pl.col("week") == data.week).any().alias("sold_this_week"),
    ).filter(pl.col("sold_this_week") | pl.col("sold_last_week"))
    total = agg["gmv"].sum() or 0.0
    agg = agg.with_columns(
        (pl.col("gmv") / total if total else pl.lit(None, pl.Float64)).alias("share"),
        pl.when(pl.col("gmv_last_week") > 0).then(pl.col("gmv") / pl.col("gmv_last_week") - 1)
        .otherwise(None).alias("change"),
    )
    stage = (
        pl.when(~pl.col("sold_before") & ~pl.col("sold_last_week")).then(pl.lit("new"))
        .when(pl.col("change") <= -LIFECYCLE_CHANGE).then(pl.lit("fading"))
        .when(pl.col("change") >= LIFECYCLE_CHANGE).then(pl.lit("rising"))
        .when((pl.col("share") >= HERO_SHARE) | pl.col("planned_hero")).then(pl.lit("hero"))
        .otherwise(pl.lit("steady"))
    )
    order = ["product_id", "name", "stage", "planned_hero", "gmv", "gmv_last_week", "change", "share",
             "units", "units_last_week"]
    return agg.with_columns(stage.alias("stage")).select(order).sort(["gmv", "product_id"], descending=[True, False])


def hero_drops(data: WeekData) -> pl.DataFrame:
    """Hero products of last week (≥10% of its GMV, or planned as hero and among its top 5 by GMV)
    whose daily sales (units per selling day) fell by at least :data:`HERO_DROP`."""
    p = _products(data)
    cols = {"product_id": pl.String, "name": pl.String, "daily_units": pl.Float64,
            "daily_units_last_week": pl.Float64, "change": pl.Float64}
    if p.height == 0:
        return pl.DataFrame(schema=cols)
    last_w = shift_week(data.week, -1)
    two = p.filter(pl.col("week").is_in([data.week, last_w]))
    last_total = two.filter(pl.col("week") == last_w)["gmv"].sum() or 0.0
    daily = two.group_by("product_id", "week").agg(
        pl.col("name").first(), (pl.col("role") == "hero").any().alias("planned_hero"),
        (pl.col("units").sum() / pl.col("day").n_unique()).alias("daily_units"), pl.col("gmv").sum(),
    )
    cur = daily.filter(pl.col("week") == data.week).select("product_id", "daily_units")
    prev = daily.filter(pl.col("week") == last_w).rename({"daily_units": "daily_units_last_week"})
    top = prev.sort(["gmv", "product_id"], descending=[True, False]).head(HERO_TOP)["product_id"].to_list()
    heroes = prev.filter((pl.col("planned_hero") & pl.col("product_id").is_in(top))
                         | (pl.col("gmv") >= HERO_SHARE * last_total))
    out = heroes.join(cur, on="product_id", how="left").with_columns(pl.col("daily_units").fill_null(0.0))
    out = out.with_columns((pl.col("daily_units") / pl.col("daily_units_last_week") - 1).alias("change"))
    return out.filter(pl.col("change") <= -HERO_DROP).select(list(cols)).sort("change", "product_id")


def alerts(data: WeekData, category: str = "general") -> pl.DataFrame:
    """METRICS.md alerts for the week: a session's GMV ±30% against the trailing sessions' mean,
    UV value under the category benchmark (per session and for the week), a hero product's daily
    sales down 15% or more."""
    from .benchmarks import benchmarks

    rows: list[dict[str, Any]] = []
    week = data.this_week
    trail = data.kpis.filter(pl.col("week") != data.week) if data.kpis.height else data.kpis
    mean = float(trail["gmv"].mean()) if trail.height and trail["gmv"].null_count() < trail.height else None
    for r in week.iter_rows(named=True):
        change = _rel(r["gmv"], mean)
        if change is not None and abs(change) >= GMV_ALERT:
            rows.append({"rule": "gmv_vs_trailing", "subject": r["session_id"], "value": r["gmv"],
                         "reference": mean, "change": change,
                         "level": "warning" if change < 0 else "info"})
    bench = benchmarks(category).get("uv_value")
    if bench is not None:
        for r in week.iter_rows(named=True):
            if bench.is_bad(r["uv_value"]):
                rows.append({"rule": "uv_value_below_benchmark", "subject": r["session_id"], "value": r["uv_value"],
                             "reference": bench.reference, "change": _rel(r["uv_value"], bench.reference),
                             "level": "warning"})
        wk = pooled(week, "uv_value") if week.height else None
        if bench.is_bad(wk):
            rows.append({"rule": "uv_value_below_benchmark", "subject": data.week, "value": wk,
                         "reference": bench.reference, "change": _rel(wk, bench.reference), "level": "warning"})
    for r in hero_drops(data).iter_rows(named=True):
        rows.append({"rule": "hero_product_down", "subject": f"{r['product_id']} {r['name']}",
                     "value": r["daily_units"], "reference": r["daily_units_last_week"], "change": r["change"],
                     "level": "warning"})
    schema = {"level": pl.String, "rule": pl.String, "subject": pl.String, "value": pl.Float64,
              "reference": pl.Float64, "change": pl.Float64}
    return pl.DataFrame(rows, schema=schema).select(list(schema)) if rows else pl.DataFrame(schema=schema)


def host_scorecards(data: WeekData) -> pl.DataFrame:
    """Per host over the week's sessions: sessions, viewers, GMV and the pooled retention (avg watch
    time), conversion, UV value, follower conversion; points = metrics at or above the room's
    pooled value; tier S/A/B/C (:data:`TIER_RULE`)."""
    week = data.this_week
    if week.height == 0:
        return pl.DataFrame(schema={"host": pl.String, "tier": pl.String})
    room = {k: pooled(week, k) for k in HOST_KEYS}
    week = week.with_columns(pl.col("host").fill_null("—"))
    rows = []
    for (host,), df in sorted(week.group_by("host"), key=lambda kv: str(kv[0][0])):
        row: dict[str, Any] = {"host": host, "sessions": df.height, "viewers": df["viewers"].sum(),
                               "gmv": df["gmv"].sum()}
        points = 0
        for k in HOST_KEYS:
            v = pooled(df, k)
            row[k] = v
            points += int(v is not None and room[k] is not None and v >= room[k])
        row["points"] = points
        row["tier"] = {4: "S", 3: "A", 2: "B"}.get(points, "C")
        rows.append(row)
    return pl.DataFrame(rows).sort(["points", "gmv", "host"], descending=[True, True, False])


def heatmap(data: WeekData) -> pl.DataFrame:
    """Day × hour of the viewer's entry over the week: viewers, buyers, GMV, conversion and UV value
    (``helpers.metrics`` computed per cell: the cell plays the session's part)."""
    from .metrics import kpi_frame

    ids = data.ids(data.week)
    cols = {"day": pl.Int8, "hour": pl.Int8, "viewers": pl.Float64, "buyers": pl.Float64, "gmv": pl.Float64,
            "conversion_rate": pl.Float64, "uv_value": pl.Float64}
    if not ids:
        return pl.DataFrame(schema=cols)
    t = week_tables(data.store, ids)
    cell = (pl.col("enter_ts").dt.weekday().cast(pl.Int8).alias("day"), pl.col("enter_ts").dt.hour().cast(pl.Int8).alias("hour"))
    v = t["viewers"].select("session_id", "viewer_id", "watch_s", *cell).with_columns(
        (pl.col("day").cast(pl.String) + "-" + pl.col("hour").cast(pl.String)).alias("cell"))
    o = t["orders"].join(v.select("session_id", "viewer_id", "cell"), on=["session_id", "viewer_id"], how="inner")
    cells = v.group_by("cell").agg(pl.col("day").first(), pl.col("hour").first()).collect()
    start = datetime(2000, 1, 1, tzinfo=ZoneInfo(TZ))
    sessions = cells.select(pl.col("cell").alias("session_id"), pl.lit("room").alias("room"),
                            pl.lit(start).dt.convert_time_zone(TZ).alias("start_ts"),
                            pl.lit(start).dt.convert_time_zone(TZ).alias("end_ts"))
    k = kpi_frame({
        "sessions": sessions,
        "viewers": v.drop("session_id").rename({"cell": "session_id"}),
        "orders": o.drop("session_id").rename({"cell": "session_id"}),
    })
    out = k.join(cells.rename({"cell": "session_id"}), on="session_id").select(
        "day", "hour", *[pl.col(c).cast(pl.Float64) for c in ("viewers", "buyers", "gmv", "conversion_rate", "uv_value")])
    return out.sort("day", "hour")


def best_worst_hours(cells: pl.DataFrame, n: int = 3, min_viewers: int = 100) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``n`` best and worst day×hour cells by UV value, among cells with ``min_viewers``."""
    ok = cells.filter(pl.col("viewers") >= min_viewers)
    best = ok.sort(["uv_value", "day", "hour"], descending=[True, False, False], nulls_last=True).head(n)
    worst = ok.sort(["uv_value", "day", "hour"], nulls_last=True).head(n)
    return best, worst


def rfm_migration(data: WeekData) -> pl.DataFrame:
    """Buyers moving between RFM segments from the end of last week to the end of this week
    (``helpers.segments.rfm_migration`` over the window's orders)."""
    from .segments import rfm_migration as migrate

    ids = data.kpis["session_id"].to_list() if data.kpis.height else []
    schema = {"from_segment": pl.String, "to_segment": pl.String, "buyers": pl.Int64}
    if not ids:
        return pl.DataFrame(schema=schema)
    orders = week_tables(data.store, ids)["orders"].collect()
    if orders.height == 0 or "viewer_id" not in orders.columns:
        return pl.DataFrame(schema=schema)
    end = parse_week(data.week) + timedelta(days=6)
    m = migrate(orders, end - timedelta(days=7), end)
    return pl.from_pandas(m).with_columns(pl.col("buyers").cast(pl.Int64))


def audience_mix(data: WeekData) -> pl.DataFrame:
    """Returning viewers and followers among viewers, this week against the trailing weeks."""
    totals = week_totals(data)
    keep = [c for c in ("week", "sessions", "viewers", "returning_rate", "follower_rate") if c in totals.columns]
    return totals.select(keep)


def comment_themes(data: WeekData, top: int = 8) -> pl.DataFrame:
    """Comments of the week by intent group (``helpers.comments.classify_frame``): count, share,
    share last week, and the change in share (percentage points)."""
    from .comments.classify import classify_frame

    schema = {"intent_group": pl.String, "comments": pl.Int64, "share": pl.Float64,
              "share_last_week": pl.Float64, "change_pp": pl.Float64}
    last_w = shift_week(data.week, -1)
    ids = data.ids(data.week) + data.ids(last_w)
    if not ids:
        return pl.DataFrame(schema=schema)
    c = week_tables(data.store, ids)["comments"].select("session_id", "text").collect()
    if c.height == 0:
        return pl.DataFrame(schema=schema)
    wk = data.kpis.select("session_id", "week")
    c = classify_frame(c.join(wk, on="session_id"), tokens=False)
    g = c.group_by("week", "intent_group").len("comments").with_columns(
        (pl.col("comments") / pl.col("comments").sum().over("week")).alias("share"))
    cur = g.filter(pl.col("week") == data.week).drop("week")
    prev = g.filter(pl.col("week") == last_w).select("intent_group", pl.col("share").alias("share_last_week"))
    out = cur.join(prev, on="intent_group", how="left").with_columns(
        ((pl.col("share") - pl.col("share_last_week")) * 100).alias("change_pp"),
        pl.col("comments").cast(pl.Int64))
    return out.sort(["comments", "intent_group"], descending=[True, False]).head(top).select(list(schema))


def review_links(data: WeekData, reviews: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Each session of the week: its review's status and link (from the run), unreadable data noted."""
    by_id = {r["session_id"]: r for r in reviews}
    rows = []
    for r in data.sessions.filter(pl.col("week") == data.week).iter_rows(named=True):
        sid = r["session_id"]
        rev = by_id.get(sid, {})
        status = rev.get("status") or ("failed" if sid in data.unreadable else "not rendered")
        error = rev.get("error") or data.unreadable.get(sid, "")
        rows.append({"session_id": sid, "start_ts": r["start_ts"], "host": r.get("host"),
                     "status": status, "error": error, "href": rev.get("href") or f"sessions/{sid}/report.html"})
    return pl.DataFrame(rows) if rows else pl.DataFrame(schema={"session_id": pl.String, "status": pl.String})


def summary(data: WeekData, *, glance_df: pl.DataFrame, alerts_df: pl.DataFrame, hosts: pl.DataFrame,
            products: pl.DataFrame, links: pl.DataFrame) -> dict[str, Any]:
    """The weekly ``summary.json`` body (keys documented in ``docs/weekly.md``)."""
    failed = links.filter(pl.col("status") == "failed")["session_id"].to_list() if links.height else []
    return {
        "week": data.week,
        "weeks_compared": data.weeks,
        "sessions": data.ids(data.week),
        "failed_sessions": failed,
        "unreadable_sessions": data.unreadable,
        "kpis": {r["metric"]: r["this_week"] for r in glance_df.iter_rows(named=True)},
        "wow_change": {r["metric"]: r["wow_change"] for r in glance_df.iter_rows(named=True)},
        "vs_trailing": {r["metric"]: r["vs_trailing"] for r in glance_df.iter_rows(named=True)},
        "alerts": alerts_df.to_dicts(),
        "host_tiers": {r["host"]: r["tier"] for r in hosts.iter_rows(named=True)} if hosts.height else {},
        "product_stages": dict(sorted(products.group_by("stage").len().iter_rows())) if products.height else {},
    }


# --------------------------------------------------------------------------- words and charts

DAY_NAMES = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
             "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:+.1%}"


def describe_glance(g: pl.DataFrame, lang: str = "zh") -> str:
    """One sentence on the week: GMV, UV value and conversion with their week-over-week change."""
    r = {row["metric"]: row for row in g.iter_rows(named=True)}

    def v(key: str, fmt: str) -> str:
        x = r.get(key, {}).get("this_week")
        return "–" if x is None else format(x, fmt)

    def ch(key: str) -> str:
        return _pct(r.get(key, {}).get("wow_change"))

    conv = r.get("conversion_rate", {})
    sig = conv.get("wow_diff_lo") is not None and not (conv["wow_diff_lo"] <= 0 <= conv["wow_diff_hi"])
    if lang == "zh":
        return (f"本周成交金额 {v('gmv', ',.0f')} 元（环比 {ch('gmv')}），UV价值 {v('uv_value', '.2f')} 元"
                f"（环比 {ch('uv_value')}），观看-成交率 {v('conversion_rate', '.2%')}（环比 {ch('conversion_rate')}，"
                f"{'差异显著' if sig else '差异在误差范围内'}）。")
    return (f"GMV this week was {v('gmv', ',.0f')} yuan ({ch('gmv')} week over week), UV value "
            f"{v('uv_value', '.2f')} yuan ({ch('uv_value')}), conversion {v('conversion_rate', '.2%')} "
            f"({ch('conversion_rate')}, {'a real difference' if sig else 'within the noise'}).")


def fig_weeks(totals: pl.DataFrame, keys: Sequence[str] = ("gmv", "uv_value"), lang: str = "zh") -> Any:
    """Weekly totals of the window as bars (first key) and a line (second key, right axis)."""
    import plotly.graph_objects as go

    from .metrics import label

    fig = go.Figure()
    if totals.height and keys[0] in totals.columns:
        fig.add_bar(x=totals["week"].to_list(), y=totals[keys[0]].to_list(), name=label(keys[0], lang))
    if len(keys) > 1 and keys[1] in totals.columns:
        fig.add_scatter(x=totals["week"].to_list(), y=totals[keys[1]].to_list(), name=label(keys[1], lang),
                        yaxis="y2", mode="lines+markers")
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right"}, height=360,
                      title="近5周" if lang == "zh" else "Last 5 weeks", legend={"orientation": "h"})
    return fig


def fig_heatmap(cells: pl.DataFrame, key: str = "uv_value", lang: str = "zh") -> Any:
    """Day × hour heat map of one KPI (viewers' entry hour)."""
    import plotly.graph_objects as go

    from .metrics import METRICS, label

    hours = list(range(24))
    fmt = ".1%" if key in METRICS and METRICS[key].unit == "%" else ",.2f"
    z = [[None] * 24 for _ in range(7)]
    for r in cells.iter_rows(named=True):
        z[r["day"] - 1][r["hour"]] = r[key]
    fig = go.Figure(go.Heatmap(z=z, x=hours, y=list(DAY_NAMES[lang]), colorscale="YlOrRd",
                               colorbar={"title": label(key, lang), "tickformat": ".0%" if fmt.endswith("%") else ",.0f"},
                               hovertemplate=f"%{{y}} %{{x}}:00<br>%{{z:{fmt}}}<extra></extra>", hoverongaps=False))
    fig.update_layout(height=330, title=label(key, lang), xaxis={"title": "hour" if lang == "en" else "小时"},
                      yaxis={"autorange": "reversed"})
    return fig


def with_day_names(cells: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """Day numbers (1 = Monday) as names, for tables."""
    names = DAY_NAMES[lang]
    return cells.with_columns(pl.col("day").map_elements(lambda d: names[d - 1], return_dtype=pl.String))


ALERT_RULES = {"gmv_vs_trailing": ("单场成交金额较近4周场均波动 ≥30%", "Session GMV ±30% vs trailing mean"),
               "uv_value_below_benchmark": ("UV价值低于品类基准", "UV value below the category benchmark"),
               "hero_product_down": ("主推款日销下降 ≥15%", "Hero product daily units down ≥15%")}
ALERT_LEVELS = {"warning": ("需处理", "warning"), "info": ("提示", "info")}
STAGES = {"new": ("新品", "new"), "rising": ("上升", "rising"), "hero": ("主力", "hero"),
          "steady": ("平稳", "steady"), "fading": ("衰退", "fading")}


def _words(col: str, words: Mapping[str, tuple[str, str]], lang: str) -> pl.Expr:
    i = 0 if lang == "zh" else 1
    return pl.col(col).replace_strict({k: v[i] for k, v in words.items()}, default=pl.col(col),
                                      return_dtype=pl.String)


def glance_display(g: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """:func:`glance` for reading: one row per metric (name with unit), every value formatted by the
    metric's unit (:func:`helpers.labels.format_metric`), changes as signed percentages, the 95%
    interval of the week-over-week difference (percentage points for % metrics); headers in the
    language. Presentation only: the values are :func:`glance`'s."""
    from .labels import COLUMNS, format_metric, metric_header

    i = 0 if lang == "zh" else 1
    rows = []
    for r in g.iter_rows(named=True):
        k = r["metric"]
        iv = ("–" if r["wow_diff_lo"] is None else
              f"{format_metric(k, r['wow_diff_lo'], signed=True)} ~ {format_metric(k, r['wow_diff_hi'], signed=True)}")
        rows.append({
            ("指标", "Metric")[i]: metric_header(k, lang),
            COLUMNS["this_week"][i]: format_metric(k, r["this_week"]),
            COLUMNS["last_week"][i]: format_metric(k, r["last_week"]),
            COLUMNS["wow_change"][i]: _pct(r["wow_change"]),
            COLUMNS["wow_interval"][i]: iv,
            COLUMNS["trailing_mean"][i]: format_metric(k, r["trailing_mean"]),
            COLUMNS["vs_trailing"][i]: _pct(r["vs_trailing"]),
        })
    return pl.DataFrame(rows)


def alerts_display(a: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """:func:`alerts` for reading: level and rule in words, value and reference formatted by what the
    rule compares (GMV in yuan, UV value in yuan, daily units), the change as a signed percentage."""
    from .labels import format_metric

    i = 0 if lang == "zh" else 1
    metric = {"gmv_vs_trailing": "gmv", "uv_value_below_benchmark": "uv_value"}
    rows = []
    for r in a.iter_rows(named=True):
        k = metric.get(r["rule"])
        fmt = (lambda v, k=k: format_metric(k, v)) if k else (lambda v: "–" if v is None else f"{v:,.1f}")
        rows.append({
            ("级别", "Level")[i]: ALERT_LEVELS.get(r["level"], (r["level"], r["level"]))[i],
            ("规则", "Rule")[i]: ALERT_RULES.get(r["rule"], (r["rule"], r["rule"]))[i],
            ("对象", "Subject")[i]: r["subject"],
            ("实际", "Value")[i]: fmt(r["value"]),
            ("参照值", "Reference")[i]: fmt(r["reference"]),
            ("变化", "Change")[i]: _pct(r["change"]),
        })
    cols = [("级别", "Level")[i], ("规则", "Rule")[i], ("对象", "Subject")[i], ("实际", "Value")[i],
            ("参照值", "Reference")[i], ("变化", "Change")[i]]
    return pl.DataFrame(rows) if rows else pl.DataFrame(schema={c: pl.String for c in cols})


def lifecycle_display(p: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """:func:`product_lifecycle` with the stage in words and the planned-hero flag as a tick."""
    if p.height == 0 or "planned_hero" not in p.columns:
        return p
    return p.with_columns(_words("stage", STAGES, lang),
                          pl.when(pl.col("planned_hero")).then(pl.lit("✓")).otherwise(pl.lit("")).alias("planned_hero"))


def migration_display(m: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """:func:`rfm_migration` with segment names in words (``none``: no purchase before)."""
    from .segments import RFM_ZH

    words = {k: (v, k.replace("_", " ")) for k, v in RFM_ZH.items()} | {"none": ("此前未购买", "no purchase before")}
    cols = [c for c in ("from_segment", "to_segment") if c in m.columns]
    return m.with_columns(*[_words(c, words, lang) for c in cols]) if m.height else m


def themes_display(themes: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """:func:`comment_themes` with the intent group in words."""
    from .comments.intent import label

    if themes.height == 0:
        return themes
    return themes.with_columns(pl.col("intent_group").map_elements(lambda g: label(g, lang), return_dtype=pl.String))


def links_markdown(links: pl.DataFrame, lang: str = "zh") -> str:
    """A Markdown list linking each session's review (escaped), failed ones marked."""
    import html

    if links.height == 0:
        return "本周没有场次。" if lang == "zh" else "No sessions this week."
    lines = []
    for r in links.iter_rows(named=True):
        sid = html.escape(str(r["session_id"]))
        href = html.escape(str(r["href"]), quote=True)
        host = html.escape(str(r.get("host") or ""))
        if r["status"] != "failed":
            lines.append(f"- [{sid}]({href}) {host}")
        else:
            err = html.escape(str(r["error"] or ""))[:200]
            mark = "复盘失败" if lang == "zh" else "review FAILED"
            lines.append(f"- **{sid}** {host}: {mark} ({err}) [notebook]({href.replace('report.html', '')})")
    return "\n".join(lines)
