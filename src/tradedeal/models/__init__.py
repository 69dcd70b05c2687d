"""Models: one room per question, and what they share.

- :mod:`tradedeal.models.momentum`: did the pace of purchases change after the agreement
  (growth measures, the pre-registered verdict, every other specification, the control);
- :mod:`tradedeal.models.forecast`: where a year will end (forecast models, rolling-origin
  backtests, calibration, combination, scores, year-end projections and their odds);
- :mod:`tradedeal.models.scan`: which products' pace changed (the line-by-line PPML scan);
- :mod:`tradedeal.models.shared`: what the rooms share (seasonal adjustment, the calibrated
  bootstrap test, the real-time events).

A room imports :mod:`~tradedeal.models.shared`, never another room, except that the scan applies
the momentum question's primary specification line by line (``scan`` → ``momentum``).
``docs/architecture.md`` draws the layers and the rooms.
"""
