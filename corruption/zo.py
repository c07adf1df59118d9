"""Zeroth-order optimisers for the corruption strength: pure functions, no I/O.

Every optimiser minimises an objective it can only *evaluate* (forward passes only, no gradients).
The objective is a batch callable::

    f(points: list[Point], seed: int) -> list[Evaluation]

- `points` are in the *natural* space of the parameter (sigma > 0, a float, or a tuple of floats for
  a vector corruption); the optimiser may work internally in log space and maps back before calling.
- `seed` is the common-random-numbers key: the optimiser passes the SAME seed for both evaluations of
  a finite difference (noise seed and sampling seed are derived from it by the objective), so that a
  difference measures the change of the parameter and not a change of the random draws. With
  ``crn="fixed"`` (default) the seed is `crn_seed` for the whole run; with ``crn="per_step"`` a new
  seed is drawn (from the optimiser's own seeded RNG) at every step, still shared inside the step.
- A batch holds the points of one step (e.g. both sides of a difference): the objective may evaluate
  them concurrently.
- An `Evaluation` carries the loss and whether the target is met (`feasible`), plus free-form
  metrics for logs and plots.

Budgets count objective evaluations (points, not batches); a (point, seed) pair already evaluated in
the same run is answered from memory and does not count again. Optimisers are deterministic given their
arguments (their RNG is seeded), which is what makes resume-by-replay exact (see `fit.py`).

Optimisers
----------
- `scalar_fd`: ECO's scalar central difference with projection,
  ``g = [L(s+eps) - L(max(s-eps, floor))] / (2 eps)``;  ``s <- max(s - lr*g, s_min)``,
  optionally in log space, with two additions for piecewise-constant objectives (a leak rate measured
  on a finite set is a step function of sigma): the difference window widens while the difference is
  zero and the target is not met (a plateau), and eps/lr shrink when the step changes sign (it
  oscillates across the boundary). ``adaptive=False`` is the paper's plain update.
- `log_bisect`: exponential search upward, then bisection in log space, for the smallest sigma that
  meets the target (the target predicate is assumed monotone in sigma); `parallel` points per round.
- `two_point_vector`: a random unit direction u, ``g = [L(b+eps*u) - L(b-eps*u)] / (2 eps) * u``.
- `spsa`: simultaneous perturbation (Rademacher directions, Spall's gain sequences).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Point = float | tuple[float, ...]


@dataclass
class Evaluation:
    """One objective evaluation at `point` with CRN key `seed`."""

    point: Point
    loss: float
    feasible: bool = False
    seed: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    target_met: bool | None = None  # the monotone part of feasibility (None: same as feasible)

    @property
    def met(self) -> bool:
        return self.feasible if self.target_met is None else bool(self.target_met)


Objective = Callable[[list[Point], int], list[Evaluation]]


@dataclass
class Step:
    """One optimiser step: where it was, what it evaluated, where it went."""

    index: int
    x: Point  # natural-space parameter before the step
    evaluated: list[Evaluation]
    x_next: Point
    grad: float | tuple[float, ...] | None = None
    eps: float | None = None
    lr: float | None = None
    note: str = ""


@dataclass
class ZOResult:
    best: Evaluation | None  # lowest-loss feasible evaluation, else lowest-loss evaluation
    x_final: Point  # the iterate when the optimiser stopped
    evaluations: int  # objective evaluations used
    steps: list[Step]
    stopped: str  # "target", "converged", "budget", "max_steps"
    history: list[Evaluation]

    @property
    def feasible(self) -> bool:
        return bool(self.best is not None and self.best.feasible)


class _Counter:
    """Counts evaluations against the budget and keeps the history."""

    def __init__(self, f: Objective, budget: int):
        if budget < 1:
            raise ValueError("budget must be >= 1 evaluation")
        self.f = f
        self.budget = budget
        self.used = 0
        self.history: list[Evaluation] = []
        self.memo: dict[tuple[Point, int], Evaluation] = {}

    def left(self) -> int:
        return self.budget - self.used

    def __call__(self, points: list[Point], seed: int) -> list[Evaluation]:
        """Evaluate; a (point, seed) already evaluated in this run is answered from memory (no budget)."""
        keys = [(p, seed) for p in points]
        todo = [p for p, k in zip(points, keys) if k not in self.memo]
        todo = list(dict.fromkeys(todo))
        if len(todo) > self.left():
            raise _BudgetExhausted
        if todo:
            out = self.f(todo, seed)
            if len(out) != len(todo):
                raise ValueError(f"objective returned {len(out)} evaluations for {len(todo)} points")
            self.used += len(todo)
            self.history.extend(out)
            for p, e in zip(todo, out):
                self.memo[(p, seed)] = e
        return [self.memo[k] for k in keys]


class _BudgetExhausted(Exception):
    pass


def best_of(history: Sequence[Evaluation]) -> Evaluation | None:
    """Lowest-loss feasible evaluation; the lowest-loss one when none is feasible (ties: first seen)."""
    feas = [e for e in history if e.feasible]
    pool = feas or list(history)
    if not pool:
        return None
    return min(pool, key=lambda e: e.loss)


class _Seeds:
    def __init__(self, crn: str, crn_seed: int, rng: np.random.Generator):
        if crn not in ("fixed", "per_step"):
            raise ValueError("crn must be 'fixed' or 'per_step'")
        self.crn, self.crn_seed, self.rng = crn, int(crn_seed), rng

    def next(self) -> int:
        if self.crn == "fixed":
            return self.crn_seed
        return int(self.rng.integers(0, 2**62))


# ------------------------------------------------------------------ scalar: ECO central difference


def scalar_fd(
    f: Objective,
    s0: float,
    *,
    eps: float,
    lr: float,
    budget: int,
    max_steps: int | None = None,
    s_min: float = 1e-8,
    s_max: float = math.inf,
    floor: float = 1e-8,
    space: Literal["linear", "log"] = "linear",
    adaptive: bool = False,
    eps_growth: float = 2.0,
    anneal: float = 0.5,
    min_eps: float = 0.0,
    max_eps: float = math.inf,
    max_step: float = math.inf,
    stop: Literal["first_feasible", "converged", "none"] = "converged",
    crn: Literal["fixed", "per_step"] = "fixed",
    crn_seed: int = 0,
    seed: int = 0,
) -> ZOResult:
    """ECO's scalar zeroth-order update with projection.

    Linear space (the paper): x = s; g = [L(s+eps) - L(max(s-eps, floor))] / (2 eps);
    s <- clip(s - lr*g, s_min, s_max). Log space: x = ln s, the same update on x with eps, lr, and the
    projection bounds taken as ln(floor), ln(s_min), ln(s_max); the difference is then divided by the
    true width of the (possibly projected) window so that it stays a slope.

    adaptive=True (a trust region, for step-function objectives: a leak rate on a finite set is
    piecewise constant in sigma, so the raw difference is zero on plateaus and huge at a jump). The
    step length is capped at eps (or max_step), and the target flags of the two points steer eps:
    ("Meets the target" is `Evaluation.met`: the monotone part of feasibility.)
      - both points miss the target (plateau below it): move to the upper point, eps *= eps_growth
        (up to max_eps): the window widens until it sees the boundary;
      - the upper point meets it and the lower misses (the boundary is inside the window): stay,
        eps *= anneal (never below min_eps);
      - otherwise (both meet it, or only the lower one): the ECO step -lr*g, capped at eps; when its
        sign flips, eps and lr are multiplied by `anneal`.
    With lr large (ECO used lr=100) the capped step is the trust radius, as in a sign-based search.

    Stopping: stop="first_feasible" returns as soon as an evaluated point meets the target (ECO's
    driver stops when the metric at s+eps reaches the target); stop="converged" (adaptive only) stops
    when eps has annealed down to min_eps (> 0) with a feasible point found; "none" runs the
    whole budget / max_steps. The answer is the best *evaluated* point (see `best_of`), since every
    evaluation is a measurement, while the iterate itself is never evaluated.
    """
    if eps <= 0 or lr <= 0:
        raise ValueError("eps and lr must be > 0")
    log = space == "log"
    if log and s0 <= 0:
        raise ValueError("log space needs s0 > 0")
    if log:
        to_x, to_s = math.log, math.exp
        x_min, x_floor = math.log(max(s_min, 1e-300)), math.log(max(floor, 1e-300))
        x_max = math.log(s_max) if s_max < math.inf else math.inf
    else:
        to_x = to_s = float
        x_min, x_floor, x_max = s_min, floor, s_max
    rng = np.random.default_rng(seed)
    seeds = _Seeds(crn, crn_seed, rng)
    count = _Counter(f, budget)
    x = min(max(to_x(s0), x_min), x_max)
    steps: list[Step] = []
    stopped = "max_steps"
    prev_sign = 0
    i = 0
    try:
        while max_steps is None or i < max_steps:
            if count.left() < 2:
                stopped = "budget"
                break
            hi = min(x + eps, x_max)
            lo = max(x - eps, x_floor)
            key = seeds.next()
            used0, x0, eps0 = count.used, x, eps
            e_hi, e_lo = count([to_s(hi), to_s(lo)], key)
            width = (hi - lo) if (log or adaptive) else 2 * eps  # the paper divides by 2 eps
            if width <= 0:
                width = 2 * eps
            g = (e_hi.loss - e_lo.loss) / width
            note = ""
            cap = eps if max_step == math.inf else max_step
            if adaptive and not e_hi.met and not e_lo.met:
                delta = -(hi - x)  # plateau below the target: step to the upper point, widen the window
                note = "plateau-up"
            elif adaptive and e_hi.met and not e_lo.met:
                delta = 0.0  # the target's boundary lies inside the window: stay, shrink the window
                note = "straddle"
            else:
                delta = lr * g
                if adaptive:
                    delta = max(-cap, min(cap, delta))
            x_next = min(max(x - delta, x_min), x_max)
            sign = (x_next > x) - (x_next < x)
            steps.append(Step(i, to_s(x), [e_hi, e_lo], to_s(x_next), grad=g, eps=eps, lr=lr, note=note))
            if note == "plateau-up":
                eps = min(eps * eps_growth, max_eps)
            elif note == "straddle":
                eps = max(eps * anneal, min_eps)
            elif adaptive and sign and prev_sign and sign != prev_sign:
                eps = max(eps * anneal, min_eps)
                lr = lr * anneal
            if sign:
                prev_sign = sign
            x = x_next
            i += 1
            if stop == "first_feasible" and (e_hi.feasible or e_lo.feasible):
                stopped = "target"
                break
            if count.used == used0 and x == x0 and eps == eps0:
                stopped = "converged"  # a fixed point: the same step again would evaluate nothing new
                break
            b = best_of(count.history)
            if stop == "converged" and adaptive and eps <= min_eps and b is not None and b.feasible:
                stopped = "converged"
                break
    except _BudgetExhausted:
        stopped = "budget"
    return ZOResult(best_of(count.history), to_s(x), count.used, steps, stopped, count.history)


# ------------------------------------------------------------------ scalar: log-space search


def log_bisect(
    f: Objective,
    s0: float,
    *,
    budget: int,
    factor: float = 4.0,
    s_max: float = 1e6,
    rtol: float = 0.1,
    parallel: int = 1,
    crn_seed: int = 0,
) -> ZOResult:
    """Smallest sigma meeting the target, assuming feasibility is monotone in sigma.

    "Meets the target" is `Evaluation.met` (target_met when the objective sets it, else feasible);
    the answer is `best_of` the evaluations (lowest-loss feasible).

    1. Bracket: evaluate s0, s0*factor, s0*factor^2, ... (`parallel` points per round) until one
       meets the target (or s_max: then the best infeasible point is returned, stopped="budget" or
       "max_steps"). If s0 already meets it, search downward (s0/factor, ...) for an infeasible one.
    2. Bisect in log space between the largest infeasible and smallest feasible point, `parallel`
       interior points per round (a k-section), until hi/lo <= 1 + rtol.
    All evaluations use the same CRN seed (the predicate must be a fixed function of sigma).
    """
    if s0 <= 0 or factor <= 1 or parallel < 1:
        raise ValueError("need s0 > 0, factor > 1, parallel >= 1")
    count = _Counter(f, budget)
    steps: list[Step] = []
    seen: dict[float, bool] = {}  # sigma -> meets the target
    stopped = "converged"

    def bracket() -> tuple[float | None, float | None]:
        met = [p for p, m in seen.items() if m]
        hi = min(met) if met else None
        miss = [p for p, m in seen.items() if not m and (hi is None or p < hi)]
        return (max(miss) if miss else None), hi

    pts = [min(s0 * factor ** j, s_max) for j in range(parallel)]
    note = "start"
    try:
        while True:
            pts = sorted(set(pts))
            n = min(len(pts), count.left())
            if n <= 0:
                raise _BudgetExhausted
            evs = count(pts[:n], crn_seed)
            for p, ev in zip(pts, evs):
                seen[p] = ev.met
            lo, hi = bracket()
            steps.append(Step(len(steps), pts[0], evs, hi if hi is not None else pts[n - 1], note=note))
            if hi is None:  # nothing meets the target yet: go up
                top = max(seen)
                if top >= s_max:
                    stopped = "max_steps"
                    break
                pts, note = [min(top * factor ** (j + 1), s_max) for j in range(parallel)], "bracket-up"
            elif lo is None:  # everything evaluated meets it: go down
                bottom = min(seen)
                if bottom / factor < 1e-12:
                    stopped = "target"
                    break
                pts, note = [bottom / factor ** (j + 1) for j in range(parallel)], "bracket-down"
            elif hi / lo <= 1 + rtol:
                break
            else:
                a, b = math.log(lo), math.log(hi)
                pts, note = [math.exp(a + (b - a) * (j + 1) / (parallel + 1)) for j in range(parallel)], "bisect"
    except _BudgetExhausted:
        stopped = "budget"
    lo, hi = bracket()
    x_final = hi if hi is not None else (lo if lo is not None else s0)
    return ZOResult(best_of(count.history), x_final, count.used, steps, stopped, count.history)


class _Done(Exception):
    pass


def hybrid(
    f: Objective,
    s0: float,
    *,
    budget: int,
    factor: float = 4.0,
    s_max: float = 1e6,
    search_rtol: float = 0.5,
    parallel: int = 2,
    lr: float = 100.0,
    min_eps: float = 0.05,
    crn_seed: int = 0,
    fd_crn: Literal["fixed", "per_step"] = "fixed",
    seed: int = 0,
) -> ZOResult:
    """Log-space search, then ECO's finite-difference update to refine (the default for sigma).

    1. `log_bisect` brackets the smallest sigma meeting the target, coarsely (hi/lo <= 1+search_rtol),
       with at most half the budget.
    2. `scalar_fd` (log space, adaptive trust region) starts at the best evaluation of phase 1 (lowest
       full loss among points meeting the target: a side condition such as readability may put the
       optimum away from the target's boundary) with eps = half the log-distance to its nearest
       evaluated neighbour, on the *full* loss (strength penalty and readability too, which the
       bracket search ignores), and runs with the rest of the budget until eps <= min_eps.
    The result is the best evaluation over both phases; steps carry notes "bracket-*", "bisect" for
    phase 1 (their `x` is the point evaluated).
    """
    n1 = max(1, budget // 2)
    r1 = log_bisect(f, s0, budget=n1, factor=factor, s_max=s_max, rtol=search_rtol, parallel=parallel,
                    crn_seed=crn_seed)
    left = budget - r1.evaluations
    feas = sorted(e.point for e in r1.history if e.met)
    infeas = [e.point for e in r1.history if not e.met and (not feas or e.point < feas[0])]
    if not feas or left < 2:
        stopped = r1.stopped if left >= 2 else "budget"
        return ZOResult(best_of(r1.history), r1.x_final, r1.evaluations, r1.steps,
                        stopped, r1.history)
    # phase 2 starts at the best evaluation so far (the full loss: a side condition may have moved the
    # optimum away from the target's boundary), with a window reaching half-way to its nearest
    # evaluated neighbour
    start = r1.best.point if r1.best is not None and r1.best.met else feas[0]
    others = [e.point for e in r1.history if e.point != start]
    gap = min((abs(math.log(p / start)) for p in others), default=math.log(factor))
    eps = min(max(gap / 2, min_eps), math.log(factor))
    r2 = scalar_fd(f, start, eps=eps, lr=lr, budget=left, space="log", adaptive=True, min_eps=min_eps,
                   max_eps=math.log(factor), s_max=s_max, stop="converged", crn=fd_crn, crn_seed=crn_seed,
                   seed=seed)
    n = len(r1.steps)
    steps = r1.steps + [Step(st.index + n, st.x, st.evaluated, st.x_next, st.grad, st.eps, st.lr, st.note or "fd")
                        for st in r2.steps]
    history = r1.history + r2.history
    return ZOResult(best_of(history), r2.x_final, r1.evaluations + r2.evaluations, steps, r2.stopped, history)


# ------------------------------------------------------------------ vector: random direction, SPSA


def _as_vec(b: Sequence[float] | np.ndarray) -> np.ndarray:
    v = np.asarray(b, dtype=np.float64).reshape(-1)
    if v.size == 0:
        raise ValueError("empty parameter vector")
    return v


def _pt(v: np.ndarray) -> tuple[float, ...]:
    return tuple(float(x) for x in v)


def two_point_vector(
    f: Objective,
    b0: Sequence[float],
    *,
    eps: float,
    lr: float,
    budget: int,
    max_steps: int | None = None,
    b_min: float = 1e-8,
    b_max: float = math.inf,
    scale_by_dim: bool = False,
    decay: float = 1.0,
    stop: Literal["first_feasible", "none"] = "none",
    crn: Literal["fixed", "per_step"] = "fixed",
    crn_seed: int = 0,
    seed: int = 0,
) -> ZOResult:
    """Random-direction two-point estimator with projection (ECO's vector variant).

    u ~ uniform on the unit sphere; g = [L(b+eps u) - L(b-eps u)] / (2 eps) * u (times d when
    scale_by_dim, the unbiased scaling); b <- clip(b - lr*g, b_min, b_max); lr *= decay per step.
    """
    b = np.clip(_as_vec(b0), b_min, b_max)
    d = b.size
    rng = np.random.default_rng(seed)
    seeds = _Seeds(crn, crn_seed, rng)
    count = _Counter(f, budget)
    steps: list[Step] = []
    stopped = "max_steps"
    i = stale = 0
    try:
        while max_steps is None or i < max_steps:
            u = rng.standard_normal(d)
            u /= np.linalg.norm(u) or 1.0
            key = seeds.next()
            plus = np.clip(b + eps * u, b_min, b_max)
            minus = np.clip(b - eps * u, b_min, b_max)
            used0 = count.used
            e_p, e_m = count([_pt(plus), _pt(minus)], key)
            g = (e_p.loss - e_m.loss) / (2 * eps) * u * (d if scale_by_dim else 1.0)
            b_next = np.clip(b - lr * g, b_min, b_max)
            steps.append(Step(i, _pt(b), [e_p, e_m], _pt(b_next), grad=_pt(g), eps=eps, lr=lr))
            b = b_next
            lr *= decay
            i += 1
            if stop == "first_feasible" and (e_p.feasible or e_m.feasible):
                stopped = "target"
                break
            stale = stale + 1 if count.used == used0 else 0
            if stale >= 10:
                stopped = "converged"  # ten steps in a row evaluated nothing new
                break
            if count.left() < 2:
                stopped = "budget"
                break
    except _BudgetExhausted:
        stopped = "budget"
    return ZOResult(best_of(count.history), _pt(b), count.used, steps, stopped, count.history)


def spsa(
    f: Objective,
    b0: Sequence[float],
    *,
    a: float,
    c: float,
    budget: int,
    max_steps: int | None = None,
    alpha: float = 0.602,
    gamma: float = 0.101,
    A: float | None = None,
    b_min: float = 1e-8,
    b_max: float = math.inf,
    stop: Literal["first_feasible", "none"] = "none",
    crn: Literal["fixed", "per_step"] = "fixed",
    crn_seed: int = 0,
    seed: int = 0,
) -> ZOResult:
    """Simultaneous-perturbation stochastic approximation (Spall 1998).

    a_k = a / (k + 1 + A)^alpha, c_k = c / (k + 1)^gamma, Delta_k in {-1, +1}^d;
    g_k = [L(b + c_k Delta) - L(b - c_k Delta)] / (2 c_k) * Delta^{-1};  b <- clip(b - a_k g_k).
    A defaults to 10% of the expected number of steps.
    """
    b = np.clip(_as_vec(b0), b_min, b_max)
    d = b.size
    rng = np.random.default_rng(seed)
    seeds = _Seeds(crn, crn_seed, rng)
    count = _Counter(f, budget)
    n_steps = max_steps if max_steps is not None else budget // 2
    A = 0.1 * n_steps if A is None else A
    steps: list[Step] = []
    stopped = "max_steps"
    k = stale = 0
    try:
        while max_steps is None or k < max_steps:
            ak = a / (k + 1 + A) ** alpha
            ck = c / (k + 1) ** gamma
            delta = rng.choice(np.array([-1.0, 1.0]), size=d)
            key = seeds.next()
            plus = np.clip(b + ck * delta, b_min, b_max)
            minus = np.clip(b - ck * delta, b_min, b_max)
            used0 = count.used
            e_p, e_m = count([_pt(plus), _pt(minus)], key)
            g = (e_p.loss - e_m.loss) / (2 * ck) / delta
            b_next = np.clip(b - ak * g, b_min, b_max)
            steps.append(Step(k, _pt(b), [e_p, e_m], _pt(b_next), grad=_pt(g), eps=ck, lr=ak))
            b = b_next
            k += 1
            if stop == "first_feasible" and (e_p.feasible or e_m.feasible):
                stopped = "target"
                break
            stale = stale + 1 if count.used == used0 else 0
            if stale >= 10:
                stopped = "converged"  # ten steps in a row evaluated nothing new
                break
            if count.left() < 2:
                stopped = "budget"
                break
    except _BudgetExhausted:
        stopped = "budget"
    return ZOResult(best_of(count.history), _pt(b), count.used, steps, stopped, count.history)


# ------------------------------------------------------------------ helpers for plain functions


def from_function(fn: Callable[[Point, int], float], feasible: Callable[[Point, float], bool] | None = None
                  ) -> Objective:
    """Wrap a plain `fn(point, seed) -> loss` (tests, synthetic objectives) as a batch Objective."""

    def f(points: list[Point], seed: int) -> list[Evaluation]:
        out = []
        for p in points:
            loss = float(fn(p, seed))
            out.append(Evaluation(p, loss, bool(feasible(p, loss)) if feasible else False, seed))
        return out

    return f
