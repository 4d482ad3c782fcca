"""The session review (单场复盘): one module per report section, each computing aggregated frames
from whatever tables a loaded :class:`~helpers.data.store.Session` holds (viewer rows are optional).
Sections register with :mod:`helpers.present.sections`; metrics come from
:mod:`helpers.metrics.definitions`. A report opens with :func:`open_review`, shows what
:mod:`helpers.review.page` returns per cell, and ends with :func:`build_summary`.

Stage: analysis. May import the foundation and :mod:`helpers.comments`.
"""

from helpers.review.actions import candidates, decision_summary
from helpers.review.audience import (
    AUDIENCE_DIMENSIONS,
    LEVEL_ORDER,
    audience,
    from_profile,
    top_over,
)
from helpers.review.comments import comment_intents, top_comments
from helpers.review.common import (
    GMV_SWING,
    PAID_CHANNELS,
    POINT_EVENT_MIN,
    ROLE_NORM,
    SCREEN_PRIORITY,
    SHORT_WATCH_S,
    TRAILING_SESSIONS,
    per_viewer_gmv,
    session_minutes,
)
from helpers.review.context import Context, data_note, load_review, open_review, table_name
from helpers.review.display import display_frame, format_value, interval_text, say, show, step
from helpers.review.findings import FINDING_TEXT, findings
from helpers.review.funnel import Funnel, funnel
from helpers.review.headline import (
    Headline,
    as_of,
    empty_headline,
    headline,
    headline_table,
    kpi_intervals,
    trailing_sessions,
)
from helpers.review.integrity import Integrity, duplicate_comments, entry_bursts, integrity
from helpers.review.products import (
    Products,
    explanation_effect,
    explanation_windows,
    product_mix,
    product_table,
    products,
)
from helpers.review.promotions import Promotions, lift_text, with_lift_text
from helpers.review.retention import (
    TENURE_BUCKETS,
    Retention,
    dropoff,
    expected_exits,
    leaving_by_screen,
    retention,
    trend_stay,
)
from helpers.review.returning import Returning, returning_customers
from helpers.review.story import (
    MinuteStory,
    find_extrema,
    minute_frame,
    minute_story,
    run_sheet,
    screen_label,
    screen_timeline,
)
from helpers.review.summary import build_summary, session_summary
from helpers.review.traffic import traffic_sources
from helpers.review.verdict import Verdict, funnel_comparison, funnel_steps
from helpers.review.verdict_text import PageOne

__all__ = [
    "AUDIENCE_DIMENSIONS",
    "FINDING_TEXT",
    "GMV_SWING",
    "LEVEL_ORDER",
    "PAID_CHANNELS",
    "POINT_EVENT_MIN",
    "ROLE_NORM",
    "SCREEN_PRIORITY",
    "SHORT_WATCH_S",
    "TENURE_BUCKETS",
    "TRAILING_SESSIONS",
    "Context",
    "Funnel",
    "Headline",
    "Integrity",
    "MinuteStory",
    "PageOne",
    "Products",
    "Promotions",
    "Retention",
    "Returning",
    "Verdict",
    "as_of",
    "audience",
    "build_summary",
    "candidates",
    "comment_intents",
    "data_note",
    "decision_summary",
    "display_frame",
    "dropoff",
    "duplicate_comments",
    "empty_headline",
    "entry_bursts",
    "expected_exits",
    "explanation_effect",
    "explanation_windows",
    "find_extrema",
    "findings",
    "format_value",
    "from_profile",
    "funnel",
    "funnel_comparison",
    "funnel_steps",
    "headline",
    "headline_table",
    "integrity",
    "interval_text",
    "kpi_intervals",
    "leaving_by_screen",
    "lift_text",
    "load_review",
    "minute_frame",
    "minute_story",
    "open_review",
    "per_viewer_gmv",
    "product_mix",
    "product_table",
    "products",
    "retention",
    "returning_customers",
    "run_sheet",
    "say",
    "screen_label",
    "screen_timeline",
    "session_minutes",
    "session_summary",
    "show",
    "step",
    "table_name",
    "top_comments",
    "top_over",
    "traffic_sources",
    "trailing_sessions",
    "trend_stay",
    "with_lift_text",
]
