"""One definition of every metric (:mod:`.definitions`, over the registry :mod:`.registry` and the
per-table aggregations :mod:`.aggregate`), its uncertainty (:mod:`.stats`), industry benchmarks
and targets, the LMDI/Shapley gap split (:mod:`.decompose`) and time slots.
Stage: foundation. May import :mod:`helpers.data` and :mod:`helpers.paths`."""
