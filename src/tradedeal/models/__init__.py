"""Models: momentum measures, forecast models, rolling-origin backtests and year-end projections.

The model names live here, so that light modules (the command line, parameter checks) can name
them without importing statsmodels.
"""

#: Forecast models, in the order tables show them.
MODELS = ("snaive", "ets", "sarimax", "uc", "ratio")
#: The model chosen per series and origin by its recent backtest record.
AUTO = "auto"
#: What a caller may ask for.
MODEL_CHOICES = (AUTO, *MODELS)
#: Controls of the momentum verdict: none (the absolute answer), the HS6 lines outside Annex 6.1,
#: all other goods (total goods exports minus the series).
MOMENTUM_CONTROLS = ("none", "uncovered", "total_other")
