"""How results are said and shown: the catalogue of words (:mod:`.labels`), the section contract
every report follows (:mod:`.sections`) and safe notebook display (:mod:`.nb`).
Stage: foundation. May import :mod:`helpers.data`, :mod:`helpers.metrics`, :mod:`helpers.paths`."""
