"""Rich terminal tables of an audit report."""

from __future__ import annotations

import math

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ladderdata.audit.report import AuditReport

SPARK = " ▁▂▃▄▅▆▇█"
MAX_LABELS_SHOWN = 6


def sparkline(counts: list[int]) -> str:
    """Unicode bars, one per histogram bin, scaled to the largest bin."""
    if not counts or max(counts) == 0:
        return ""
    top = max(counts)
    return "".join(SPARK[math.ceil(c / top * (len(SPARK) - 1))] for c in counts)


def _pct(x: float | None) -> str:
    return "-" if x is None or x != x else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "-" if x is None or x != x else f"{x:g}"


def _score(x: float) -> str:
    return "-" if x != x else f"{x:.3f}"


def tables(report: AuditReport) -> list[Table]:
    """Every table of the report, in reading order."""
    out: list[Table] = []
    d = report.data

    t = Table(title=escape(f"Rows per family x question type x data type ({d.kind}: {d.path})"))
    for col in ("family", "question type", "data type"):
        t.add_column(col)
    for col in ("rows", "quota", "of quota", "share of family"):
        t.add_column(col, justify="right")
    for r in report.counts:
        of_quota = _pct(r.rows / r.quota) if r.quota else "-"
        style = "red" if r.quota is not None and r.rows < r.quota else None
        t.add_row(
            r.family,
            r.question_type,
            r.data_type,
            str(r.rows),
            _num(r.quota),
            of_quota,
            _pct(r.share_of_family),
            style=style,
        )
    out.append(t)

    if report.letters:
        letters = sorted({s.letter for r in report.letters for s in r.letters})
        t = Table(title="MCQ answer-letter shares (share / uniform)")
        t.add_column("question type")
        t.add_column("rows", justify="right")
        for letter in letters:
            t.add_column(letter, justify="right")
        t.add_column("max dev", justify="right")
        t.add_column("invalid", justify="right")
        bad = report.violated("letter_tolerance")
        for r in report.letters:
            by = {s.letter: s for s in r.letters}
            cells = [f"{_pct(by[x].share)} / {_pct(by[x].expected)}" if x in by else "-" for x in letters]
            t.add_row(
                r.question_type,
                str(r.rows),
                *cells,
                _pct(r.max_deviation),
                str(r.invalid),
                style="red" if r.question_type in bad else None,
            )
        out.append(t)

    if report.labels:
        t = Table(title="MCQ answer-label shares (label = option text of the answer letter)")
        t.add_column("question type")
        t.add_column("rows", justify="right")
        t.add_column("distinct", justify="right")
        t.add_column(f"top labels (at most {MAX_LABELS_SHOWN})")
        for r in report.labels:
            shown = escape(", ".join(f"{x.label} {_pct(x.share)}" for x in r.labels[:MAX_LABELS_SHOWN]))
            t.add_row(r.question_type, str(r.rows), str(r.distinct), shown)
        out.append(t)

    if report.meanings:
        out.append(meaning_shares_table(report))

    if report.numeric:
        t = Table(title="Numeric answers per family x question type")
        t.add_column("family")
        t.add_column("question type")
        for col in ("rows", "invalid", "min", "median", "max", "distinct", "top value", "top share"):
            t.add_column(col, justify="right")
        t.add_column("histogram (min..max)")
        bad = report.violated("max_numeric_value_share")
        for r in report.numeric:
            over = f"{r.family}/{r.question_type}" in bad
            t.add_row(
                r.family,
                r.question_type,
                str(r.rows),
                str(r.invalid),
                _num(r.min),
                _num(r.median),
                _num(r.max),
                str(r.distinct),
                _num(r.top_value),
                _pct(r.top_share),
                sparkline(r.hist_counts),
                style="red" if over else None,
            )
        out.append(t)

    if len(report.sources) > 1:
        t = Table(title="Rows per source")
        t.add_column("source")
        for col in ("rows", "scans", "families"):
            t.add_column(col, justify="right" if col != "families" else "left")
        t.add_column("licence")
        for r in report.sources:
            fams = ", ".join(f"{k} {n}" for k, n in r.families.items())
            t.add_row(escape(r.source), str(r.rows), str(r.scans), fams, escape(r.licence or "?"))
        out.append(t)

    t = Table(title="Per-scan concentration")
    t.add_column("family")
    for col in ("rows", "scans", "top-5 share", "largest scan", "its share"):
        t.add_column(col, justify="right")
    limit = report.thresholds["max_scan_share"].value
    for r in report.scans:
        top = r.top[0] if r.top else None
        t.add_row(
            r.family,
            str(r.rows),
            str(r.scans),
            _pct(r.top5_share),
            escape(top.scan_id) if top else "-",
            _pct(r.max_share),
            style="red" if r.family != "all" and r.max_share > limit else None,
        )
    out.append(t)

    t = Table(title="Dropped rows per stage and reason (meta/stats.json)")
    t.add_column("stage")
    t.add_column("family / question type")
    t.add_column("reason")
    t.add_column("rows", justify="right")
    for r in report.dropped:
        t.add_row(escape(r.stage), escape(r.scope) or "-", escape(r.reason), str(r.count))
    if not report.dropped:
        t.add_row("-", "-", "no meta/stats.json" if d.stats is None else "nothing dropped", "0")
    out.append(t)
    if report.shortfalls:
        t = Table(title="Quota shortfalls (meta/stats.json)")
        t.add_column("family")
        t.add_column("question type")
        for col in ("quota", "selected", "available after validation"):
            t.add_column(col, justify="right")
        for r in report.shortfalls:
            t.add_row(r.family, r.question_type, str(r.quota), str(r.selected), str(r.available), style="red")
        out.append(t)
    if report.kept:
        t = Table(title="Kept rows per stage (meta/stats.json)")
        t.add_column("stage")
        t.add_column("rows", justify="right")
        for r in report.kept:
            t.add_row(escape(r.stage), str(r.count))
        out.append(t)

    if report.blind is not None:
        t = Table(
            title="Blind baseline (text only, cross-validated on unseen scans): checked = answer prior "
            "and text beyond the named categories; world = the categories' own prior (information)"
        )
        t.add_column("question type")
        t.add_column("metric")
        for col in (
            "rows",
            "chance",
            "answer prior",
            "category (world) prior",
            "text model",
            "checked skew",
            "margin",
            "flagged",
        ):
            t.add_column(col, justify="right")
        t.add_column("note")
        for r in report.blind:
            skew = "-" if r.skew != r.skew else f"{r.skew:+.3f}"
            t.add_row(
                r.question_type,
                "acc" if r.kind == "mcq" else "MRA",
                str(r.rows),
                _score(r.chance),
                _score(r.frequency_prior),
                _score(r.category_prior),
                _score(r.text_model),
                skew,
                _num(r.margin),
                "YES" if r.flagged else "no",
                "; ".join(x for x in (r.folds and f"folds {r.folds}", r.note) if x),
                style="red" if r.flagged else None,
            )
        out.append(t)

    if report.meaning_prior:
        out.append(meaning_prior_table(report))

    t = Table(title="Thresholds")
    t.add_column("threshold")
    t.add_column("value", justify="right")
    t.add_column("source")
    for th in report.thresholds.values():
        t.add_row(th.name, _num(th.value), th.source)
    for family, cap in report.caps.items():
        t.add_row(f"per_scan_cap ({family})", str(cap), "manifest")
    out.append(t)
    return out


