"""Maximum likelihood on log-parameters, with the checks that make a fit trustworthy.

Both spend and purchase models are fitted here: L-BFGS-B on log-parameters with analytic
gradients, then three checks before any number is returned — the point is finite and inside
the bounds (no parameter ran off to 0 or infinity), the gradient is flat, and the likelihood
curves down in every direction (the data pin each parameter down).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from tandem.analytics.errors import FitDidNotConvergeError

LOG_BOUND = 30.0  # log-parameters stay within ±30; a fit that reaches the edge has diverged
GRADIENT_TOLERANCE = 1e-5  # on the mean log-likelihood per customer, in log-parameters
CURVATURE_TOLERANCE = 1e-6  # smallest over largest curvature of that surface at the optimum
HESSIAN_STEP = 1e-5

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class Optimum:
    """Where the fit ended: log-parameters, the objective there, and the iterations taken."""

    log_params: np.ndarray
    objective: float
    iterations: int


def minimize_checked(
    objective: Objective, start: np.ndarray, *, model: str, max_iterations: int
) -> Optimum:
    """Return the log-parameters minimizing ``objective``; raise if the fit is not sound.

    ``objective`` returns the negative mean log-likelihood and its gradient in
    log-parameters. L-BFGS-B may report a failed line search at the optimum itself, where
    the likelihood cannot improve in floating point; the gradient, not that flag, decides.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        outcome = minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
            options={"maxiter": max_iterations, "gtol": 1e-9, "ftol": 1e-14},
        )
    point = np.asarray(outcome.x, dtype=float)
    if not (np.all(np.isfinite(point)) and np.isfinite(outcome.fun)):
        raise FitDidNotConvergeError(f"the {model} fit diverged: {outcome.message}")
    if np.any(np.abs(point) >= LOG_BOUND - 1e-6):
        raise FitDidNotConvergeError(
            f"the {model} fit ran to the edge of the parameter space (a parameter went to 0 "
            "or infinity): the data do not fit the model"
        )
    gradient = float(np.max(np.abs(outcome.jac)))
    if not gradient <= GRADIENT_TOLERANCE:
        raise FitDidNotConvergeError(
            f"the {model} fit did not converge after {outcome.nit} iterations "
            f"(largest gradient {gradient:.2g}): {outcome.message}"
        )
    curvature = _curvatures(objective, point, np.asarray(outcome.jac, dtype=float))
    if not (curvature[-1] > 0 and curvature[0] > CURVATURE_TOLERANCE * curvature[-1]):
        raise FitDidNotConvergeError(
            f"the {model} likelihood is flat in some direction at the fit: the data do not "
            "pin the parameters down (for example nobody buys again, or nobody drops out)"
        )
    return Optimum(log_params=point, objective=float(outcome.fun), iterations=int(outcome.nit))


def hessian(objective: Objective, point: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    """The objective's Hessian at ``point`` (forward differences of gradients, symmetrized)."""
    rows = [
        (objective(point + HESSIAN_STEP * unit)[1] - gradient) / HESSIAN_STEP
        for unit in np.eye(len(point))
    ]
    matrix = np.array(rows)
    return (matrix + matrix.T) / 2


def _curvatures(objective: Objective, point: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    """Eigenvalues, ascending, of the objective's Hessian."""
    with np.errstate(invalid="ignore"):
        return np.linalg.eigvalsh(hessian(objective, point, gradient))


def newton_polish(
    objective: Objective, start: np.ndarray, curvature: np.ndarray, *, max_steps: int = 12
) -> Optimum | None:
    """Newton steps with a fixed Hessian ``curvature`` from a point near the optimum.

    Used after a fit on a thinned copy of the data: that fit's Hessian (per customer, like the
    objective) is close to the full data's, so each step costs one pass over the data and
    the gradient flattens within a few. Returns None when it does not flatten; the caller then
    runs the full search.
    """
    point = np.asarray(start, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for step in range(1, max_steps + 1):
            value, gradient = objective(point)
            if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
                return None
            if float(np.max(np.abs(gradient))) <= GRADIENT_TOLERANCE / 10:
                if np.any(np.abs(point) >= LOG_BOUND - 1e-6):
                    return None
                return Optimum(log_params=point, objective=float(value), iterations=step)
            point = point - np.linalg.solve(curvature, gradient)
    return None
