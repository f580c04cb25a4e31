"""The errors an analysis raises: each says what was wrong with the input or the fit."""

from __future__ import annotations


class AnalyticsError(ValueError):
    """Base of every error Tandem's analytics raise on purpose."""


class InputError(AnalyticsError):
    """The input table or the parameters break the documented input format."""


class EmptyInputError(InputError):
    """The input table has no rows to analyse."""


class LimitExceededError(AnalyticsError):
    """A summary grew past the limit set for the run (a grouping key with too many values)."""


class FitDidNotConvergeError(AnalyticsError):
    """A likelihood fit did not converge; no parameters are returned."""