def print_report(report: AuditReport, console: Console, *, violations_elsewhere: bool = False) -> None:
    """Print every table, then the violations (or that none were found).

    `violations_elsewhere`: the caller prints the violation lines itself (on stderr, under
    `--fail-on-skew`), so each is printed once; here only their count is said.
    """
    for t in tables(report):
        console.print(t)
    if report.violations and violations_elsewhere:
        console.print(f"[bold red]{len(report.violations)} threshold violation(s), listed on stderr[/]")
    elif report.violations:
        console.print(f"[bold red]{len(report.violations)} threshold violation(s):[/]")
        for v in report.violations:
            console.print(f"  [red]{escape(v.line)}[/]", highlight=False)
    else:
        console.print("[bold green]no threshold violations[/]")


def meaning_shares_table(report: AuditReport) -> Table:
    """Answer-meaning shares of the fixed-option types (the meanings the letters stand for)."""
    t = Table(title="Answer-meaning shares of fixed-option types (share / uniform; +-rows allowed)")
    for col in ("family", "question type", "subtype"):
        t.add_column(col)
    t.add_column("rows", justify="right")
    t.add_column("meanings")
    t.add_column("max dev", justify="right")
    t.add_column("allowed", justify="right")
    bad = report.violated("letter_tolerance")
    for r in report.meanings:
        cells = ", ".join(f"{s.meaning} {s.count} ({_pct(s.share)} / {_pct(s.expected)})" for s in r.meanings)
        t.add_row(
            r.family,
            r.question_type,
            r.subtype,
            str(r.rows),
            escape(cells),
            _pct(r.max_deviation),
            f"{r.allowed_rows:g}",
            style="red" if f"{r.question_type}/meaning/{r.family}/{r.subtype}" in bad else None,
        )
    return t


def meaning_prior_table(report: AuditReport) -> Table:
    """The blind answer-meaning prior per question type."""
    t = Table(title="Blind answer-meaning prior (always the most frequent meaning, 5-fold cross-validated)")
    t.add_column("question type")
    for col in ("rows", "chance", "meaning prior", "over chance", "flagged"):
        t.add_column(col, justify="right")
    t.add_column("note")
    for r in report.meaning_prior or []:
        over = "-" if r.over_chance != r.over_chance else f"{r.over_chance:+.3f}"
        t.add_row(
            r.question_type,
            str(r.rows),
            _score(r.chance),
            _score(r.prior),
            over,
            "YES" if r.flagged else "no",
            r.note,
            style="red" if r.flagged else None,
        )
    return t
