"""PNG plots with matplotlib (Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _strength(p: Any) -> float:
    if isinstance(p, (list, tuple)):
        vals = [float(v) for v in p]
        return (sum(v * v for v in vals) / len(vals)) ** 0.5
    return float(p)


def metric_vs_sigma(points: Sequence[dict[str, Any]], path: Path, *, title: str = "",
                    marks: dict[str, float] | None = None,
                    metrics: Sequence[tuple[str, str]] = (("leak", "leak rate"), ("unreadable", "unreadable share")),
                    xlabel: str = "sigma") -> Path:
    """Metrics (one line each) against sigma (log axis); optional vertical marks {label: sigma}.

    `points`: dicts with "point" (sigma) and the metric keys; several evaluations of the same sigma
    are averaged. A "split" key splits the series (e.g. train/test).
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    splits = sorted({p.get("split", "") for p in points})
    styles = ["-", "--", ":"]
    for si, split in enumerate(splits):
        for mi, (key, label) in enumerate(metrics):
            by: dict[float, list[float]] = {}
            for p in points:
                if p.get("split", "") != split or p.get(key) is None:
                    continue
                by.setdefault(_strength(p["point"]), []).append(float(p[key]))
            if not by:
                continue
            xs = sorted(by)
            ys = [sum(by[x]) / len(by[x]) for x in xs]
            ax.plot(xs, ys, styles[si % 3], marker="o", ms=3.5, color=f"C{mi}",
                    label=f"{label}" + (f" ({split})" if split else ""))
    for i, (label, x) in enumerate((marks or {}).items()):
        ax.axvline(x, color=f"C{i + 3}", lw=1, ls="-.", label=label)
    ax.set_xscale("log")
    ax.set_xlabel(f"{xlabel} (corruption strength)")
    ax.set_ylabel("share of answers")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def trajectory(history: Sequence[dict[str, Any]], path: Path, *, title: str = "", ylabel: str = "sigma") -> Path:
    """The optimiser's evaluations in order: sigma (log) and loss / leak per evaluation."""
    fit = [h for h in history if not h.get("tag")]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.4, 5.0), dpi=120, sharex=True)
    xs = list(range(1, len(fit) + 1))
    sig = [_strength(h["point"]) for h in fit]
    ok = [bool(h.get("feasible")) for h in fit]
    a1.plot(xs, sig, color="0.6", lw=1)
    a1.scatter([x for x, o in zip(xs, ok) if o], [s for s, o in zip(sig, ok) if o], color="C2", s=18,
               label="meets target (feasible)", zorder=3)
    a1.scatter([x for x, o in zip(xs, ok) if not o], [s for s, o in zip(sig, ok) if not o], color="C3", s=18,
               marker="x", label="infeasible", zorder=3)
    a1.set_yscale("log")
    a1.set_ylabel(ylabel)
    a1.grid(alpha=0.3)
    a1.legend(fontsize=7)
    a2.plot(xs, [h.get("leak") for h in fit], marker="o", ms=3, label="leak (fit split)")
    a2.plot(xs, [h.get("unreadable") for h in fit], marker="s", ms=3, label="unreadable")
    a2.set_ylim(-0.03, 1.03)
    a2.set_xlabel("objective evaluation #")
    a2.set_ylabel("share")
    a2.grid(alpha=0.3)
    a2.legend(fontsize=7)
    if title:
        a1.set_title(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def bars(groups: dict[str, dict[str, float]], path: Path, *, title: str = "", ylabel: str = "") -> Path:
    """Grouped bars: {group: {series: value}} (e.g. kind -> {learned, hand-set})."""
    import numpy as np

    names = list(groups)
    series = sorted({s for g in groups.values() for s in g})
    fig, ax = plt.subplots(figsize=(max(6.4, 0.7 * len(names) + 2), 3.8), dpi=120)
    w = 0.8 / max(1, len(series))
    for i, s in enumerate(series):
        ax.bar(np.arange(len(names)) + i * w - 0.4 + w / 2, [groups[n].get(s, float("nan")) for n in names],
               width=w, label=s)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
