"""The session review (单场复盘): one module per report section, each computing aggregated frames
from whatever tables a loaded :class:`~helpers.store.Session` holds (viewer rows are optional).
Sections register with :mod:`helpers.sections`; metrics come from :mod:`helpers.metrics`."""

from .actions import candidates, decision_summary
from .audience import AUDIENCE_DIMENSIONS, LEVEL_ORDER, audience, from_profile, top_over
from .comments import comment_intents, top_comments
from .common import (
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
from .context import Context, data_note, open_review
from .display import display_frame, format_value, show, step
from .findings import FINDING_TEXT, findings
from .funnel import Funnel, funnel
from .headline import (
    UNIT_TEXT,
    Headline,
    as_of,
    empty_headline,
    headline,
    headline_table,
    kpi_intervals,
    trailing_sessions,
)
from .integrity import Integrity, duplicate_comments, entry_bursts, integrity
from .products import (
    Products,
    explanation_effect,
    explanation_windows,
    product_mix,
    product_table,
    products,
)
from .promotions import Promotions, lift_text, with_lift_text
from .retention import (
    TENURE_BUCKETS,
    Retention,
    dropoff,
    expected_exits,
    leaving_by_screen,
    retention,
    trend_stay,
)
from .returning import Returning, returning_customers
from .story import (
    MinuteStory,
    find_extrema,
    minute_frame,
    minute_story,
    run_sheet,
    screen_label,
    screen_timeline,
)
from .summary import build_summary
from .traffic import traffic_sources
from .verdict import PageOne, Verdict, funnel_comparison, funnel_steps

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
    "UNIT_TEXT",
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
    "kpi_intervals",
    "leaving_by_screen",
    "lift_text",
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
    "screen_label",
    "screen_timeline",
    "session_minutes",
    "show",
    "step",
    "top_comments",
    "top_over",
    "traffic_sources",
    "trailing_sessions",
    "trend_stay",
    "with_lift_text",
]
