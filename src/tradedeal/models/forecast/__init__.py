"""The forecast question: where will the year end against its target?

Forecast models (:mod:`~tradedeal.models.forecast.monthly`), the rolling-origin backtest
(:mod:`~tradedeal.models.forecast.rolling`), conformal calibration
(:mod:`~tradedeal.models.forecast.calibration`), ``auto`` and bottom-up totals
(:mod:`~tradedeal.models.forecast.combination`), the backtest record and its scores
(:mod:`~tradedeal.models.forecast.scores`), year-end projections
(:mod:`~tradedeal.models.forecast.projection`) and the report's sentences and odds
(:mod:`~tradedeal.models.forecast.odds`).

The model names live here, so that light modules (the command line, parameter checks) can name
them without importing statsmodels.
"""

#: Forecast models, in the order tables show them.
MODELS = ("snaive", "ets", "sarimax", "uc", "ratio")
#: The model chosen per series and origin by its recent backtest record.
AUTO = "auto"
#: What a caller may ask for.
MODEL_CHOICES = (AUTO, *MODELS)
