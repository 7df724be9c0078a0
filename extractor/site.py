"""The Datasette site: its command line, and the HTML our plugin puts in pages.

Everything here that makes HTML escapes article text itself and returns
`Markup`, so templates never need `|safe` on anything a news site wrote.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import date
from html import escape
from pathlib import Path

import yaml
from markupsafe import Markup

# db/ sits beside the package in the repository (an editable install).
DB_DIR = Path(__file__).resolve().parent.parent / "db"
METADATA_NAME = "bhyt"  # the database key in metadata.yml

# The audit's table; its query joins the site only once the audit has filled it.
CHECKS_QUERY = {
    "title": "Figures that do not add up",
    "description": "Audit verdicts that found a figure inconsistent with the others, "
                   "the furthest off first (off_by: the gap in percent of the reported value).",
    "sql": "SELECT * FROM checks WHERE status = 'inconsistent' ORDER BY off_by DESC, id",
}

CHART_SQL = """
SELECT period_end, date, metric, value, qualifier, source, id
FROM facts
WHERE locality = :locality AND metric IN ('coverage_rate', 'target_rate')
  AND "group" IS NULL AND period_end IS NOT NULL
  AND (:unit = '' OR unit = :unit) AND (:province = '' OR province = :province)
ORDER BY period_end, metric
"""


def metadata_for(db_path: str) -> dict:
    """metadata.yml with its database section keyed by the name Datasette gives `db_path`."""
    metadata = yaml.safe_load((DB_DIR / "metadata.yml").read_text(encoding="utf-8"))
    name = Path(db_path).stem
    databases = metadata.get("databases", {})
    if name != METADATA_NAME and METADATA_NAME in databases:
        databases[name] = databases.pop(METADATA_NAME)
    return metadata


def templates_for(db_path: str, into: Path) -> Path:
    """db/templates, with the templates named after the `bhyt` database renamed for the one
    served (Datasette picks `_table-row-<database>-facts.html` by the file's name)."""
    name = Path(db_path).stem
    for template in (DB_DIR / "templates").iterdir():
        target = template.name.replace(f"-{METADATA_NAME}-", f"-{name}-")
        shutil.copyfile(template, into / target)
    return into


def datasette_args(db_path: str, metadata_path: str, *, host: str, port: int,
                   template_dir: Path = DB_DIR / "templates") -> list[str]:
    """`datasette serve` arguments for the product site: our metadata, templates, plugins."""
    settings = json.loads((DB_DIR / "settings.json").read_text(encoding="utf-8"))
    args = ["serve", db_path, "--metadata", metadata_path,
            "--template-dir", str(template_dir),
            "--plugins-dir", str(DB_DIR / "plugins"),
            "--host", host, "--port", str(port)]
    for key, value in settings.items():
        args += ["--setting", key, str(value)]
    return args


def highlight(evidence: str, start: int | None, end: int | None,
              evidence_start: int | None, surface: str | None) -> Markup:
    """The evidence sentence, escaped, with the fact's number in <mark>.

    The stored offsets locate the number; without them (facts loaded from
    elsewhere) the first occurrence of its surface form does.
    """
    lo = hi = None
    if None not in (start, end, evidence_start):
        lo, hi = start - evidence_start, end - evidence_start
    elif surface and surface in evidence:
        lo = evidence.index(surface)
        hi = lo + len(surface)
    if lo is None or not 0 <= lo < hi <= len(evidence):
        return Markup(escape(evidence))
    return Markup(f"{escape(evidence[:lo])}<mark>{escape(evidence[lo:hi])}</mark>"
                  f"{escape(evidence[hi:])}")


def chart_svg(points: list[tuple[str, str, float]], *, width: int = 640,
              height: int = 300) -> Markup:
    """An inline SVG line chart of (period_end, metric, value) percent points over time.

    Coverage is a solid line with dots, targets hollow dots; the y axis runs
    from 0 to 100% (further when a figure exceeds it).
    """
    pad_l, pad_r, pad_t, pad_b = 44, 16, 16, 32
    days = [date.fromisoformat(p[0]).toordinal() for p in points]
    # A margin keeps the end dots inside; a single date still gets a year's axis.
    margin = max(180, (max(days) - min(days)) // 20)
    lo, hi = min(days) - margin, max(days) + margin
    top = max([100.0, *(p[2] for p in points)])

    def x(day: int) -> float:
        return pad_l + (day - lo) / (hi - lo) * (width - pad_l - pad_r)

    def y(value: float) -> float:
        return height - pad_b - value / top * (height - pad_t - pad_b)

    parts = [f'<svg class="bhyt-chart" xmlns="http://www.w3.org/2000/svg" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">']
    for tick in (0, 25, 50, 75, 100):
        parts.append(f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="#ddd"/>'
                     f'<text x="{pad_l - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{tick}%</text>')
    for year in range(date.fromordinal(lo).year + 1, date.fromordinal(hi).year + 1):
        xx = x(date(year, 1, 1).toordinal())
        parts.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{pad_t}" y2="{height - pad_b}" '
                     f'stroke="#eee"/><text x="{xx:.1f}" y="{height - pad_b + 16}" '
                     f'text-anchor="middle" font-size="11">{year}</text>')
    coverage = [(x(d), y(p[2])) for d, p in zip(days, points, strict=True)
                if p[1] == "coverage_rate"]
    if len(coverage) > 1:
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b in coverage)
        parts.append(f'<polyline class="coverage" points="{path}" fill="none" '
                     f'stroke="#1f6fb2" stroke-width="2"/>')
    for d, (day_end, metric, value) in zip(days, points, strict=True):
        fill = "#1f6fb2" if metric == "coverage_rate" else "white"
        label = escape(f"{metric} {value:g}% ({day_end})")
        parts.append(f'<circle class="{escape(metric)}" cx="{x(d):.1f}" cy="{y(value):.1f}" '
                     f'r="4" fill="{fill}" stroke="#1f6fb2"><title>{label}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


def run_datasette(db_path: str, *, host: str, port: int, get: str | None = None) -> None:
    """Run Datasette on `db_path` with the product's configuration (exits when it stops)."""
    from datasette.cli import cli as datasette_cli

    with tempfile.TemporaryDirectory(prefix="bhyt-site-") as tmp:
        metadata_path = Path(tmp) / "metadata.json"
        metadata_path.write_text(json.dumps(metadata_for(db_path), ensure_ascii=False),
                                 encoding="utf-8")
        templates = Path(tmp) / "templates"
        templates.mkdir()
        args = datasette_args(db_path, str(metadata_path), host=host, port=port,
                              template_dir=templates_for(db_path, templates))
        if get:
            args += ["--get", get]
        datasette_cli.main(args=args, prog_name="datasette")
