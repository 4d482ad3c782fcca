"""What drives purchase: viewer-level logistic model, count models, price elasticity, and the
session-level model when there are no viewer rows.

- :mod:`.design`: :func:`viewer_design` turns the canonical ``viewers`` and ``orders`` tables into
  one row per (session, viewer) with the outcome ``bought`` and the purchase-model covariates
  (:data:`NUMERIC`, :data:`CATEGORICAL`, reference levels :data:`REFERENCES`).
- :mod:`.logit`: :func:`fit_logit` is generic (outcome + numeric + categorical lists), so it also
  runs on the UCI web-shop sessions (`tests/realdata.py`): odds ratios with 95%
  intervals, average marginal effects, separation and VIF checks, held-out AUC and calibration.
  Coefficient names follow patsy treatment coding (``channel[T.关注]``, the simulator's truth);
  :func:`describe_term` gives the readable label a report shows.
- :mod:`.counts`: :func:`minute_design` / :func:`fit_counts` (orders per minute on run-sheet
  events, online viewers as exposure; Poisson or negative binomial) and the buyers' order timing.
- :mod:`.elasticity`: :func:`price_elasticity` per category across sessions, refusing when prices
  did not vary, the sign is wrong or the interval includes zero.
- :mod:`.sessions`: buyers / viewers per session (binomial GLM, robust errors) from the platform's
  totals when there are no viewer rows.
- :mod:`.report`: the sections of the conversion report (``40-conversion-models``).

statsmodels does the inference, scikit-learn the predictive metrics; nothing here re-implements
either.

Stage: analysis. May import the foundation (paths, data, metrics, present).
"""

from helpers.models.counts import (
    EVENT_KINDS,
    LOTTERY_WINDOW_MIN,
    CountResult,
    fit_counts,
    fit_order_timing,
    minute_design,
    order_timing_design,
)
from helpers.models.design import (
    BUYING_STATUSES,
    CATEGORICAL,
    CHANNELS,
    DEVICES,
    NUMERIC,
    OTHER,
    PRIME_HOURS,
    REFERENCES,
    REGIONS,
    buyers_of,
    model_covariates,
    viewer_design,
    viewer_frame,
)
from helpers.models.elasticity import (
    MAX_ELASTICITY_WIDTH,
    MIN_OBS,
    MIN_PRICE_SPREAD,
    elasticity_verdict,
    judge_elasticity,
    price_elasticity,
    price_observations,
)
from helpers.models.logit import (
    VIF_LIMIT,
    LogitResult,
    describe_term,
    fit_logit,
    fit_viewer_logit,
    prepare_design,
    reading,
)
from helpers.models.sessions import (
    MIN_MODEL_SESSIONS,
    SessionModel,
    fit_session_conversion,
    session_frame,
)

__all__ = [
    "BUYING_STATUSES",
    "CATEGORICAL",
    "CHANNELS",
    "DEVICES",
    "EVENT_KINDS",
    "LOTTERY_WINDOW_MIN",
    "MAX_ELASTICITY_WIDTH",
    "MIN_MODEL_SESSIONS",
    "MIN_OBS",
    "MIN_PRICE_SPREAD",
    "NUMERIC",
    "OTHER",
    "PRIME_HOURS",
    "REFERENCES",
    "REGIONS",
    "VIF_LIMIT",
    "CountResult",
    "LogitResult",
    "SessionModel",
    "buyers_of",
    "describe_term",
    "elasticity_verdict",
    "fit_counts",
    "fit_logit",
    "fit_order_timing",
    "fit_session_conversion",
    "fit_viewer_logit",
    "judge_elasticity",
    "minute_design",
    "model_covariates",
    "order_timing_design",
    "prepare_design",
    "price_elasticity",
    "price_observations",
    "reading",
    "session_frame",
    "viewer_design",
    "viewer_frame",
]
