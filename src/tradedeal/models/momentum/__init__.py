"""The momentum question: did the pace of purchases change after the agreement?

Growth measures (:mod:`~tradedeal.models.momentum.measures`), the primary specification
(:mod:`~tradedeal.models.momentum.primary`), its verdict with placebos
(:mod:`~tradedeal.models.momentum.verdict`), every other specification
(:mod:`~tradedeal.models.momentum.specifications`) and the control group's largest lines
(:mod:`~tradedeal.models.momentum.control`).

The controls' names live here, so that light modules (the command line, parameter checks) can
name them without importing statsmodels.
"""

#: Controls of the momentum verdict: none (the absolute answer), the HS6 lines outside Annex 6.1,
#: all other goods (total goods exports minus the series).
MOMENTUM_CONTROLS = ("none", "uncovered", "total_other")
