"""HTML building blocks of the report: number formatting, tables, figures, the page and its CSS.

Everything is escaped here and nothing refers outside the page: figures are data URIs, the CSS is
inline and fonts are the reader's own, so a report opens offline and makes no request.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

NA = "n/a"
STACK_FROM = 5
"""Columns from which a table stacks its rows on a narrow screen (`table`)."""

CSS = """
:root { --strategy: #1f5fa8; --benchmark: #e08a1e; --ink: #1d2329; --muted: #5d6770;
  --rule: #d9dee3; --band: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45; font-size: 15px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 0 20px 40px; }
header, section { padding: 14px 0 6px; border-bottom: 1px solid var(--rule); }
h1 { font-size: 1.6em; margin: 10px 0 4px; }
h2 { font-size: 1.25em; margin: 8px 0 6px; }
h3 { font-size: 1.02em; margin: 14px 0 4px; }
p, li { max-width: 80ch; overflow-wrap: anywhere; }
.lead { color: var(--muted); margin: 2px 0 8px; }
.banner { background: #c0392b; color: #fff; font-weight: 700; padding: 10px 14px;
  border-radius: 4px; margin: 10px 0; letter-spacing: .02em; }
.banner.sticky { position: sticky; top: 0; z-index: 10; }
.notes { background: #fff8e1; border-left: 4px solid #f0b429; padding: 6px 12px 6px 30px;
  margin: 8px 0; }
.notes li { margin: 2px 0; }
.verdict { font-size: 1.05em; background: var(--band); padding: 8px 12px; border-radius: 4px; }
nav { font-size: .9em; margin: 6px 0 2px; display: flex; flex-wrap: wrap; gap: 2px 0; }
nav a { margin-right: 10px; color: var(--strategy); text-decoration: none; white-space: nowrap; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: .9em;
  font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--rule); text-align: right;
  vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.l, th.l { text-align: left; }
td.l { white-space: normal; min-width: 7em; }  /* a date stays whole, a sentence wraps */
.params { column-width: 17em; column-gap: 24px; font-size: .88em; margin: 2px 0 8px; }
.params div { break-inside: avoid; padding: 1px 0; border-bottom: 1px dotted var(--rule);
  display: flex; justify-content: space-between; gap: 10px; }
.params .k { color: var(--muted); }
.params .v { font-weight: 600; text-align: right; overflow-wrap: anywhere; }
tbody tr:nth-child(even) { background: #fafbfc; }
table.months { margin: 6px 0 0; }
table.months th { white-space: nowrap; }
table.months td { padding: 3px 6px; min-width: 4.2em; }
table.months td.year { font-weight: 600; border-left: 2px solid var(--rule); }
table.months tbody th { position: sticky; left: 0; }  /* the year stays when months scroll */
.scroll { overflow-x: auto; }
.grid { display: flex; flex-wrap: wrap; gap: 4px 28px; align-items: flex-start; }
.pair figure { flex: 1 1 420px; max-width: calc(50% - 14px); }
@media (max-width: 900px) { .pair figure { max-width: 100%; } }
@media (max-width: 600px) {
  main { padding: 0 10px 30px; }
  th, td { padding: 3px 6px; }
  td.l { white-space: normal; min-width: 7em; }
  .params { column-width: auto; columns: 1; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack thead { display: none; }
  table.stack tr { border-bottom: 2px solid var(--rule); padding: 4px 0; }
  table.stack td { border: 0; text-align: right; padding: 1px 4px; white-space: normal;
    min-height: 1.6em; display: flow-root;
    overflow-wrap: anywhere; }
  table.stack td::before { content: attr(data-label); float: left; color: var(--muted);
    margin-right: 10px; text-align: left; }
  table.stack td.l { text-align: right; }
}
.swatch-s { color: var(--strategy); font-weight: 700; }
.swatch-b { color: var(--benchmark); font-weight: 700; }
figure { margin: 8px 0 12px; }
figure img { max-width: 100%; height: auto; display: block; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: .88em; margin-top: 4px; max-width: 90ch; }
dl.manifest { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.manifest dt { font-weight: 600; }
dl.manifest dd { margin: 0; overflow-wrap: anywhere; }
pre { background: var(--band); padding: 8px 10px; margin: 0; font-size: .82em;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.toggle > input { position: absolute; opacity: 0; }
.toggle > label { display: inline-block; padding: 2px 10px; border: 1px solid var(--rule);
  cursor: pointer; font-size: .88em; }
.toggle > input:checked + label { background: var(--strategy); color: #fff; }
.toggle > input:focus-visible + label { outline: 2px solid var(--ink); }
.toggle > .view-2 { display: none; }
.toggle > input.pick-2:checked ~ .view-2 { display: block; }
.toggle > input.pick-2:checked ~ .view-1 { display: none; }
details > summary { cursor: pointer; color: var(--strategy); margin: 4px 0; }
@page { margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; }
  table { font-size: 8.5pt; }
  th, td { padding: 2px 6px; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  header, section { border: 0; }
  figure, table, .notes, .verdict, dl, pre { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .scroll { overflow: visible; }
  .banner, th, .notes, table.months td { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""


def esc(text: object) -> str:
    """Escape any value for HTML text or attributes.

    The one place where text from a user's files (a readings file's source, a support level's
    name, a ticker) is made safe for HTML: the report and the runs index show text only
    through it.
    """
    return html.escape(str(text), quote=True)


def missing(value: object) -> bool:
    """True for None, NaN, infinities and the empty string: values printed as "n/a"."""
    if value is None or (isinstance(value, str) and value == ""):
        return True
    return isinstance(value, float) and not math.isfinite(value)


def num(
    value: object, scale: float = 1.0, digits: int = 2, signed: bool = False, width: int = 0
) -> str:
    """Format a number times ``scale`` with thousands separators; missing values as "n/a".

    The one number formatter of the console and the report. It never prints "-0" or "-0.00": a
    value that rounds to zero is zero (rounding residue such as -1e-17 has no sign worth
    showing). ``width`` right-aligns the text in that many characters (a console column).
    """
    if missing(value):
        text = NA
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int | float):
        sign = "+" if signed else ""
        shown = round(float(value) * scale, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
        text = f"{shown:{sign},.{digits}f}"
    else:
        text = str(value)
    return f"{text:>{width}}"


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    left: int = 1,
    table_id: str | None = None,
) -> str:
    """A table of text cells (escaped here); the first ``left`` columns align left.

    A table of `STACK_FROM` columns or more stacks on a narrow screen: each row becomes a
    block, each cell labelled with its column's header (``data-label``), so that no column is
    cut off; a narrower one scrolls sideways inside its box.
    """

    def cells(values: Sequence[object], tag: str) -> str:
        parts = []
        for i, v in enumerate(values):
            align = ' class="l"' if i < left else ""
            named = f' data-label="{esc(header[i])}"' if tag == "td" and i < len(header) else ""
            parts.append(f"<{tag}{align}{named}>{esc(v)}</{tag}>")
        return "".join(parts)

    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows)
    ident = f' id="{esc(table_id)}"' if table_id else ""
    stack = ' class="stack"' if len(header) >= STACK_FROM else ""
    return (
        f'<div class="scroll"><table{ident}{stack}><thead><tr>{cells(header, "th")}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def figure(png: bytes, name: str, alt: str, caption: str) -> str:
    """An embedded PNG (data URI of the same bytes as the file ``name``) with its caption."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}" '
        f'data-file="{esc(name)}"><figcaption>{esc(caption)}</figcaption></figure>'
    )


def section(ident: str, title: str, body: str, lead: str = "") -> str:
    """A report section with a stable id, a heading and an optional one-line reading guide."""
    guide = f'<p class="lead">{esc(lead)}</p>' if lead else ""
    return f'<section id="{esc(ident)}"><h2>{esc(title)}</h2>{guide}{body}</section>\n'


def bullet_list(items: Iterable[str], css: str = "notes") -> str:
    """A list of plain-text items in a highlighted box; nothing when there are none."""
    entries = "".join(f"<li>{esc(item)}</li>" for item in items)
    return f'<ul class="{css}">{entries}</ul>' if entries else ""


def flatten(values: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts as dotted keys with short text values; lists as compact JSON."""
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            pairs.extend(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple | dict):
            pairs.append((name, json.dumps(value, default=str)))
        else:
            pairs.append((name, "none" if value is None else str(value)))
    return pairs


def params(values: dict[str, Any]) -> str:
    """Key-value pairs flowing in columns, compact enough for a page's header."""
    items = "".join(
        f'<div><span class="k">{esc(key)}</span> <span class="v">{esc(text)}</span></div>'
        for key, text in flatten(values)
    )
    return f'<div class="params">{items}</div>'


def definitions(values: dict[str, Any]) -> str:
    """A definition list: scalars as text, dicts as dotted key-value pairs, lists as JSON."""
    parts = []
    for key, value in values.items():
        if isinstance(value, dict):
            shown = params(value)
        elif isinstance(value, list | tuple):
            shown = f"<pre>{esc(json.dumps(value, indent=1, default=str))}</pre>"
        else:
            shown = esc(NA if missing(value) else value)
        parts.append(f"<dt>{esc(key)}</dt><dd>{shown}</dd>")
    return f'<dl class="manifest">{"".join(parts)}</dl>'


def page(title: str, nav: Sequence[tuple[str, str]], body: str) -> str:
    """The whole document: inline CSS, a contents line, the sections; no external resource."""
    links = "".join(f'<a href="#{esc(ident)}">{esc(label)}</a>' for ident, label in nav)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n"
        f"<body><main><nav>{links}</nav>\n{body}</main></body></html>\n"
    )


def toggle(name: str, first: tuple[str, str], second: tuple[str, str]) -> str:
    """Two views of one thing with a switch between them, in CSS alone (the page runs no script).

    ``first`` and ``second`` are (label, HTML); the first shows until the second is picked.
    """
    ident = esc(name)
    return (
        f'<div class="toggle"><input type="radio" name="{ident}" id="{ident}-1" checked>'
        f'<label for="{ident}-1">{esc(first[0])}</label>'
        f'<input type="radio" name="{ident}" id="{ident}-2" class="pick-2">'
        f'<label for="{ident}-2">{esc(second[0])}</label>'
        f'<div class="view-1">{first[1]}</div><div class="view-2">{second[1]}</div></div>'
    )
