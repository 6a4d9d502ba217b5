"""A reference publication site, built from a copy of the feed alone: proof that the contract
(docs/feed.md) suffices. Python's standard library only; nothing from the module's own code.

    python site/build.py [--feed .local/feed] [--out .local/site]        (./dev site)

It starts where a site starts, at the feed's root `index.json`, and writes static pages that
work from disk or any web server, without JavaScript:

- `index.html`: every instrument and cycle the feed holds;
- `<instrument>/<cycle>/index.html`: the national figures (`national.json`: table and SVG
  chart, the method as the feed states it) and every municipality, by province;
- `<instrument>/<cycle>/<code>.html`: one page per municipality in the cycle index: its
  share that agrees per statement against the national figure (table and SVG), its other
  answers by section, or the retraction;
- `<instrument>/<cycle>/zoeken.html`: the search by name (official and common names); without
  JavaScript it is the complete A–Z list with letter jumps (the search field suggests names
  from the browser's own list), with JavaScript it also narrows the list to what was typed;
- `<instrument>/<cycle>/rapport/<code>.html`: the feed's own report, copied.

Fields it does not know are ignored, as the contract asks of every site.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TITLE = {"ceo-wmo": "Cliëntervaringsonderzoek Wmo", "ceo-jeugd": "Cliëntervaringsonderzoek Jeugd"}
DARK, LIGHT = "#154273", "#6e6e6e"  # both ≥ 4.5:1 on white

CSS = """
*{box-sizing:border-box}
body{font-family:Arial,Helvetica,sans-serif;line-height:1.5;color:#1a1a1a;background:#fff;margin:0}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}
.skip:focus{left:1rem}
header,main,footer{max-width:64rem;margin:0 auto;padding:1rem}
header{border-bottom:4px solid #154273}
header a{color:#154273;font-weight:bold;text-decoration:none}
a{color:#154273}a:focus,button:focus,input:focus{outline:3px solid #e17000;outline-offset:2px}
h1{font-size:1.9rem;margin:.5rem 0;overflow-wrap:break-word}
main{overflow-wrap:break-word}
.scroll{overflow-x:auto;position:relative;margin:1rem 0}.scroll table{margin:0}
.scroll:focus{outline:3px solid #e17000}
h2{font-size:1.4rem;margin-top:2rem}h3{font-size:1.1rem}
@media (max-width:30rem){h1{font-size:1.5rem}h2{font-size:1.25rem}}
table{border-collapse:collapse;width:100%;margin:1rem 0}
caption{text-align:left;font-weight:bold;padding:.3rem 0}
th,td{text-align:left;border-bottom:1px solid #b1b4b6;padding:.4rem .6rem .4rem 0;
vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
.muted{color:#535353}
.nr{white-space:nowrap}
.tag{display:inline-block;border:1px solid #535353;border-radius:3px;padding:0 .3rem;
font-size:.85rem}
.headline{font-size:1.15rem;border-left:5px solid #154273;padding:.5rem 1rem;white-space:pre-wrap}
.text{white-space:pre-wrap}
.cols{columns:18rem}.cols li{break-inside:avoid}
nav.letters a{display:inline-block;min-width:2rem;padding:.2rem;text-align:center}
form.search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:1rem 0}
form.search label{width:100%;font-weight:bold}
input[type=search]{font-size:1rem;padding:.4rem;border:2px solid #1a1a1a;width:16rem;
max-width:100%}
button{font-size:1rem;padding:.45rem 1rem;background:#154273;color:#fff;border:0;cursor:pointer}
svg text{font-family:Arial,Helvetica,sans-serif;font-size:13px;fill:#1a1a1a}
.legend span{display:inline-block;margin-right:1rem}
.swatch{display:inline-block;width:1rem;height:1rem;vertical-align:middle;margin-right:.3rem}
"""

# With JavaScript, the A–Z list narrows to the names that contain what was typed; without,
# it is the whole list. Inline, so the page stays one file.
FILTER_SCRIPT = """
(function () {
  var q = new URLSearchParams(location.search).get('q');
  if (!q) return;
  var plain = function (s) {
    return s.normalize('NFD').replace(/[\\u0300-\\u036f]/g, '').toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ').trim();
  };
  var wanted = plain(q), shown = 0;
  document.getElementById('q').value = q;
  document.querySelectorAll('[data-name]').forEach(function (item) {
    var hit = item.getAttribute('data-name').indexOf(wanted) >= 0;
    item.hidden = !hit; if (hit) shown++;
  });
  document.querySelectorAll('section.letter').forEach(function (section) {
    section.hidden = !section.querySelector('[data-name]:not([hidden])');
  });
  document.querySelectorAll('nav.letters a').forEach(function (link) {
    link.hidden = document.getElementById(link.hash.slice(1)).parentNode.hidden;
  });
  var status = document.getElementById('found');
  status.textContent = shown + (shown === 1 ? ' gemeente gevonden' : ' gemeenten gevonden') +
    ' voor \\u2018' + q + '\\u2019.';
})();
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def plain(text: str) -> str:
    """Lower case, without accents and punctuation: how names are compared in the search."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", text)
                       if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]+", " ", stripped.lower()).strip()


MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
# The reference site knows its instrument's figures in words ({value}: the percentage); a
# figure it does not know is shown with its label.
SENTENCES = {(instrument, "respons"):
             "Van de benaderde personen vulde {value} de vragenlijst in (de respons)."
             for instrument in ("ceo-wmo", "ceo-jeugd")}


def dutch_date(text: Any) -> str:
    """'2026-12-07' or an ISO timestamp → '7 december 2026' (the date as written there)."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", str(text or ""))
    if not match:
        return esc(text)
    year, month, day = (int(part) for part in match.groups())
    return f"{day} {MONTHS[month - 1]} {year}"


def number(value: float | int | None) -> str:
    """Dutch notation: 75,5."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return f"{int(value):,}".replace(",", ".")


_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_CAPTION = re.compile(r"<caption>(.*?)</caption>", re.S)


def scrollable_tables(body: str) -> str:
    """Every table in a box that scrolls sideways on a phone (the page itself never does),
    named after its caption and reachable with the keyboard."""
    def box(match: re.Match) -> str:
        caption = _CAPTION.search(match.group(0))
        label = re.sub(r"<[^>]+>", "", caption.group(1)) if caption else "Tabel"
        return (f'<div class="scroll" role="region" tabindex="0" aria-label="{label}">'
                f"{match.group(0)}</div>")
    return _TABLE.sub(box, body)


def page(title: str, body: str, depth: int, script: str = "") -> str:
    up = "../" * depth
    body = scrollable_tables(body)
    return f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="stylesheet" href="{up}site.css">
</head>
<body>
<a class="skip" href="#inhoud">Naar de inhoud</a>
<header><a href="{up}index.html">Cliëntervaringsonderzoek – gemeenten</a></header>
<main id="inhoud">
{body}
</main>
<footer class="muted"><p>Gebouwd uit een kopie van de publicatiefeed van de Aanlevermodule
CEO (feed v1), met alleen wat de feed zelf beschrijft.</p></footer>
{f"<script>{script}</script>" if script else ""}
</body>
</html>
"""


class Feed:
    """A copy of the feed on disk, read by the paths its own indexes give."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, path: str) -> Path:
        """Where `path` (as an index gives it) is on disk; never outside the feed."""
        target = (self.directory / path).resolve()
        if not target.is_relative_to(self.directory.resolve()):
            raise ValueError(f"path outside the feed: {path}")
        return target

    def read(self, path: str) -> Any:
        return json.loads(self.path(path).read_text(encoding="utf-8"))

    def cycles(self) -> list[tuple[str, int, dict[str, Any]]]:
        """(instrument, cycle, root entry), newest cycle first."""
        root = self.read("index.json")
        found = [(instrument, int(cycle), entry)
                 for instrument, listed in root.get("instruments", {}).items()
                 for cycle, entry in listed.get("cycles", {}).items()]
        return sorted(found, key=lambda item: (item[0], -item[1]))


def search_form(municipalities: dict[str, dict[str, Any]]) -> str:
    names = sorted({name for entry in municipalities.values()
                    for name in (entry["name"], entry.get("common_name") or entry["name"])},
                   key=plain)
    options = "".join(f'<option value="{esc(name)}">' for name in names)
    return f"""<form class="search" role="search" action="zoeken.html" method="get">
<label for="q">Zoek een gemeente op naam</label>
<input id="q" name="q" type="search" list="gemeentenamen" autocomplete="off">
<datalist id="gemeentenamen">{options}</datalist>
<button type="submit">Zoeken</button>
</form>"""


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, list[tuple[str, float | None,
              str]]]]) -> str:
    """Horizontal bars, 0–100 %: per row a label and one or more (series, value, colour).
    The numbers are in the text alternative too (and in the table beside every chart)."""
    bar_height, gap, label_width, scale = 16, 10, 90, 4.6
    series_count = max((len(values) for _, values in rows), default=1)
    row_height = series_count * bar_height + gap
    height = len(rows) * row_height + 24
    parts, described = [], []
    for n, (label, values) in enumerate(rows):
        y = n * row_height
        parts.append(f'<text x="0" y="{y + series_count * bar_height / 2 + 5}">'
                     f'{esc(label)}</text>')
        for k, (_series, value, colour) in enumerate(values):
            top = y + k * bar_height
            width = (value or 0) * scale
            parts.append(f'<rect x="{label_width}" y="{top + 2}" width="{width:.1f}" '
                         f'height="{bar_height - 4}" fill="{colour}"></rect>')
            parts.append(f'<text x="{label_width + width + 6:.1f}" y="{top + bar_height - 4}">'
                         f'{esc(number(value) + "%" if value is not None else "niet getoond")}'
                         f'</text>')
        described.append(f"{label}: " + ", ".join(
            f"{series} {number(value)}%" if value is not None else f"{series} niet getoond"
            for series, value, _ in values))
    axis = height - 18
    for tick in (0, 50, 100):
        x = label_width + tick * scale
        parts.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{axis}" stroke="#b1b4b6" '
                     'stroke-width="1"></line>')
        parts.append(f'<text x="{x - 8}" y="{axis + 14}">{tick}%</text>')
    width = label_width + 100 * scale + 60
    return (f'<svg role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
            f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">'
            f'<title id="{chart_id}-t">{esc(title)}</title>'
            f'<desc id="{chart_id}-d">{esc("; ".join(described))}.</desc>'
            + "".join(parts) + "</svg>")


def agree_label(row: dict[str, Any]) -> str:
    return row.get("agree_label") or "(helemaal) mee eens"


def cycle_page(instrument: str, cycle: int, index: dict[str, Any],
               national: dict[str, Any] | None) -> str:
    municipalities = index.get("municipalities", {})
    title = f"{TITLE.get(instrument, instrument)} {cycle}"
    published = [c for c, e in municipalities.items() if e["status"] == "published"]
    retracted = [c for c, e in municipalities.items() if e["status"] == "retracted"]
    late = [c for c in published if municipalities[c].get("late")]
    body = [f"<h1>{esc(title)}</h1>",
            f'<p>Onderzoek over de ondersteuning in {cycle - 1}, aangeleverd in {cycle}. '
            f'{len(published)} gemeenten publiceerden hun uitkomsten'
            f'{f", waarvan {len(late)} na de termijn" if late else ""}'
            f'{f"; van {len(retracted)} is de aanlevering ingetrokken" if retracted else ""}.</p>',
            search_form(municipalities)]
    questions = (national or {}).get("questions", {})
    if questions:
        body.append("<h2>Landelijke uitkomsten</h2>")
        body.append(f'<p>{esc(national.get("method", ""))}</p>' if national else "")
        body.append(bar_chart(
            "landelijk", f"Landelijk percentage dat het eens is, per vraag ({cycle})",
            [(f"Vraag {n}", [("landelijk", q["agree"], DARK)])
             for n, q in enumerate(questions.values(), start=1)]))
        rows = "".join(
            f'<tr data-question="{esc(qid)}" data-agree="{esc(q["agree"])}" '
            f'data-municipalities="{esc(q["municipalities"])}" '
            f'data-valid-answers="{esc(q["valid_answers"])}">'
            f'<th scope="row">Vraag {n}. {esc(q["label"])}</th>'
            f'<td class="num">{number(q["agree"])}%</td>'
            f'<td class="num">{number(q["municipalities"])}</td>'
            f'<td class="num">{number(q["valid_answers"])}</td></tr>'
            for n, (qid, q) in enumerate(questions.items(), start=1))
        body.append('<table id="landelijk-tabel"><caption>Landelijke uitkomsten per vraag'
                    '</caption><thead><tr><th scope="col">Stelling</th>'
                    '<th scope="col" class="num">Eens</th>'
                    '<th scope="col" class="num">Gemeenten</th>'
                    '<th scope="col" class="num">Geldige antwoorden</th></tr></thead>'
                    f"<tbody>{rows}</tbody></table>")
        minimum = national.get("privacy_minimum_valid_answers") if national else None
        if minimum:
            body.append(f'<p class="muted">Uitkomsten met minder dan {esc(minimum)} geldige '
                        "antwoorden tellen niet mee en worden nergens getoond.</p>")
    body.append("<h2>Gemeenten</h2>")
    by_province: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for code, entry in municipalities.items():
        by_province.setdefault(entry.get("province") or "Overig", []).append((code, entry))
    for province in sorted(by_province, key=plain):
        items = "".join(
            f'<li><a href="{esc(code)}.html">{esc(entry.get("common_name") or entry["name"])}'
            f"</a>{status_tag(entry)}</li>"
            for code, entry in sorted(by_province[province],
                                      key=lambda item: plain(item[1].get("common_name")
                                                             or item[1]["name"])))
        body.append(f'<h3>{esc(province)}</h3><ul class="cols">{items}</ul>')
    return page(title, "\n".join(body), depth=2)


def status_tag(entry: dict[str, Any]) -> str:
    if entry["status"] == "retracted":
        return ' <span class="tag">ingetrokken</span>'
    if entry.get("late"):
        return ' <span class="tag">na de termijn</span>'
    return ""


def municipality_page(document: dict[str, Any], national: dict[str, Any] | None,
                      has_report: bool) -> str:
    municipality = document["municipality"]
    shown = municipality.get("common_name") or municipality["name"]
    instrument, cycle = document["instrument"], document["cycle"]
    title = f"{shown} – {TITLE.get(instrument, instrument)} {cycle}"
    body = [f'<p class="muted"><a href="index.html">{esc(TITLE.get(instrument, instrument))} '
            f"{cycle}</a></p>", f"<h1>{esc(shown)}</h1>"]
    if shown != municipality["name"]:
        body.append(f'<p class="muted">Officiële naam: {esc(municipality["name"])}</p>')
    if municipality.get("province"):
        body.append(f'<p class="muted">Provincie {esc(municipality["province"])}</p>')
    if document["status"] == "retracted":
        body.append(f"<p>Voor {esc(shown)} is voor het onderzoek over {cycle - 1} geen geldige "
                    "aanlevering beschikbaar: een eerdere aanlevering is ingetrokken. Deze "
                    "gemeente telt niet mee in de landelijke uitkomsten.</p>")
        return page(title, "\n".join(body), depth=2)
    delivery = document.get("delivery") or {}
    sent = dutch_date(delivery.get("sent_at"))
    body.append(f'<p class="muted">Aanlevering <span class="nr">{esc(delivery.get("id"))}'
                f'</span>, verzonden op {sent}'
                f'{" (na de termijn)" if document.get("late") else ""}.</p>')
    if document.get("survey_held") is False:
        year = document.get("measurement_year") or cycle - 1
        body.append(f"<p>Deze gemeente heeft geen cliëntervaringsonderzoek over {esc(year)} "
                    "gedaan. Hieronder staat waarom, en wanneer het volgende onderzoek is.</p>")
    if document.get("headline"):
        body.append(f'<h2>Belangrijkste uitkomsten</h2><p class="headline">'
                    f'{esc(document["headline"]["text"])}</p>')
    scores = document.get("scores", [])
    if scores:
        landelijk = (national or {}).get("questions", {})
        body.append("<h2>Uitkomsten op de standaardvragen</h2>")
        body.append('<p>Percentage van de cliënten dat het eens is met de stelling, naast het '
                    'landelijke percentage. <span class="legend"><span><span class="swatch" '
                    f'style="background:{DARK}"></span>{esc(shown)}</span><span><span '
                    f'class="swatch" style="background:{LIGHT}"></span>landelijk</span>'
                    "</span></p>")
        body.append(bar_chart(
            "gemeente", f"{shown} tegen landelijk: percentage dat het eens is, per vraag",
            [(f"Vraag {n}", [(shown, None if row["withheld"] else row.get("agree"), DARK),
                             ("landelijk", landelijk.get(row["question_id"], {}).get("agree"),
                              LIGHT)])
             for n, row in enumerate(scores, start=1)]))
        rows = []
        for n, row in enumerate(scores, start=1):
            figure = landelijk.get(row["question_id"], {}).get("agree")
            own = (f'niet getoond: te weinig geldige antwoorden ({number(row["valid_answers"])})'
                   if row["withheld"] else f'{number(row.get("agree"))}% '
                   f'<span class="muted">{esc(agree_label(row))}</span>')
            rows.append(f'<tr data-question="{esc(row["question_id"])}">'
                        f'<th scope="row">Vraag {n}. {esc(row["label"])}{measured_tag(row)}'
                        f'</th><td>{own}</td>'
                        f'<td class="num">{number(figure) + "%" if figure is not None else "–"}'
                        f'</td><td class="num">{number(row["valid_answers"])}</td></tr>')
        body.append(f'<table><caption>{esc(shown)} en landelijk per vraag</caption><thead><tr>'
                    '<th scope="col">Stelling</th><th scope="col">Gemeente</th>'
                    '<th scope="col" class="num">Landelijk</th>'
                    '<th scope="col" class="num">Geldige antwoorden</th></tr></thead>'
                    f'<tbody>{"".join(rows)}</tbody></table>')
    sections: dict[str, list[dict[str, Any]]] = {}
    for answer in document.get("answers", []):
        sections.setdefault(answer.get("section") or "", []).append(answer)
    if sections or document.get("derived"):
        body.append("<h2>Alle antwoorden</h2>")
    if any(measured_tag(item) for item in [*scores, *document.get("answers", [])]):
        body.append('<p class="muted">Antwoorden met het kenmerk <span class="tag">uit de '
                    "meting</span> komen rechtstreeks uit de meting die de gemeente zelf in "
                    "de aanlevermodule deed: de aantallen zijn geteld, niet overgetypt.</p>")
    for section, answers in sections.items():
        rows = "".join(f'<tr><th scope="row">{esc(a.get("caption") or a["label"])}'
                       f'{measured_tag(a)}</th>'
                       f'<td class="text">{answer_html(a)}</td></tr>' for a in answers)
        body.append(f"<table><caption>{esc(section)}</caption><tbody>{rows}</tbody></table>")
    derived = document.get("derived", [])
    for d in derived:
        sentence = SENTENCES.get((instrument, d["id"]))
        body.append(f"<p>{esc(sentence.format(value=number(d['value']) + '%'))}</p>" if sentence
                    else f"<p>{esc(d['label'])}: {number(d['value'])}%</p>")
    if has_report:
        body.append(f'<p><a href="rapport/{esc(municipality["code"])}.html">Het rapport van '
                    f"{esc(shown)} zoals gepubliceerd</a></p>")
    body.append(f'<p class="muted">Versie {esc(document["revision"])}, gemaakt op '
                f'{dutch_date(document.get("generated_at"))}.</p>')
    return page(title, "\n".join(body), depth=2)


MEASURED_TAG = (' <span class="tag measured" title="Uitkomst van de eigen meting van de gemeente, '
                'niet overgetypt">uit de meting</span>')


def measured_tag(item: dict[str, Any]) -> str:
    """The mark of a value the municipality's own measurement supplied (`source`); one that
    adds up several client lists' measurements (`by_list`, CEO Jeugd) names them."""
    if item.get("source") != "measurement":
        return ""
    lists = sorted(item.get("by_list") or ())
    if not lists:
        return MEASURED_TAG
    return MEASURED_TAG.replace(">uit de meting<", f">uit de metingen voor "
                                                   f"{esc(' en '.join(lists))} samen<")


def answer_html(answer: dict[str, Any]) -> str:
    """An answer as text; a web address (the research report's) as a link."""
    value = str(answer.get("value") or "")
    if answer.get("type") == "url" and re.match(r"https?://", value):
        return f'<a href="{esc(value)}">{esc(answer.get("text") or value)}</a>'
    return esc(answer["text"])


def search_page(instrument: str, cycle: int, municipalities: dict[str, dict[str, Any]]) -> str:
    entries = []  # (name as listed, code, the other name or None)
    for code, entry in municipalities.items():
        common = entry.get("common_name") or entry["name"]
        entries.append((entry["name"], code, common if common != entry["name"] else None,
                        entry))
        if common != entry["name"]:
            entries.append((common, code, entry["name"], entry))
    entries.sort(key=lambda item: plain(item[0]))
    letters: dict[str, list[str]] = {}
    for name, code, other, entry in entries:
        key = plain(name)[:1].upper() or "#"
        also = f' <span class="muted">(ook: {esc(other)})</span>' if other else ""
        letters.setdefault(key, []).append(
            f'<li data-name="{esc(plain(name))}">'
            f'<a href="{esc(code)}.html">{esc(name)}</a>{also}{status_tag(entry)}</li>')
    nav = " ".join(f'<a href="#letter-{letter}">{letter}</a>' for letter in letters)
    sections = "".join(f'<section class="letter" aria-labelledby="letter-{letter}">'
                       f'<h2 id="letter-{letter}">{letter}</h2><ul class="cols">'
                       f'{"".join(items)}</ul></section>' for letter, items in letters.items())
    body = (f'<p class="muted"><a href="index.html">{esc(TITLE.get(instrument, instrument))} '
            f"{cycle}</a></p><h1>Zoek een gemeente</h1>"
            + search_form(municipalities)
            + '<p id="found" role="status">Alle gemeenten op naam, ook onder de naam die '
            "iedereen gebruikt (zoals Den Haag).</p>"
            + f'<nav class="letters" aria-label="Beginletter">{nav}</nav>' + sections)
    return page(f"Zoek een gemeente – {TITLE.get(instrument, instrument)} {cycle}", body,
                depth=2, script=FILTER_SCRIPT)


def home_page(cycles: list[tuple[str, int, dict[str, Any]]],
              counts: dict[tuple[str, int], int]) -> str:
    items = "".join(
        f'<li><a href="{esc(instrument)}/{cycle}/index.html">'
        f"{esc(TITLE.get(instrument, instrument))} {cycle}</a> "
        f'<span class="muted">({counts[(instrument, cycle)]} gemeenten)</span></li>'
        for instrument, cycle, _ in cycles)
    body = ("<h1>Cliëntervaringsonderzoek – uitkomsten per gemeente</h1>"
            "<p>Hoe ervaren cliënten de ondersteuning van hun gemeente (Wmo), en jeugdigen en "
            "ouders de jeugdhulp (Jeugd)? Kies een onderzoek en een jaar.</p>"
            + f'<ul class="list">{items}</ul>')
    return page("Cliëntervaringsonderzoek – uitkomsten per gemeente", body, depth=0)


def build(feed_dir: Path, out_dir: Path) -> list[Path]:
    """Writes the site; returns the pages written."""
    feed = Feed(feed_dir)
    cycles = feed.cycles()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "site.css").write_text(CSS.strip() + "\n", encoding="utf-8")
    written, counts = [], {}
    for instrument, cycle, entry in cycles:
        index = feed.read(entry["index"])
        try:
            national = feed.read(entry["national"]) if entry.get("national") else None
        except FileNotFoundError:
            national = None
        municipalities = index.get("municipalities", {})
        counts[(instrument, cycle)] = len(municipalities)
        target = out_dir / instrument / str(cycle)
        (target / "rapport").mkdir(parents=True, exist_ok=True)
        pages = {target / "index.html": cycle_page(instrument, cycle, index, national),
                 target / "zoeken.html": search_page(instrument, cycle, municipalities)}
        for code, listed in municipalities.items():
            if not re.fullmatch(r"GM[0-9]{4}", code):
                continue  # only what the contract promises becomes a file name
            document = feed.read(listed["document"])
            report = feed.path(listed["report"])
            has_report = report.is_file()
            if has_report:
                shutil.copyfile(report, target / "rapport" / f"{code}.html")
            pages[target / f"{code}.html"] = municipality_page(document, national, has_report)
        for path, text in pages.items():
            path.write_text(text, encoding="utf-8")
            written.append(path)
    home = out_dir / "index.html"
    home.write_text(home_page(cycles, counts), encoding="utf-8")
    return [home, *written]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=" ".join(__doc__.split("\n\n")[0].split()),
        epilog="Werkt ./dev run op andere poorten? ./dev feed vindt die zelf; maak dus eerst "
               "een kopie met ./dev feed en bouw dan met ./dev site.")
    parser.add_argument("--feed", type=Path, default=ROOT / ".local" / "feed",
                        help="De map met een kopie van de feed (standaard .local/feed, die "
                             "./dev feed maakt).")
    parser.add_argument("--out", type=Path, default=ROOT / ".local" / "site",
                        help="De map waarin de site komt (standaard .local/site).")
    args = parser.parse_args(argv)
    if not (args.feed / "index.json").is_file():
        print(f"Geen feed in {args.feed} (index.json ontbreekt). Maak een kopie met ./dev "
              "feed terwijl ./dev run draait.", file=sys.stderr)
        return 1
    try:
        pages = build(args.feed, args.out)
    except ValueError as error:  # an index that points outside the feed: nothing is copied
        print(f"De feed in {args.feed} klopt niet ({error}); er is niets overgenomen.",
              file=sys.stderr)
        return 1
    print(f"{len(pages)} pagina's in {args.out}; begin bij {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
