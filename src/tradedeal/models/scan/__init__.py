"""The scanner: which covered products' pace changed at the break?

Every HS4/HS6 line (or sub-category) fitted by PPML (:mod:`~tradedeal.models.scan.ppml`) with the
momentum question's primary design (:mod:`~tradedeal.models.scan.line_model`), its p-values
calibrated on placebo breaks, discoveries at a false discovery rate
(:mod:`~tradedeal.models.scan.scanner`).
"""
