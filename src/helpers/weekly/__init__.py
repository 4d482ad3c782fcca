"""The weekly report (周报): one module per section, registered with
:mod:`helpers.present.sections` so it renders on any subset of tables (sessions, or only the
daily room overview), compared with the trailing weeks *that have data*. :func:`open_week` opens
the report, :func:`section` shows a section, :func:`build_summary` writes ``summary.json``.
Week arithmetic is :mod:`helpers.data.weeks`.

Stage: analysis. May import the foundation, :mod:`helpers.audience` and :mod:`helpers.comments`.
"""

from helpers.weekly import display
from helpers.weekly.alerts import (
    GMV_ALERT,
    HERO_DROP,
    HERO_SHARE,
    alert_rules,
    alert_table,
    alerts,
    hero_alert_rows,
    hero_drops,
)
from helpers.weekly.audience import audience_mix, rfm_migration
from helpers.weekly.board import leaderboard, review_links
from helpers.weekly.comments import comment_themes
from helpers.weekly.data import (
    GLANCE_KEYS,
    POOLED_KEYS,
    SUM_KEYS,
    TRAILING_LOOKBACK,
    TRAILING_WEEKS,
    WeekData,
    aggregate,
    check_parameters,
    load_week,
    pooled,
    room_day_units,
    run,
    trailing_mean,
    unreadable_sessions,
    week_tables,
    week_totals,
)
from helpers.weekly.display import section, show
from helpers.weekly.figures import fig_heatmap, fig_weeks, figure
from helpers.weekly.glance import glance, weeks_trend
from helpers.weekly.hosts import (
    HOST_MIN_SESSIONS,
    TIERS,
    host_scorecards,
    slot_rates,
    tier,
    tier_rule,
)
from helpers.weekly.hours import HEAT_MIN_MINUTES, best_worst_hours, heatmap, hours_rule
from helpers.weekly.products import (
    LIFECYCLE_CHANGE,
    STAGE_ORDER,
    lifecycle_rule,
    product_lifecycle,
    stage_expr,
)
from helpers.weekly.report import SECTIONS, WeekReport, open_week
from helpers.weekly.summary import build_summary, summary
from helpers.weekly.verdict import (
    gap_decomposition,
    reviews_dir,
    top_actions,
    verdict,
    week_factors,
)
from helpers.weekly.views_detail import links_markdown
from helpers.weekly.views_week import describe_glance, glance_display, intro, trailing_text

__all__ = [
    "GLANCE_KEYS",
    "GMV_ALERT",
    "HEAT_MIN_MINUTES",
    "HERO_DROP",
    "HERO_SHARE",
    "HOST_MIN_SESSIONS",
    "LIFECYCLE_CHANGE",
    "POOLED_KEYS",
    "SECTIONS",
    "STAGE_ORDER",
    "SUM_KEYS",
    "TIERS",
    "TRAILING_LOOKBACK",
    "TRAILING_WEEKS",
    "WeekData",
    "WeekReport",
    "aggregate",
    "alert_rules",
    "alert_table",
    "alerts",
    "audience_mix",
    "best_worst_hours",
    "build_summary",
    "check_parameters",
    "comment_themes",
    "describe_glance",
    "display",
    "fig_heatmap",
    "fig_weeks",
    "figure",
    "gap_decomposition",
    "glance",
    "glance_display",
    "heatmap",
    "hero_alert_rows",
    "hero_drops",
    "host_scorecards",
    "hours_rule",
    "intro",
    "leaderboard",
    "lifecycle_rule",
    "links_markdown",
    "load_week",
    "open_week",
    "pooled",
    "product_lifecycle",
    "review_links",
    "reviews_dir",
    "rfm_migration",
    "room_day_units",
    "run",
    "section",
    "show",
    "slot_rates",
    "stage_expr",
    "summary",
    "tier",
    "tier_rule",
    "top_actions",
    "trailing_mean",
    "trailing_text",
    "unreadable_sessions",
    "verdict",
    "week_factors",
    "week_tables",
    "week_totals",
    "weeks_trend",
]
