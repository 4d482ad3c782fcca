"""Who watched and who bought: RFM, new vs returning, followers, engagement clusters and demographic
cuts, each share or rate with its interval; the 30-audience-segments report's sections.
Stage: analysis. May import data, metrics, present and models (never the pipeline)."""

from __future__ import annotations

from helpers.audience import charts
from helpers.audience.clusters import (
    CLUSTER_FEATURES,
    ENGAGEMENT_FEATURES,
    Clustering,
    cluster_profiles,
    cluster_viewers,
    describe_cluster,
    engagement_features,
    trait,
)
from helpers.audience.display import group_words, segment_table
from helpers.audience.groups import (
    DEMOGRAPHICS,
    channel_shares,
    demographic_cuts,
    first_order_aov,
    group_table,
    retention,
)
from helpers.audience.report import (
    MIN_CLUSTER_VIEWERS,
    SEGMENT_SECTIONS,
    SegmentsReport,
    build_summary,
    buyers_new_returning_section,
    channels_section,
    clusters_section,
    commenters_section,
    demographics_section,
    first_order_section,
    followers_section,
    open_segments,
    profile_cuts,
    retention_section,
    returning_buyers,
    returning_commenters,
    rfm_section,
    run_all,
    viewers_new_returning_section,
)
from helpers.audience.rfm import (
    RFM_SEGMENTS,
    RFM_ZH,
    rfm,
    rfm_migration,
    rfm_segments,
    segment_name,
)
from helpers.data.scope import Scope, load_scope

__all__ = [
    "CLUSTER_FEATURES",
    "DEMOGRAPHICS",
    "ENGAGEMENT_FEATURES",
    "MIN_CLUSTER_VIEWERS",
    "RFM_SEGMENTS",
    "RFM_ZH",
    "SEGMENT_SECTIONS",
    "Clustering",
    "Scope",
    "SegmentsReport",
    "build_summary",
    "buyers_new_returning_section",
    "channel_shares",
    "channels_section",
    "charts",
    "cluster_profiles",
    "cluster_viewers",
    "clusters_section",
    "commenters_section",
    "demographic_cuts",
    "demographics_section",
    "describe_cluster",
    "engagement_features",
    "first_order_aov",
    "first_order_section",
    "followers_section",
    "group_table",
    "group_words",
    "load_scope",
    "open_segments",
    "profile_cuts",
    "retention",
    "retention_section",
    "returning_buyers",
    "returning_commenters",
    "rfm",
    "rfm_migration",
    "rfm_section",
    "rfm_segments",
    "run_all",
    "segment_name",
    "segment_table",
    "trait",
    "viewers_new_returning_section",
]
