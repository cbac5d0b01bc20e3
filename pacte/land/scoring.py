"""The committee's aggregation: eliminatory criteria, weighted sum on absolute scales, ranking, and how stable
the ranking is when the weights move.

- Scores are 0–5 on absolute scales: an application's total depends only on its own scores, never on the other
  applications (withdrawing one cannot reorder the others).
- A member who declared a conflict of interest with an application never counts for it.
- Each criterion's score is the mean of the members' scores; an eliminatory criterion whose mean is under its
  threshold puts the application out whatever its other scores.
- The total is the weighted mean of the criteria's scores (0–5); only fully scored, non-eliminated applications
  are ranked.
- Stability: each weight is multiplied by a factor drawn uniformly in [0.8, 1.2] (±20 %), independently, for
  `draws` draws; the share of draws in which each ranked application keeps its rank.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

DRAWS = 10_000
SPREAD = 0.20


@dataclass(frozen=True)
class CriterionRule:
    id: int
    weight: float
    eliminatory: bool = False
    threshold: int | None = None


@dataclass
class Result:
    application_id: int
    means: dict = field(default_factory=dict)  # criterion id → mean score (absent when nobody scored it)
    total: float | None = None
    eliminated_by: list = field(default_factory=list)  # criterion ids under their threshold
    rank: int | None = None
    stability: float | None = None  # share of the draws keeping this rank (0–1)

    @property
    def eliminated(self) -> bool:
        return bool(self.eliminated_by)

    @property
    def complete(self) -> bool:
        return self.total is not None


def ranking(
    *,
    applications: list[int],
    criteria: list[CriterionRule],
    scores,  # iterable of (member id, application id, criterion id, value)
    conflicts=frozenset(),  # set of (member id, application id)
) -> list[Result]:
    """The results of every application, ranked ones first (by total, then by id for a stable order)."""
    sums, counts = defaultdict(float), defaultdict(int)
    conflicts = set(conflicts)
    for member, application, criterion, value in scores:
        if (member, application) in conflicts:
            continue  # a conflicted member never counts for that application
        sums[(application, criterion)] += value
        counts[(application, criterion)] += 1
    weights = sum(c.weight for c in criteria)
    results = []
    for application in applications:
        result = Result(application)
        for c in criteria:
            n = counts.get((application, c.id))
            if n:
                result.means[c.id] = sums[(application, c.id)] / n
                if c.eliminatory and c.threshold is not None and result.means[c.id] < c.threshold:
                    result.eliminated_by.append(c.id)
        if criteria and weights and len(result.means) == len(criteria):
            result.total = sum(c.weight * result.means[c.id] for c in criteria) / weights
        results.append(result)
    ranked = sorted((r for r in results if r.complete and not r.eliminated), key=lambda r: (-r.total, r.application_id))
    for position, result in enumerate(ranked, 1):
        result.rank = position
    others = [r for r in results if r.rank is None]
    return ranked + others


def stability(
    *, results: list[Result], criteria: list[CriterionRule], draws: int = DRAWS, spread: float = SPREAD, seed: int = 0
) -> None:
    """Set `stability` on each ranked result: the share of weight draws (±spread) in which it keeps its rank."""
    ranked = [r for r in results if r.rank is not None]
    if not ranked or not criteria:
        return
    means = np.array([[r.means[c.id] for c in criteria] for r in ranked])  # applications × criteria
    weights = np.array([c.weight for c in criteria], dtype=float)
    rng = np.random.default_rng(seed)
    drawn = weights * rng.uniform(1 - spread, 1 + spread, size=(draws, len(criteria)))  # draws × criteria
    totals = (drawn @ means.T) / drawn.sum(axis=1, keepdims=True)  # draws × applications
    # rank of each application in each draw (ties broken by the baseline order, as in `ranking`)
    order = np.argsort(-totals, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(draws)[:, None]
    ranks[rows, order] = np.arange(1, len(ranked) + 1)
    kept = (ranks == np.arange(1, len(ranked) + 1)).mean(axis=0)
    for result, share in zip(ranked, kept, strict=True):
        result.stability = float(share)
