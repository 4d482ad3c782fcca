"""helpers: the computing half of the live-commerce post-show workbook.

Notebooks narrate; these modules compute. Start with :mod:`helpers.store` (load canonical tables),
:mod:`helpers.metrics` (one definition of every metric) and :mod:`helpers.report` (render a run).
"""

__version__ = "0.1.0"
