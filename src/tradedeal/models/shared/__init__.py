"""What the models' rooms share: seasonal adjustment (:mod:`~tradedeal.models.shared.seasonal`),
the calibrated bootstrap test (:mod:`~tradedeal.models.shared.calibrated`), the real-time
events (:mod:`~tradedeal.models.shared.events`) and the refusal of numbers that are not finite
(:mod:`~tradedeal.models.shared.finite`). Nothing here imports a room."""
