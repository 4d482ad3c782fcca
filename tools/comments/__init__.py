"""Evaluation of the comment classifiers and the corpora they are trained and scored on (dev
tooling: not shipped in the runtime package; `python -m tools.comments.evaluate`)."""
