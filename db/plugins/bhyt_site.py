"""Datasette hooks of the bhyt site; the HTML itself is made (and escaped) in extractor.site."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from extractor import site


def _get(row, key: str):
    # Table pages may show a subset of columns (?_col=), so a column can be absent.
    return row[key] if row is not None and key in row.keys() else None


def _chart_url(datasette, database: str, row) -> str:
    place = {k: _get(row, k) or "" for k in ("locality", "unit", "province")}
    return f"{datasette.urls.database(database)}/-/chart?{urlencode(place)}"


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table == "facts" and column == "evidence" and isinstance(value, str):
        return site.highlight(value, _get(row, "start"), _get(row, "end"),
                              _get(row, "evidence_start"), _get(row, "surface"))
    if table == "facts" and column == "article_id" and isinstance(value, str):
        # The row page does not expand foreign keys as the table page does (there the
        # value arrives as a dict and Datasette's own link stands).
        url = datasette.urls.row(database, "articles", value)
        label = _get(row, "source") or value
        return Markup(f'<a href="{escape(url)}">{escape(label)}</a>')
    if table == "checks" and column == "source" and isinstance(value, str):
        url = f"{datasette.urls.table(database, 'articles')}?{urlencode({'source': value})}"
        return Markup(f'<a href="{escape(url)}">{escape(value)}</a>')
    if table == "checks" and column == "facts" and isinstance(value, str):
        try:
            ids = [str(i) for i in json.loads(value)]
        except ValueError:
            return None
        return Markup(", ".join(f'<a href="{escape(datasette.urls.row(database, "facts", i))}">'
                                f"{escape(i)}</a>" for i in ids))
    if column == "locality" and isinstance(value, str) and database:
        return Markup(f'<a href="{escape(_chart_url(datasette, database, row))}" '
                      f'title="coverage chart">{escape(value)}</a>')
    return None


async def coverage_chart(request, datasette):
    """/<database>/-/chart?locality=&unit=&province=: one place's coverage over time."""
    name = request.url_vars["database"]
    try:
        db = datasette.get_database(name)
    except KeyError:
        raise NotFound(f"Database not found: {name}") from None
    place = {k: request.args.get(k, "") for k in ("locality", "unit", "province")}
    rows = (await db.execute(site.CHART_SQL, place)).rows
    points = [(r["period_end"], r["metric"], r["value"]) for r in rows]
    history = urlencode({"locality": place["locality"], "province": place["province"]})
    html = await datasette.render_template("bhyt_chart.html", {
        "database": name,
        **place,
        "rows": rows,
        "svg": site.chart_svg(points) if points else None,
        "history_url": f"{datasette.urls.database(name)}/locality_history?{history}",
        "fact_url": lambda pk: datasette.urls.row(name, "facts", pk),
    }, request=request)
    return Response.html(html)


async def connected_databases(request, datasette):
    """Datasette's /-/databases without `path`: the server's folders are nobody's business."""
    return Response.json([
        {"name": d.name, "route": d.route, "path": Path(d.path).name if d.path else None,
         "size": d.size, "is_mutable": d.is_mutable, "is_memory": d.is_memory, "hash": d.hash}
        for name, d in datasette.databases.items() if name != "_internal"])


@hookimpl
def register_routes():
    # Plugin routes are matched before Datasette's own, so this one replaces /-/databases.
    return [(r"^/(?P<database>[^/]+)/-/chart$", coverage_chart),
            (r"^/-/databases(\.json)?$", connected_databases)]


@hookimpl
def canned_queries(datasette, database):
    async def inner():
        if await datasette.get_database(database).table_exists("checks"):
            return {"figures_that_do_not_add_up": site.CHECKS_QUERY}
        return {}

    return inner
