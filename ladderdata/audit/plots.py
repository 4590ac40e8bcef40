"""PNG plots of the audit tables (matplotlib, Agg canvas only: no pyplot state, no display needed).

Each function writes one PNG and returns its path, or None when there is nothing to plot. PNG metadata
is stripped of the matplotlib version so identical inputs give identical files.
"""

from __future__ import annotations

from pathlib import Path

from ladderdata.audit.tables import CountRow, LetterRow, NumericRow, ScanRow
from ladderdata.io import atomic_path

FAMILY_COLOURS = {
    "localization": "#7f7f7f",
    "single_image": "#1f77b4",
    "multi_view": "#2ca02c",
    "video": "#d62728",
    "all": "#000000",
}


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    return path


def plot_counts(rows: list[CountRow], path: Path) -> Path | None:
    """Horizontal bars: rows per family x question type x data type, quotas as black ticks."""
    if not rows:
        return None
    fig = _figure(8, 0.35 * len(rows) + 1.2)
    ax = fig.add_subplot()
    labels = [
        f"{r.family} / {r.question_type}" + ("" if r.data_type == r.family else f" ({r.data_type})")
        for r in rows
    ]
    y = list(range(len(rows)))[::-1]
    ax.barh(y, [r.rows for r in rows], color=[FAMILY_COLOURS.get(r.family, "#9467bd") for r in rows])
    quota_y = [yy for yy, r in zip(y, rows, strict=True) if r.quota is not None]
    quota_x = [r.quota for r in rows if r.quota is not None]
    if quota_x:
        ax.scatter(quota_x, quota_y, marker="|", s=300, color="black", label="quota", zorder=3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("rows")
    ax.set_title("Rows per family x question type")
    return _save(fig, path)


def plot_letters(rows: list[LetterRow], path: Path) -> Path | None:
    """Grouped bars of answer-letter shares per MCQ type; dashes mark the uniform share."""
    if not rows:
        return None
    letters = sorted({s.letter for r in rows for s in r.letters})
    fig = _figure(max(5.0, 1.6 * len(rows) + 2), 3.6)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(letters))
    for j, letter in enumerate(letters):
        xs, hs = [], []
        for i, r in enumerate(rows):
            share = next((s for s in r.letters if s.letter == letter), None)
            xs.append(i + (j - (len(letters) - 1) / 2) * width)
            hs.append(share.share if share else 0.0)
        ax.bar(xs, hs, width=width * 0.95, label=letter)
    for i, r in enumerate(rows):
        for j, letter in enumerate(letters):
            share = next((s for s in r.letters if s.letter == letter), None)
            if share is not None:
                x = i + (j - (len(letters) - 1) / 2) * width
                ax.hlines(share.expected, x - width / 2, x + width / 2, colors="black", linestyles="dashed")
    ax.set_xticks(range(len(rows)), [r.question_type for r in rows], fontsize=8)
    ax.set_ylabel("share of rows")
    ax.set_ylim(0, 1)
    ax.set_title("MCQ answer-letter shares (dashes: uniform)")
    ax.legend(title="letter", fontsize=8)
    return _save(fig, path)


def plot_numeric(rows: list[NumericRow], path: Path) -> Path | None:
    """One histogram per numeric question type."""
    rows = [r for r in rows if r.hist_counts]
    if not rows:
        return None
    cols = min(3, len(rows))
    nrows = (len(rows) + cols - 1) // cols
    fig = _figure(4.5 * cols, 2.8 * nrows)
    for i, r in enumerate(rows):
        ax = fig.add_subplot(nrows, cols, i + 1)
        edges = r.hist_edges
        widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
        ax.bar(edges[:-1], r.hist_counts, width=widths, align="edge", edgecolor="white")
        ax.set_title(f"{r.family} {r.question_type} (n={r.rows}, top share {r.top_share:.2f})", fontsize=9)
        ax.set_xlabel("answer")
        ax.set_ylabel("rows")
    return _save(fig, path)


def plot_scans(rows: list[ScanRow], path: Path, max_share: float | None = None) -> Path | None:
    """Each scan's share of its family, largest first (one line per family)."""
    rows = [r for r in rows if r.shares]
    if not rows:
        return None
    fig = _figure(7, 3.6)
    ax = fig.add_subplot()
    for r in rows:
        ranks = list(range(1, len(r.shares) + 1))
        ax.plot(
            ranks,
            r.shares,
            marker="o",
            markersize=3,
            color=FAMILY_COLOURS.get(r.family, "#9467bd"),
            label=f"{r.family} ({r.scans} scans)",
        )
    if max_share is not None:
        ax.axhline(max_share, color="black", linestyle="dashed", linewidth=1, label=f"limit {max_share:.2f}")
    top = max([max(r.shares) for r in rows] + ([max_share] if max_share is not None else []))
    ax.set_ylim(0, min(1.0, top * 1.15))
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("scan rank")
    ax.set_ylabel("share of the family's rows")
    ax.set_title("Per-scan shares")
    ax.legend(fontsize=8)
    return _save(fig, path)
