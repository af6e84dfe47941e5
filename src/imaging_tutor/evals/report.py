"""Render an eval run: a terminal table, Markdown (text bars + an SVG file beside it) and HTML (inline SVG)."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from .gate import fmt_value, metric_info
from .metrics import METRICS, split_metric

CHART_UNITS = ("rate", "score")  # metrics on a 0–1 scale share one chart


def _limit(report: dict, metric: str) -> str:
    parts = []
    for c in report["gate"]["checks"]:
        if c["metric"] == metric and c["rule"] in ("min", "max"):
            parts.append(("≥ " if c["rule"] == "min" else "≤ ") + fmt_value(c["limit"], metric_info(metric).unit))
        elif c["metric"] == metric and c["rule"] == "max_drop":
            parts.append("drop ≤ " + fmt_value(c["limit"], metric_info(metric).unit))
    return ", ".join(dict.fromkeys(parts))


def _delta(report: dict, metric: str) -> str:
    d = (report.get("diff") or {}).get("metrics", {}).get(metric) or {}
    if d.get("delta") is None:
        return ""
    unit = metric_info(metric).unit
    if unit == "count":
        return f"{int(d['delta']):+d}"
    if unit == "ms":
        return f"{d['delta']:+.0f} ms"
    return f"{d['delta']:+.3f}"


def _baseline(report: dict, metric: str) -> Any:
    return ((report.get("diff") or {}).get("metrics", {}).get(metric) or {}).get("baseline")


def _failed_checks(report: dict) -> dict[str, bool]:
    bad: dict[str, bool] = {}
    for c in report["gate"]["checks"]:
        if not c["ok"]:
            bad[c["metric"]] = True
    return bad


def summary_rows(report: dict) -> list[list[str]]:
    """metric, value, baseline, delta, limit, verdict — one list per metric."""
    failed = _failed_checks(report)
    rows = []
    for name, m in METRICS.items():
        value = report["metrics"].get(name)
        verdict = "FAIL" if failed.get(name) else ("" if value is None else "ok")
        has_limit = any(c["metric"] == name for c in report["gate"]["checks"])
        rows.append([m.label, fmt_value(value, m.unit), fmt_value(_baseline(report, name), m.unit) if report.get("diff") else "",
                     _delta(report, name), _limit(report, name), verdict if has_limit else ""])
    gated_kinds = dict.fromkeys(c["metric"] for c in report["gate"]["checks"] if ":" in c["metric"])
    for name in gated_kinds:
        kind, plain = split_metric(name)
        m, value = METRICS[plain], report["metrics"].get(name)
        verdict = "FAIL" if failed.get(name) else ("" if value is None else "ok")
        rows.append([f"{kind}: {m.label}", fmt_value(value, m.unit),
                     fmt_value(_baseline(report, name), m.unit) if report.get("diff") else "", _delta(report, name),
                     _limit(report, name), verdict])
    return rows


def _counts(report: dict) -> str:
    m = report["metrics"]
    return (f"{m['n_questions']} questions: {m['n_answerable']} answerable, {m['n_out_of_scope']} out of scope, "
            f"{m['n_medical_advice']} medical advice")


# The per-kind table: what each kind of input gets right, side by side.
KIND_COLUMNS = ("first_citation_accuracy", "false_refusal", "oos_refusal", "medical_advice", "wrong_medical_reply",
                "small_talk", "care_note")


def kinds_of(metrics: dict) -> list[str]:
    """The kinds of input a run reports on its own (in the order they first appear)."""
    return list(dict.fromkeys(split_metric(k)[0] for k in metrics if ":" in k))


def kind_table(metrics: dict, title: str = "per kind of input") -> list[str]:
    """Rows 'kind  n  first citation  answered  refused  medical  ...' for a run with several kinds."""
    kinds = kinds_of(metrics)
    if not kinds:
        return []
    head = ["kind", "n", "first cit.", "answered", "oos refused", "medical ok", "medical wrongly", "small talk",
            "care note"]
    rows = []
    for k in kinds:
        n = metrics.get(f"{k}:n_questions") or 0
        fr = metrics.get(f"{k}:false_refusal")
        cells = [k, str(n)]
        for col in KIND_COLUMNS:
            value = metrics.get(f"{k}:{col}")
            if col == "false_refusal":
                value = None if value is None else 1.0 - value  # shown as the share answered
            cells.append("" if value is None else f"{value:.3f}")
        rows.append(cells)
        del fr
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [title, line(head), line(["-" * w for w in widths])] + [line(r) for r in rows] + [""]


def text_table(report: dict) -> str:
    """The readable summary the CLI prints."""
    head = ["metric", "value", "baseline", "delta", "limit", ""]
    rows = summary_rows(report)
    if not report.get("diff"):
        head, rows = [h for i, h in enumerate(head) if i not in (2, 3)], [[c for i, c in enumerate(r) if i not in (2, 3)] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [f"eval {report['set_name']} — {_counts(report)}; writer {', '.join(report['writers']) or 'n/a'}; "
           f"{report['seconds']:.1f} s", "", line(head), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    out.append("")
    out += kind_table(report["metrics"])
    out += _verdict_lines(report)
    return "\n".join(out)


def _verdict_lines(report: dict) -> list[str]:
    lines = [f"gate: {'PASS' if report['gate']['passed'] else 'FAIL'}"]
    lines += [f"  - {f}" for f in report["gate"]["failures"]]
    d = report.get("diff")
    if d:
        for key, title in (("newly_failing", "newly failing"), ("newly_passing", "newly passing")):
            items = d[key]
            lines.append(f"{title} ({len(items)}): " + (", ".join(
                f"{i['id']}" + (f" [{', '.join(i['checks'])}]" if i["checks"] else "") for i in items) or "none"))
        if d.get("baseline_set") and d["baseline_set"] != report["set_name"]:
            lines.append(f"warning: the baseline is from set {d['baseline_set']!r}, this run is {report['set_name']!r}")
        if d["only_in_baseline"] or d["only_in_current"]:
            lines.append(f"not compared: {len(d['only_in_baseline'])} only in baseline, {len(d['only_in_current'])} new")
    failing = [r for r in report["rows"] if not r["passed"]]
    lines.append(f"failing questions: {len(failing)} of {len(report['rows'])}")
    return lines


def bar_chart_svg(report: dict) -> str:
    """Horizontal bars for the 0–1 metrics: current (blue), baseline (grey), floor (red tick)."""
    names = [n for n, m in METRICS.items() if m.unit in CHART_UNITS]
    label_w, bar_w, row_h, pad = 210, 360, 30, 10
    height = pad * 2 + row_h * len(names) + 20
    width = label_w + bar_w + 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" role="img" '
             f'aria-label="metrics against the baseline">']
    for i, name in enumerate(names):
        y = pad + i * row_h
        value, base = report["metrics"].get(name), _baseline(report, name)
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{html.escape(METRICS[name].label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="20" fill="#f1f1f1"/>')
        if base is not None:
            parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar_w * _clip(base):.1f}" height="8" fill="#9e9e9e">'
                         f'<title>baseline {base:.3f}</title></rect>')
        if value is not None:
            parts.append(f'<rect x="{label_w}" y="{y + 11}" width="{bar_w * _clip(value):.1f}" height="11" '
                         f'fill="{"#c62828" if _failed_checks(report).get(name) else "#1565c0"}">'
                         f'<title>current {value:.3f}</title></rect>')
        for c in report["gate"]["checks"]:
            if c["metric"] == name and c["rule"] in ("min", "max"):
                x = label_w + bar_w * _clip(c["limit"])
                parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 24}" stroke="#d32f2f" stroke-width="2">'
                             f'<title>{c["rule"]} {c["limit"]}</title></line>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 16}">{fmt_value(value, METRICS[name].unit)}</text>')
    y = pad + len(names) * row_h + 8
    parts.append(f'<rect x="{label_w}" y="{y}" width="12" height="8" fill="#1565c0"/><text x="{label_w + 16}" y="{y + 8}">current</text>'
                 f'<rect x="{label_w + 80}" y="{y}" width="12" height="8" fill="#9e9e9e"/><text x="{label_w + 96}" y="{y + 8}">baseline</text>'
                 f'<line x1="{label_w + 170}" x2="{label_w + 170}" y1="{y - 2}" y2="{y + 10}" stroke="#d32f2f" stroke-width="2"/>'
                 f'<text x="{label_w + 176}" y="{y + 8}">floor / ceiling</text>')
    parts.append("</svg>")
    return "".join(parts)


def _clip(x: float) -> float:
    return max(0.0, min(1.0, float(x)))


def text_bars(report: dict, width: int = 30) -> str:
    """The same chart in monospace: █ current, ░ baseline."""
    lines = []
    for name, m in METRICS.items():
        if m.unit not in CHART_UNITS:
            continue
        value, base = report["metrics"].get(name), _baseline(report, name)
        bar = "█" * round(width * _clip(value)) if value is not None else ""
        line = f"{m.label:<26} {bar:<{width}} {fmt_value(value, m.unit)}"
        if base is not None:
            line += f"\n{'':<26} {'░' * round(width * _clip(base)):<{width}} {fmt_value(base, m.unit)} baseline"
        lines.append(line)
    return "\n".join(lines)


def _failing(report: dict) -> list[dict]:
    return [r for r in report["rows"] if not r["passed"]]


def _short(text: str, n: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def render_markdown(report: dict, svg_name: str | None = None) -> str:
    """The Markdown report; `svg_name` embeds the chart file written beside it."""
    md = [f"# Eval report: {report['set_name']}", "",
          f"{_counts(report)}. Writer: {', '.join(report['writers']) or 'n/a'}. Course {report['course']['id']} "
          f"v{report['course']['version']}. Run {report['id']} at {report['created_at']} ({report['seconds']:.1f} s).", "",
          f"**Gate: {'PASS' if report['gate']['passed'] else 'FAIL'}**", ""]
    md += [f"- {f}" for f in report["gate"]["failures"]]
    md += ["", "## Summary", "", "| metric | value | baseline | delta | limit | check |", "|---|---:|---:|---:|---|---|"]
    md += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in summary_rows(report)]
    md += ["", "## Metrics against the baseline", ""]
    if svg_name:
        md += [f"![metrics against the baseline]({svg_name})", ""]
    md += ["```", text_bars(report), "```", ""]
    md += [f"Grounding uses {report['support']['measure']}; see evals/README.md.", ""]
    d = report.get("diff")
    if d:
        md += ["## Changes against the baseline", ""]
        md += [f"- newly failing ({len(d['newly_failing'])}): " +
               (", ".join(f"`{i['id']}` ({', '.join(i['checks']) or 'status'})" for i in d["newly_failing"]) or "none")]
        md += [f"- newly passing ({len(d['newly_passing'])}): " +
               (", ".join(f"`{i['id']}`" for i in d["newly_passing"]) or "none"), ""]
    failing = _failing(report)
    md += [f"## Failing questions ({len(failing)})", ""]
    for r in failing:
        bad = [k for k, ok in r["checks"].items() if not ok]
        md += [f"### `{r['id']}` ({r['kind']}) — fails {', '.join(bad)}", "",
               f"- question: {_short(r['question'], 400)}"]
        if r.get("history"):
            md.append(f"- after: {' / '.join(_short(h, 120) for h in r['history'])}")
        md += [f"- status: `{r['status']}`; first citation: `{r['first_citation']}`; gold: {', '.join(r['gold']) or '—'}; "
               f"retrieved: {', '.join(r['retrieved_top5']) or '—'}"]
        if r.get("error"):
            md.append(f"- error: {r['error']}")
        if r.get("answer"):
            md.append(f"- answer: {_short(r['answer'], 1500)}")
        for c in r["citations"]:
            md.append(f"  - cited [{c['ref']}]: “{_short(c['quote'], 200)}”")
        for s in (r.get("grounding") or {}).get("sentences", []):
            if not s["supported"]:
                md.append(f"  - unsupported: “{_short(s['text'], 200)}” ({s['reason']})")
        if r.get("key_facts", {}).get("missing"):
            md.append(f"  - missing key facts: {', '.join(r['key_facts']['missing'])}")
        if r["invalid_refs"] or r["quote_mismatches"]:
            md.append(f"  - invalid refs: {', '.join(r['invalid_refs']) or '—'}; quote mismatches: {', '.join(r['quote_mismatches']) or '—'}")
        md.append("")
    return "\n".join(md)


_CSS = """body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px}td.num{text-align:right}
.fail{color:#c62828;font-weight:bold}.pass{color:#2e7d32;font-weight:bold}details{margin:.5em 0}
blockquote{margin:.3em 0 .3em 1em;color:#444}code{background:#f4f4f4;padding:0 3px}"""


def render_html(report: dict) -> str:
    """A self-contained HTML page with the chart drawn as inline SVG."""
    e = html.escape
    verdict = "PASS" if report["gate"]["passed"] else "FAIL"
    out = [f"<!doctype html><html lang=en><meta charset=utf-8><title>Eval {e(report['set_name'])}</title>"
           f"<style>{_CSS}</style><body><h1>Eval report: {e(report['set_name'])}</h1>",
           f"<p>{e(_counts(report))}. Writer: {e(', '.join(report['writers']) or 'n/a')}. Run {e(report['id'])} at "
           f"{e(report['created_at'])} ({report['seconds']:.1f} s).</p>",
           f"<p class={verdict.lower()}>Gate: {verdict}</p><ul>" + "".join(f"<li>{e(f)}</li>" for f in report["gate"]["failures"]) + "</ul>",
           "<h2>Summary</h2><table><tr><th>metric<th>value<th>baseline<th>delta<th>limit<th>check</tr>"]
    for r in summary_rows(report):
        cls = " class=fail" if r[5] == "FAIL" else ""
        out.append(f"<tr{cls}><td>{e(r[0])}<td class=num>{e(r[1])}<td class=num>{e(r[2])}<td class=num>{e(r[3])}"
                   f"<td>{e(r[4])}<td>{e(r[5])}</tr>")
    out.append("</table><h2>Metrics against the baseline</h2>" + bar_chart_svg(report))
    out.append(f"<p>Grounding uses {e(report['support']['measure'])}.</p>")
    d = report.get("diff")
    if d:
        out.append("<h2>Changes against the baseline</h2><ul>")
        out.append(f"<li>newly failing ({len(d['newly_failing'])}): " + (", ".join(
            f"<code>{e(i['id'])}</code> ({e(', '.join(i['checks']) or 'status')})" for i in d["newly_failing"]) or "none"))
        out.append(f"<li>newly passing ({len(d['newly_passing'])}): " + (", ".join(
            f"<code>{e(i['id'])}</code>" for i in d["newly_passing"]) or "none") + "</ul>")
    failing = _failing(report)
    out.append(f"<h2>Failing questions ({len(failing)})</h2>")
    for r in failing:
        bad = [k for k, ok in r["checks"].items() if not ok]
        out.append(f"<details><summary><code>{e(r['id'])}</code> ({e(r['kind'])}) — fails {e(', '.join(bad))}: "
                   f"{e(_short(r['question'], 120))}</summary><ul>")
        if r.get("history"):
            out.append(f"<li>after: {e(' / '.join(r['history']))}")
        out.append(f"<li>status <code>{e(r['status'])}</code>; first citation <code>{e(str(r['first_citation']))}</code>; "
                   f"gold {e(', '.join(r['gold']) or '—')}; retrieved {e(', '.join(r['retrieved_top5']) or '—')}")
        if r.get("error"):
            out.append(f"<li>error: {e(r['error'])}")
        if r.get("answer"):
            out.append(f"<li>answer:<blockquote>{e(r['answer'])}</blockquote>")
        for c in r["citations"]:
            out.append(f"<li>cited [{e(c['ref'])}]: <q>{e(_short(c['quote'], 300))}</q>")
        for s in (r.get("grounding") or {}).get("sentences", []):
            if not s["supported"]:
                out.append(f"<li>unsupported: <q>{e(_short(s['text'], 300))}</q> ({e(s['reason'])})")
        if r.get("key_facts", {}).get("missing"):
            out.append(f"<li>missing key facts: {e(', '.join(r['key_facts']['missing']))}")
        if r["invalid_refs"] or r["quote_mismatches"]:
            out.append(f"<li>invalid refs: {e(', '.join(r['invalid_refs']) or '—')}; "
                       f"quote mismatches: {e(', '.join(r['quote_mismatches']) or '—')}")
        out.append("</ul></details>")
    out.append("</body></html>")
    return "\n".join(out)


def check_report_path(path: str | Path) -> Path:
    """Refuse a report path we cannot render before a run starts."""
    p = Path(path)
    if p.suffix.lower() not in (".md", ".markdown", ".html", ".htm"):
        raise InvalidInput(f"report path {p} must end in .md or .html")
    return p


def write_report(report: dict, path: str | Path) -> list[Path]:
    """Write PATH.md (plus PATH.svg beside it) or PATH.html; returns the files written."""
    p = check_report_path(path)
    suffix = p.suffix.lower()
    p.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".html", ".htm"):
        p.write_text(render_html(report), encoding="utf-8")
        return [p]
    svg = p.with_suffix(".svg")
    svg.write_text(bar_chart_svg(report), encoding="utf-8")
    p.write_text(render_markdown(report, svg_name=svg.name), encoding="utf-8")
    return [p, svg]
