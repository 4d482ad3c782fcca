"""Real data the simulator did not make: the UCI Online Shoppers Purchasing Intention sessions.

:func:`uci_design` maps the CSV (``data/external/online_shoppers_intention.csv``, CC BY 4.0, see
``data/external/README.md``) to the generic design the model and segment functions take: a web
session plays the part of a viewer. ``bought`` = Revenue; the numeric covariates are log page
durations and counts, bounce and exit rates, log page value, special-day proximity and weekend;
the categoricals are visitor type, month, traffic type and region. The functions of
:mod:`helpers.models` and :mod:`helpers.audience` run on it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.paths import project_root

UCI_PATH = "data/external/online_shoppers_intention.csv"


@dataclass(frozen=True)
class GenericDesign:
    """A design for :func:`helpers.models.fit_logit`: frame, outcome, covariates, references."""

    frame: pd.DataFrame
    outcome: str
    numeric: list[str]
    categorical: list[str]
    references: dict[str, str]
    behaviour: list[str]  # numeric columns describing behaviour (for clustering)


def load_uci(path: str | None = None) -> pd.DataFrame:
    """The raw UCI CSV (12,330 rows)."""
    return pd.read_csv(path or project_root() / UCI_PATH)


def uci_design(raw: pd.DataFrame | None = None) -> GenericDesign:
    """The UCI sessions as a generic design (see the module docstring).

    Durations are in seconds (log1p of minutes, like watch time in the live-room model); counts
    are log1p; PageValues log1p. Month is categorical (reference May, the busiest month);
    VisitorType reference Returning_Visitor; TrafficType and Region reference their largest level.
    """
    d = raw if raw is not None else load_uci()
    f = pd.DataFrame(
        {
            "bought": d["Revenue"].astype(bool).astype(int),
            "log_product_min": np.log1p(d["ProductRelated_Duration"].clip(lower=0) / 60),
            "log_product_pages": np.log1p(d["ProductRelated"].clip(lower=0)),
            "log_admin_pages": np.log1p(d["Administrative"].clip(lower=0)),
            "log_info_pages": np.log1p(d["Informational"].clip(lower=0)),
            "bounce_rate": d["BounceRates"].astype(float),
            "exit_rate": d["ExitRates"].astype(float),
            "log_page_value": np.log1p(d["PageValues"].clip(lower=0)),
            "special_day": d["SpecialDay"].astype(float),
            "weekend": d["Weekend"].astype(bool).astype(float),
            "visitor_type": d["VisitorType"].astype(str),
            "month": d["Month"].astype(str),
            "traffic_type": d["TrafficType"].astype(str),
            "region": d["Region"].astype(str),
        }
    )
    f["gmv"] = f["bought"].astype(float)  # no order values: each purchase counts 1
    numeric = [
        "log_product_min",
        "log_product_pages",
        "log_admin_pages",
        "log_info_pages",
        "bounce_rate",
        "exit_rate",
        "log_page_value",
        "special_day",
        "weekend",
    ]
    categorical = ["visitor_type", "month", "traffic_type", "region"]
    refs = {
        "visitor_type": "Returning_Visitor",
        "month": "May",
        "traffic_type": f["traffic_type"].value_counts().idxmax(),
        "region": f["region"].value_counts().idxmax(),
    }
    behaviour = [
        "log_product_min",
        "log_product_pages",
        "log_admin_pages",
        "log_info_pages",
        "exit_rate",
        "log_page_value",
    ]
    return GenericDesign(f, "bought", numeric, categorical, refs, behaviour)
