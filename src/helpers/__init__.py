"""helpers: the computing half of the live-commerce post-show workbook.

Notebooks narrate; these modules compute. Start with :mod:`helpers.data.store` (load canonical
tables), :mod:`helpers.metrics.definitions` (one definition of every metric) and
:mod:`helpers.pipeline.render` (render a run).
"""

__version__ = "0.1.0"
