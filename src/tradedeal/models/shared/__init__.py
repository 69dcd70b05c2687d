"""What the models' rooms share: seasonal adjustment (:mod:`~tradedeal.models.shared.seasonal`),
the calibrated bootstrap test (:mod:`~tradedeal.models.shared.calibrated`) and the real-time
events (:mod:`~tradedeal.models.shared.events`). Nothing here imports a room."""
