"""``workbook``: the command line. Each subcommand is a thin call into the same ``helpers``
functions the notebooks use.

    workbook simulate --out DIR [--seed N] [--viewers N] [--weeks N]
    workbook ingest PATH... [--store DIR] [--json] [--session ID] [--room NAME --start TIME]
                    [--rooms FILE]
    workbook report session SESSION_ID [--store DIR] [--out DIR] [--lang zh|en]
    workbook report segments|conversion (SESSION_ID | --week W) [--store DIR] [--out DIR]
    workbook report comments SESSION_ID [--store DIR] [--out DIR]
    workbook report pitch SESSION_ID [--store DIR] [--out DIR]
    workbook report ingest [PATH] [--store DIR] [--out DIR]
    workbook report weekly --week 2026-W47|last [--store DIR] [--out DIR] [--jobs N]
    workbook comments classify FILE.csv --text-column COL --out OUT.csv
    workbook demo
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from helpers import __version__


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store", default=None, help="canonical Parquet store (default data/processed/store)"
    )


def _add_out(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="output folder (default reports/<kind>/<id>/)")
    p.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="report language (default zh)"
    )


def _add_simulate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "simulate", help="write a seeded simulated week (platform exports, canonical files, truth)"
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument(
        "--viewers", type=int, default=2000, help="viewers per session, 1k-1M (default 2000)"
    )
    p.add_argument("--sessions", type=int, default=7, help="sessions in the week (default 7)")
    p.add_argument("--week", default="2026-W47", help="ISO week of the sessions (default 2026-W47)")
    p.add_argument(
        "--weeks", type=int, default=1, help="consecutive weeks ending at --week (default 1)"
    )
    p.add_argument(
        "--formats",
        default="platform,canonical",
        help="comma list of platform, canonical (default both)",
    )


def _add_ingest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("ingest", help="ingest export files or folders into the canonical store")
    p.add_argument("paths", nargs="+", help="export files or folders")
    _add_store(p)
    p.add_argument("--json", action="store_true", help="print the per-file result as JSON")
    p.add_argument("--session", default=None, help="attach every file to this session")
    p.add_argument("--room", default=None, help="room of the session to create (with --start)")
    p.add_argument(
        "--start",
        default=None,
        help='start of the session to create, China time ("2026-11-18 20:00")',
    )
    p.add_argument(
        "--platform", default="douyin", help="platform of the session to create (default douyin)"
    )
    p.add_argument(
        "--rooms",
        default=None,
        help="rooms file naming the ids of one room (default ./data/rooms.yaml if present)",
    )


def _report_kind(
    kinds: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_: str
) -> argparse.ArgumentParser:
    """A ``report`` kind with the store, output folder and language options every kind takes."""
    k = kinds.add_parser(name, help=help_)
    _add_store(k)
    _add_out(k)
    return k


def _add_report(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report", help="render a report: executed notebook, report.html, summary.json"
    )
    kinds = p.add_subparsers(dest="kind", required=True)
    k = _report_kind(kinds, "session", "single-session review (单场复盘)")
    k.add_argument("session_id")
    k.add_argument("--targets", default="", help="targets CSV/YAML (metric,target[,session_id])")
    k.add_argument(
        "--category", default="general", help="benchmark category (general, apparel, beauty, food)"
    )
    for name, help_ in (("segments", "audience segments"), ("conversion", "conversion models")):
        k = _report_kind(kinds, name, help_)
        k.add_argument("session_id", nargs="?", default="")
        k.add_argument("--week", default="", help="ISO week (2026-W47) instead of a session")
    _report_kind(kinds, "comments", "comment analysis (弹幕)").add_argument("session_id")
    k = _report_kind(kinds, "pitch", "the host's pitch: elements, answers, compliance (话术)")
    k.add_argument("session_id")
    k = _report_kind(kinds, "ingest", "data-quality report of an ingest")
    k.add_argument("paths", nargs="*", help="export files or folders to ingest first (optional)")
    k = _report_kind(kinds, "room", "a room's history from session lists and daily overviews")
    k.add_argument("room", nargs="?", default="", help="room name (default: the store's main room)")
    k.add_argument("--from", dest="date_from", default="", help="first day YYYY-MM-DD")
    k.add_argument("--to", dest="date_to", default="", help="last day YYYY-MM-DD")
    _add_weekly(kinds)


def _add_weekly(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    k = _report_kind(kinds, "weekly", "weekly report with the week's session reviews")
    k.add_argument("--week", default="last", help="ISO week (2026-W47) or 'last' (default)")
    k.add_argument("--jobs", type=int, default=1, help="parallel notebook runs (default 1)")
    k.add_argument(
        "--executor", default="", help="run the reviews on a Dask cluster: dask://HOST:PORT"
    )
    k.add_argument("--params", default="", help="YAML parameters file (params/weekly.yaml)")
    k.set_defaults(week=None, jobs=None, lang=None)  # unset: --params, else last / 1 / zh


def _add_comments(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("comments", help="comment tools")
    csub = p.add_subparsers(dest="action", required=True)
    c = csub.add_parser(
        "classify", help="add intent, sentiment and tokens columns to a CSV of texts"
    )
    c.add_argument("file")
    c.add_argument("--text-column", required=True)
    c.add_argument("--out", required=True)
    c.add_argument(
        "--mode",
        choices=("live", "review"),
        default="live",
        help="live: questions and greetings get no sentiment; review: every text does",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbook", description="Live-commerce post-show research workbook"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO)")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_simulate, _add_ingest, _add_report, _add_comments):
        add(sub)
    sub.add_parser(
        "demo", help="ingest the bundled sample week and render its reports under reports/"
    )
    return parser


USER_PATHS = ("store", "out", "params", "targets", "file", "rooms")


def absolute_paths(args: argparse.Namespace) -> argparse.Namespace:
    """Every path argument made absolute against the current directory (see helpers.paths)."""
    from helpers.paths import from_cwd

    for name in USER_PATHS:
        value = getattr(args, name, None)
        if isinstance(value, str) and value:
            setattr(args, name, str(from_cwd(value)))
    if isinstance(getattr(args, "paths", None), list):
        args.paths = [str(from_cwd(p)) for p in args.paths]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = absolute_paths(build_parser().parse_args(argv))
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "simulate":
            from helpers.sim.simulate import cli_simulate

            return cli_simulate(args)
        if args.command == "ingest":
            from helpers.ingest import cli_ingest

            return cli_ingest(args)
        if args.command == "report":
            if args.kind == "weekly":
                from helpers.pipeline.weekly import cli_weekly

                return cli_weekly(args)
            from helpers.pipeline.commands import cli_report

            return cli_report(args)
        if args.command == "comments":
            from helpers.comments import cli_classify

            return cli_classify(args)
        if args.command == "demo":
            from helpers.pipeline.commands import run_demo

            return run_demo()
    except (FileNotFoundError, KeyError, ValueError) as exc:
        print(f"workbook: error: {exc}", file=sys.stderr)
        return 2
    raise AssertionError(args.command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
