"""How results are said and shown: the catalogue of words (:mod:`.i18n`, put to use by
:mod:`.labels`), the section contract every report follows (:mod:`.sections`), notebook display.
Stage: foundation. May import :mod:`helpers.data`, :mod:`helpers.metrics`, :mod:`helpers.paths`."""
