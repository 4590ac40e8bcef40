"""Self-contained HTML report: one HTML file plus its images folder (`<name>_files/`).

The HTML carries its CSS inline and references only files in its images folder (the PNG plots and the
gallery's drawn image copies) by relative path, so the pair can be moved or zipped together. Rendering
uses jinja2 with autoescaping, so question text can never inject markup.
"""

from __future__ import annotations

from pathlib import Path

from ladderdata.audit.gallery import build_gallery
from ladderdata.audit.plots import plot_counts, plot_letters, plot_numeric, plot_scans
from ladderdata.audit.report import AuditReport
from ladderdata.io import write_text_atomic

TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ladderdata audit: {{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fde8e8; }
.ok { color: #1a7f37; } .bad-text { color: #b42318; }
img.plot { max-width: 100%; border: 1px solid #eee; margin: 0.3em 0; }
.gallery { display: flex; flex-wrap: wrap; gap: 12px; }
.item { border: 1px solid #ccc; border-radius: 6px; padding: 8px; width: 500px; font-size: 0.85em; }
.images { display: flex; flex-wrap: wrap; gap: 4px; }
.images img.gallery-image { width: 240px; height: auto; }
.images .single img.gallery-image { width: 480px; }
.missing-image { width: 236px; min-height: 60px; border: 1px dashed #999; color: #555; font-family: monospace;
  font-size: 0.8em; padding: 2px; word-break: break-all; }
ul.options { list-style: none; padding-left: 1em; }
.answer { font-weight: bold; } li.correct { font-weight: bold; color: #1a7f37; }
.meta { color: #666; font-size: 0.9em; }
</style>
</head>
<body>
<h1>ladderdata audit: {{ title }}</h1>
<p class="meta">{{ data.kind }} {{ data.path }} &middot; {{ data.grounding|length }} grounding rows &middot;
{{ data.spatial|length }} spatial rows &middot; media: {{ data.media_policy or "n/a" }}</p>
{% if report.violations %}
<p class="bad-text"><b>{{ report.violations|length }} threshold violation(s)</b></p>
<ul id="violations">{% for v in report.violations %}<li>{{ v.line }}</li>{% endfor %}</ul>
{% else %}<p class="ok" id="violations"><b>no threshold violations</b></p>{% endif %}

<h2>Rows per family x question type x data type</h2>
<table id="counts"><tr><th>family</th><th>question type</th><th>data type</th><th>rows</th><th>quota</th>
<th>share of family</th></tr>
{% for r in report.counts %}<tr{% if r.quota is not none and r.rows < r.quota %} class="bad"{% endif %}>
<td>{{ r.family }}</td><td>{{ r.question_type }}</td><td>{{ r.data_type }}</td><td class="n">{{ r.rows }}</td>
<td class="n">{{ r.quota if r.quota is not none else "-" }}</td><td class="n">{{ pct(r.share_of_family) }}</td></tr>
{% endfor %}</table>
{% if plots.counts %}<img class="plot" src="{{ plots.counts }}" alt="rows per type">{% endif %}

{% if report.letters %}
<h2>MCQ answer letters</h2>
<table id="letters"><tr><th>question type</th><th>rows</th>{% for l in letters %}<th>{{ l }} (share / uniform)</th>{% endfor %}
<th>max deviation</th><th>invalid</th></tr>
{% for r in report.letters %}<tr{% if r.question_type in bad_letters %} class="bad"{% endif %}>
<td>{{ r.question_type }}</td><td class="n">{{ r.rows }}</td>
{% for l in letters %}{% set s = (r.letters|selectattr("letter", "equalto", l)|list) %}
<td class="n">{% if s %}{{ pct(s[0].share) }} / {{ pct(s[0].expected) }}{% else %}-{% endif %}</td>{% endfor %}
<td class="n">{{ pct(r.max_deviation) }}</td><td class="n">{{ r.invalid }}</td></tr>{% endfor %}</table>
{% if plots.letters %}<img class="plot" src="{{ plots.letters }}" alt="letter shares">{% endif %}
<h2>MCQ answer labels</h2>
<table id="labels"><tr><th>question type</th><th>rows</th><th>distinct</th><th>labels (share)</th></tr>
{% for r in report.labels %}<tr><td>{{ r.question_type }}</td><td class="n">{{ r.rows }}</td>
<td class="n">{{ r.distinct }}</td><td>{% for x in r.labels[:12] %}{{ x.label }} {{ pct(x.share) }}{% if not loop.last %}; {% endif %}{% endfor %}{% if r.labels|length > 12 %}; ...{% endif %}</td></tr>
{% endfor %}</table>
{% endif %}

{% if report.meanings %}
<h2>Answer meanings of fixed-option types</h2>
<table id="meanings"><tr><th>family</th><th>question type</th><th>subtype</th><th>rows</th>
<th>meanings (share / uniform)</th><th>max deviation</th></tr>
{% for r in report.meanings %}<tr{% if (r.question_type ~ "/meaning/" ~ r.family ~ "/" ~ r.subtype) in bad_letters %} class="bad"{% endif %}>
<td>{{ r.family }}</td><td>{{ r.question_type }}</td><td>{{ r.subtype }}</td><td class="n">{{ r.rows }}</td>
<td>{% for x in r.meanings %}{{ x.meaning }} {{ x.count }} ({{ pct(x.share) }} / {{ pct(x.expected) }}){% if not loop.last %}; {% endif %}{% endfor %}</td>
<td class="n">{{ pct(r.max_deviation) }}</td></tr>
{% endfor %}</table>
{% endif %}
{% if report.meaning_prior %}
<h2>Blind answer-meaning prior</h2>
<table id="meaning-prior"><tr><th>question type</th><th>rows</th><th>chance</th><th>meaning prior</th><th>flagged</th></tr>
{% for r in report.meaning_prior %}<tr{% if r.flagged %} class="bad"{% endif %}><td>{{ r.question_type }}</td>
<td class="n">{{ r.rows }}</td><td class="n">{{ "%.3f"|format(r.chance) }}</td>
<td class="n">{{ "-" if r.prior != r.prior else "%.3f"|format(r.prior) }}</td><td>{{ "YES" if r.flagged else "no" }}</td></tr>
{% endfor %}</table>
{% endif %}

{% if report.numeric %}
<h2>Numeric answers</h2>
<table id="numeric"><tr><th>family</th><th>question type</th><th>rows</th><th>invalid</th><th>min</th><th>median</th><th>max</th>
<th>distinct</th><th>top value</th><th>top share</th></tr>
{% for r in report.numeric %}<tr{% if (r.family ~ "/" ~ r.question_type) in bad_values %} class="bad"{% endif %}>
<td>{{ r.family }}</td><td>{{ r.question_type }}</td><td class="n">{{ r.rows }}</td><td class="n">{{ r.invalid }}</td>
<td class="n">{{ num(r.min) }}</td><td class="n">{{ num(r.median) }}</td><td class="n">{{ num(r.max) }}</td>
<td class="n">{{ r.distinct }}</td><td class="n">{{ num(r.top_value) }}</td><td class="n">{{ pct(r.top_share) }}</td></tr>
{% endfor %}</table>
{% if plots.numeric %}<img class="plot" src="{{ plots.numeric }}" alt="numeric histograms">{% endif %}
{% endif %}

<h2>Per-scan concentration</h2>
<table id="scans"><tr><th>family</th><th>rows</th><th>scans</th><th>top-5 share</th><th>top scans</th></tr>
{% for r in report.scans %}<tr{% if r.family != "all" and r.max_share > thresholds.max_scan_share.value %} class="bad"{% endif %}>
<td>{{ r.family }}</td><td class="n">{{ r.rows }}</td><td class="n">{{ r.scans }}</td><td class="n">{{ pct(r.top5_share) }}</td>
<td>{% for s in r.top %}{{ s.scan_id }} {{ pct(s.share) }}{% if not loop.last %}; {% endif %}{% endfor %}</td></tr>
{% endfor %}</table>
{% if plots.scans %}<img class="plot" src="{{ plots.scans }}" alt="per-scan shares">{% endif %}

<h2>Dropped rows per stage and reason</h2>
{% if report.dropped %}<table id="dropped"><tr><th>stage</th><th>family / question type</th><th>reason</th><th>rows</th></tr>
{% for r in report.dropped %}<tr><td>{{ r.stage }}</td><td>{{ r.scope or "-" }}</td><td>{{ r.reason }}</td><td class="n">{{ r.count }}</td></tr>{% endfor %}
</table>{% else %}<p>{{ "no meta/stats.json" if data.stats is none else "nothing dropped" }}</p>{% endif %}
{% if report.kept %}<table id="kept"><tr><th>stage</th><th>kept rows</th></tr>
{% for r in report.kept %}<tr><td>{{ r.stage }}</td><td class="n">{{ r.count }}</td></tr>{% endfor %}</table>{% endif %}
{% if report.shortfalls %}<h3>Quota shortfalls</h3><table id="shortfalls"><tr><th>family</th><th>question type</th><th>quota</th>
<th>selected</th><th>available after validation</th></tr>
{% for r in report.shortfalls %}<tr class="bad"><td>{{ r.family }}</td><td>{{ r.question_type }}</td><td class="n">{{ r.quota }}</td>
<td class="n">{{ r.selected }}</td><td class="n">{{ r.available }}</td></tr>{% endfor %}</table>{% endif %}

{% if report.blind is not none %}
<h2>Blind baseline (text only)</h2>
<p class="meta">Cross-validated on unseen scans (folds grouped by scan). MCQ: accuracy vs chance = mean
1/#options; numeric: mean relative accuracy vs predicting the training median. Answer prior = most
frequent training answer (letter or value; checked). World prior = a random forest that sees only the
named object categories (a refrigerator is tall: information, not a violation). Text model = random forest
on a bag of words of question + letter-tagged options; its gain beyond chance and the world prior is
checked. A type is flagged when a checked gain exceeds its margin.</p>
<table id="blind"><tr><th>question type</th><th>metric</th><th>rows</th><th>chance</th><th>answer prior</th>
<th>world prior</th><th>text model</th><th>checked skew</th><th>margin</th><th>flagged</th><th>note</th></tr>
{% for r in report.blind %}<tr{% if r.flagged %} class="bad"{% endif %}><td>{{ r.question_type }}</td><td>{{ r.metric }}</td>
<td class="n">{{ r.rows }}</td><td class="n">{{ score(r.chance) }}</td><td class="n">{{ score(r.frequency_prior) }}</td>
<td class="n">{{ score(r.category_prior) }}</td><td class="n">{{ score(r.text_model) }}</td><td class="n">{{ score(r.skew) }}</td>
<td class="n">{{ score(r.margin) }}</td><td>{{ "YES" if r.flagged else "no" }}</td><td>{{ r.folds }}{% if r.note %}; {{ r.note }}{% endif %}</td></tr>{% endfor %}</table>
{% endif %}

<h2>Thresholds</h2>
<table id="thresholds"><tr><th>threshold</th><th>value</th><th>source</th></tr>
{% for t in thresholds.values() %}<tr><td>{{ t.name }}</td><td class="n">{{ num(t.value) }}</td><td>{{ t.source }}</td></tr>{% endfor %}
{% for f, c in report.caps.items() %}<tr><td>per_scan_cap ({{ f }})</td><td class="n">{{ c }}</td><td>manifest</td></tr>{% endfor %}
</table>

<h2>Gallery</h2>
{% for qt, items in gallery %}
<h3>{{ qt }} ({{ items|length }} sampled)</h3>
<div class="gallery">
{% for it in items %}<div class="item" data-question-type="{{ it.question_type }}">
<div class="meta">id {{ it.question_id }} &middot; {{ it.family }} / {{ it.data_type }} &middot; {{ it.scene_id }}
{% if it.image_count > it.images|length %} &middot; {{ it.images|length }} of {{ it.image_count }} images shown{% endif %}</div>
<div class="images">{% for im in it.images %}<div class="{{ 'single' if it.images|length == 1 else 'multi' }}">
{% if im.copy %}<img class="gallery-image" src="{{ im.copy }}" alt="{{ im.path }}" title="{{ im.path }}">
{% else %}<div class="missing-image" title="{{ im.note }}">{{ im.path }}<br><i>{{ im.note }}</i></div>{% endif %}</div>{% endfor %}</div>
<p>{{ it.question }}</p>
{% if it.options %}<ul class="options">{% for o in it.options %}<li{% if o.strip()[:1]|upper == it.answer.strip()[:1]|upper %} class="correct"{% endif %}>{{ o }}</li>{% endfor %}</ul>{% endif %}
<p>answer: <span class="answer">{{ it.answer }}</span>{% if it.answer_label %} ({{ it.answer_label }}){% endif %}</p>
{% if it.boxes and it.question_type != "localization" %}<p class="meta">boxes: {% for b in it.boxes %}{{ b.label }} {{ b.bbox_2d }}{% if not loop.last %}; {% endif %}{% endfor %}</p>{% endif %}
</div>{% endfor %}
</div>
{% endfor %}
</body>
</html>
"""


def _pct(x: float | None) -> str:
    return "-" if x is None or x != x else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "-" if x is None or x != x else f"{x:g}"


def _score(x: float | None) -> str:
    return "-" if x is None or x != x else f"{x:.3f}"


def images_dir_for(html_path: Path) -> Path:
    """The report's images folder: `<stem>_files/` beside the HTML file."""
    return html_path.with_name(f"{html_path.stem}_files")


def write_html_report(
    report: AuditReport, html_path: str | Path, *, per_type: int = 4, seed: int = 0
) -> Path:
    """Write the HTML report and its images folder (plots + gallery copies); returns the HTML path."""
    import jinja2

    html_path = Path(html_path).resolve()
    html_dir = html_path.parent
    images_dir = images_dir_for(html_path)
    images_dir.mkdir(parents=True, exist_ok=True)
    for stale in images_dir.glob("*"):  # a re-run must not leave pictures of an older report behind
        if stale.is_file() and stale.suffix in (".png", ".jpg"):
            stale.unlink()
    plot_paths = {
        "counts": plot_counts(report.counts, images_dir / "counts.png"),
        "letters": plot_letters(report.letters, images_dir / "letters.png"),
        "numeric": plot_numeric(report.numeric, images_dir / "numeric.png"),
        "scans": plot_scans(
            report.scans, images_dir / "scans.png", report.thresholds["max_scan_share"].value
        ),
    }
    plots = {k: (p.relative_to(html_dir).as_posix() if p else None) for k, p in plot_paths.items()}
    items = build_gallery(report.data, images_dir, html_dir, per_type=per_type, seed=seed)
    grouped: dict[str, list] = {}
    for it in items:
        grouped.setdefault(it.question_type, []).append(it)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html = env.from_string(TEMPLATE).render(
        title=Path(report.data.path).name,
        data=report.data,
        report=report,
        thresholds=report.thresholds,
        letters=sorted({s.letter for r in report.letters for s in r.letters}),
        plots=plots,
        bad_letters=report.violated("letter_tolerance"),
        bad_values=report.violated("max_numeric_value_share"),
        gallery=list(grouped.items()),
        pct=_pct,
        num=_num,
        score=_score,
    )
    write_text_atomic(html_path, html)
    return html_path
