"""The reference site (site/build.py, `./dev site`): built from a copy of the feed alone, it
proves the contract suffices. It uses Python's standard library only (nothing of chalicelib,
nor of the project's dependencies), builds a page for every municipality in the feed,
handles retractions and withheld scores, shows national figures that equal a recomputation
from the municipality documents, has a search by name that works without JavaScript, and
passes axe-core in Chromium."""
from __future__ import annotations

import ast
import html
import http.server
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import boto3
import pytest

from tests.support.feed import deliver, make_registrant, record, run

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CODES = ("GM0014", "GM0034", "GM0050", "GM0518", "GM0796")


def site_module():
    """site/build.py loaded by path: a top-level `site` package would be Python's own."""
    spec = importlib.util.spec_from_file_location("reference_site", SITE / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copy_bucket(aws, target: Path) -> Path:
    """What `./dev feed` does: the bucket's objects as files."""
    s3 = boto3.client("s3")
    bucket = aws["PublicationBucketName"]
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            path = target / item["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
    return target


@pytest.fixture()
def feed(aws, app_module, monkeypatch, tmp_path):
    """A feed the forwarder made: published, a withheld score, other weights, a retraction,
    a late delivery, a municipality known by another name (Den Haag)."""
    from chalicelib.delivery import withdrawals

    person = make_registrant(email="site@ede.nl", codes=CODES)
    deliver(person, code="GM0014", headline="Cliënten <vinden> de weg & zijn tevreden")
    deliver(person, code="GM0034", scores__q5__n="19", scores__q1__n="120")
    deliver(person, code="GM0050")
    withdrawals.withdraw_latest("GM0050", 2026, "GM0050-2026-1", "helpdesk@x", "Verkeerd")
    deliver(person, code="GM0518", scores__q2__n="45", scores__q1__helemaal_mee_eens="30",
            scores__q1__neutraal="4,5")  # other shares and weights
    monkeypatch.setenv("DELIVERY_DEADLINE", "2020-06-30")
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", "2099-12-31")
    deliver(person, code="GM0796")
    assert run([record(f"{code}#2026", 1) for code in CODES]) == {"batchItemFailures": []}
    return copy_bucket(aws, tmp_path / "feed")


@pytest.fixture()
def built(feed, tmp_path):
    out = tmp_path / "site"
    site_module().build(feed, out)
    return out


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_site_uses_the_standard_library_only_and_builds_in_isolation(feed, tmp_path):
    for path in SITE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                assert top != "chalicelib", f"{path.name} imports {name}"
                assert top in sys.stdlib_module_names or top == "__future__", \
                    f"{path.name} imports {name}: the site needs the standard library only"
    # isolated (-I: no PYTHONPATH, no site-packages of the user, not even the script's
    # directory on the path), from elsewhere: nothing of the project can be imported
    out = tmp_path / "isolated"
    result = subprocess.run([sys.executable, "-I", "-S", str(SITE / "build.py"),
                             "--feed", str(feed), "--out", str(out)],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (out / "ceo-wmo" / "2026" / "GM0014.html").is_file()


def test_dev_site_builds_from_a_feed_and_says_where_to_start(feed, tmp_path):
    out = tmp_path / "via-dev"
    result = subprocess.run([str(ROOT / "dev"), "site", "--feed", str(feed), "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert str(out / "index.html") in result.stdout
    missing = subprocess.run([str(ROOT / "dev"), "site", "--feed", str(tmp_path / "nothing"),
                              "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode == 1 and "./dev feed" in missing.stderr


def test_a_page_for_every_municipality_in_the_feed_retractions_and_withheld_scores(
        feed, built):
    index = json.loads(read(feed / "ceo-wmo" / "2026" / "index.json"))
    cycle = built / "ceo-wmo" / "2026"
    assert sorted(index["municipalities"]) == sorted(CODES)
    for code in index["municipalities"]:
        assert (cycle / f"{code}.html").is_file()
        assert f'href="{code}.html"' in read(cycle / "index.html")
    retracted = read(cycle / "GM0050.html")
    assert "geen geldige aanlevering" in retracted and "Vraag 1" not in retracted
    assert "ingetrokken" in read(cycle / "index.html")
    withheld = read(cycle / "GM0034.html")
    assert "niet getoond: te weinig geldige antwoorden (19)" in withheld
    groningen = read(cycle / "GM0014.html")
    assert "Cliënten &lt;vinden&gt; de weg &amp; zijn tevreden" in groningen  # plain text
    assert "<vinden>" not in groningen
    assert 'href="rapport/GM0014.html"' in groningen and (cycle / "rapport" /
                                                           "GM0014.html").is_file()
    assert "na de termijn" in read(cycle / "GM0796.html")
    assert "Officiële naam: &#x27;s-Gravenhage" in read(cycle / "GM0518.html")
    assert 'href="ceo-wmo/2026/index.html"' in read(built / "index.html")


def test_the_national_page_s_figures_equal_a_recomputation_from_the_documents(feed, built):
    """Recomputed here from the municipality documents in the feed, by the method the feed
    states: per statement the share that agrees weighted by valid answers, over the documents
    that count, leaving out withheld rows and retractions."""
    index = json.loads(read(feed / "ceo-wmo" / "2026" / "index.json"))
    documents = [json.loads(read(feed / entry["document"]))
                 for entry in index["municipalities"].values()]
    counted = [row for d in documents if d["status"] == "published" for row in d["scores"]
               if not row["withheld"]]
    expected = {}
    for question in dict.fromkeys(row["question_id"] for row in counted):
        rows = [row for row in counted if row["question_id"] == question]
        weight = sum(row["valid_answers"] for row in rows)
        expected[question] = {
            "municipalities": len(rows), "valid_answers": weight,
            "agree": round(sum(row["agree"] * row["valid_answers"] for row in rows) / weight,
                           1)}
    page = read(built / "ceo-wmo" / "2026" / "index.html")
    shown = {}
    for match in re.finditer(
            r'<tr data-question="([^"]+)" data-agree="([^"]+)" data-municipalities="(\d+)" '
            r'data-valid-answers="(\d+)">(.*?)</tr>', page):
        question, agree, municipalities, valid, cells = match.groups()
        shown[question] = {"municipalities": int(municipalities), "valid_answers": int(valid),
                           "agree": float(agree)}
        # what a visitor reads is the same figure, in Dutch notation
        visible = re.findall(r'<td class="num">([^<]+)</td>', cells)
        assert visible[0] == f"{float(agree):.1f}".replace(".", ",").removesuffix(",0") + "%"
        assert visible[1] == municipalities
    assert shown == expected
    assert len({q["municipalities"] for q in shown.values()}) > 1  # withheld rows left out
    assert len({row["agree"] for row in counted if row["question_id"] == "q1"}) > 1
    assert '<svg role="img"' in page and "Landelijk percentage" in page


def test_the_search_finds_official_and_common_names_without_javascript(built):
    cycle = built / "ceo-wmo" / "2026"
    search = read(cycle / "zoeken.html")
    assert re.search(r'<li data-name="den haag"><a href="GM0518.html">Den Haag</a>', search)
    assert re.search(r'<li data-name="s gravenhage"><a href="GM0518.html">'
                     r"&#x27;s-Gravenhage</a>", search)
    assert 'href="GM0796.html">Den Bosch</a>' in search
    assert "hidden" not in re.sub(r"<script>.*</script>", "", search, flags=re.S)
    for page in ("index.html", "zoeken.html", "GM0014.html"):
        text = read(cycle / page)
        if page == "GM0014.html":
            continue
        assert '<form class="search" role="search" action="zoeken.html" method="get">' in text
        assert '<option value="Den Haag">' in text  # the browser's own suggestions
    assert "<script" not in read(cycle / "index.html")  # only the search page has any


# --- in a real browser ---------------------------------------------------------------------

@pytest.fixture()
def served(built):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(built))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture()
def chromium():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required (./dev test installs it)"
    assert AXE.exists(), "axe-core is required (./dev test runs npm ci)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]]


@pytest.mark.parametrize("path", [
    "index.html", "ceo-wmo/2026/index.html", "ceo-wmo/2026/GM0014.html",
    "ceo-wmo/2026/GM0034.html", "ceo-wmo/2026/GM0050.html", "ceo-wmo/2026/zoeken.html",
    "ceo-wmo/2026/zoeken.html?q=haag", "ceo-wmo/2026/rapport/GM0014.html"])
def test_every_kind_of_page_passes_axe_core_and_fits_a_phone(served, chromium, path):
    page = chromium.new_context(viewport={"width": 1024, "height": 800}).new_page()
    page.goto(f"{served}/{path}")
    assert axe_violations(page) == [], path
    page.set_viewport_size({"width": 320, "height": 640})  # a phone: nothing wider
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, path


def test_the_search_narrows_with_javascript_and_lists_everyone_without(served, chromium):
    scripted = chromium.new_context().new_page()
    scripted.goto(f"{served}/ceo-wmo/2026/index.html")
    scripted.fill("#q", "den haag")
    scripted.click("form.search button")
    scripted.wait_for_url("**/zoeken.html?q=den+haag")
    visible = scripted.locator("li[data-name]:visible a").all_inner_texts()
    assert visible == ["Den Haag"]
    assert "1 gemeente gevonden" in scripted.inner_text("#found")
    scripted.get_by_role("link", name="Den Haag", exact=True).click()
    scripted.wait_for_url("**/GM0518.html")
    assert "Officiële naam: 's-Gravenhage" in scripted.inner_text("main")
    plain = chromium.new_context(java_script_enabled=False).new_page()
    plain.goto(f"{served}/ceo-wmo/2026/zoeken.html?q=den+haag")
    names = plain.locator("li[data-name]:visible a").all_inner_texts()
    assert "Den Haag" in names and len(names) == len(CODES) + 2  # two common names besides
    plain.click("a[href='#letter-D']")
    plain.get_by_role("link", name="Den Haag", exact=True).click()
    plain.wait_for_url("**/GM0518.html")


def test_escaping_holds_for_any_text_the_feed_carries():
    site = site_module()
    document = json.loads((ROOT / "docs" / "feed" / "examples" / "published.json").read_text())
    document["headline"]["text"] = '<img src=x onerror="alert(1)">'
    document["answers"][0]["text"] = "</td><script>x</script>"
    text = site.municipality_page(document, None, has_report=False)
    assert "<img" not in text and "<script>x" not in text
    assert html.escape('<img src=x onerror="alert(1)">') in text


def test_every_example_document_of_the_contract_renders():
    """Each kind of document docs/feed/examples/ shows (published, withheld score, retracted,
    late, no survey, and whatever comes) becomes a page, from the contract alone."""
    site = site_module()
    examples = ROOT / "docs" / "feed" / "examples"
    national = json.loads((examples / "national.json").read_text())
    documents = {path.stem: json.loads(path.read_text()) for path in examples.glob("*.json")}
    documents = {name: doc for name, doc in documents.items()
                 if str(doc.get("$schema", "")).endswith("/document.schema.json")}
    assert {"published", "retracted", "withheld-score", "late"} <= set(documents)
    for name, document in documents.items():
        text = site.municipality_page(document, national, has_report=False)
        assert "<h1>" in text, name
        if document["status"] == "retracted":
            assert "geen geldige aanlevering" in text
        if document.get("survey_held") is False:
            assert "geen cliëntervaringsonderzoek" in text


def test_no_path_from_the_feed_reaches_outside_it(feed, tmp_path):
    """An index entry is data from outside: a report (or document) path that climbs out of the
    feed copies nothing of the machine into the public site."""
    secret = tmp_path / "geheim.txt"
    secret.write_text("wachtwoord van de beheerder", encoding="utf-8")
    index_path = next(feed.glob("*/*/index.json"))
    index = json.loads(index_path.read_text(encoding="utf-8"))
    code = next(iter(index["municipalities"]))
    depth = len(index_path.relative_to(feed).parts) + 5
    index["municipalities"][code]["report"] = "../" * depth + str(secret).lstrip("/")
    index_path.write_text(json.dumps(index), encoding="utf-8")
    out = tmp_path / "site"
    result = subprocess.run([sys.executable, "-I", "-S", str(SITE / "build.py"), "--feed",
                             str(feed), "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 1 and "klopt niet" in result.stderr
    copied = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not any("wachtwoord" in p.read_text(encoding="utf-8", errors="replace")
                   for p in copied)


def test_a_municipality_page_reads_as_dutch_for_people(built):
    """Dates in words, the research report as a link, the response rate as a sentence."""
    page = read(built / "ceo-wmo" / "2026" / "GM0014.html")
    text = re.sub(r"<[^>]+>", "", page)
    assert re.search(r"verzonden op \d{1,2} (januari|februari|maart|april|mei|juni|juli|"
                     r"augustus|september|oktober|november|december) 20\d\d\.", text)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)  # no ISO dates anywhere
    assert re.search(r'<a href="https://www\.groningen\.nl/ceo">https://www\.groningen\.nl/ceo'
                     r'</a>', page)
    assert "Van de benaderde personen vulde 35% de vragenlijst in (de respons)." in text
    assert "Berekend" not in page


def test_a_municipality_without_a_survey_names_the_year():
    site = site_module()
    document = json.loads((ROOT / "docs" / "feed" / "examples" / "no-survey.json").read_text())
    text = site.municipality_page(document, None, has_report=False)
    assert f"geen cliëntervaringsonderzoek over {document['measurement_year']} gedaan" in text
    assert "over dit jaar" not in text


def test_the_site_shows_both_instruments_each_from_its_own_feed(aws, app_module, tmp_path):
    """A municipality that delivered CEO Wmo and CEO Jeugd: the home page lists both
    studies, each with its own pages, titles and figures (Jeugd's MCJO statements, never
    the Wmo's standard questions)."""
    person = make_registrant(email="beide@ede.nl", codes=("GM0014",))
    deliver(person, code="GM0014", headline="Wmo: cliënten zijn tevreden")
    deliver(person, code="GM0014", headline="Jeugd: ouders voelen zich gehoord",
            instrument="ceo-jeugd")
    assert run([record("GM0014#2026", 1), record("GM0014#2026#jeugd", 1)]) == {
        "batchItemFailures": []}
    out = tmp_path / "site"
    site_module().build(copy_bucket(aws, tmp_path / "feed"), out)
    home = read(out / "index.html")
    assert "Cliëntervaringsonderzoek Wmo 2026" in home
    assert "Cliëntervaringsonderzoek Jeugd 2026" in home
    jeugd = read(out / "ceo-jeugd" / "2026" / "GM0014.html")
    wmo = read(out / "ceo-wmo" / "2026" / "GM0014.html")
    assert "Cliëntervaringsonderzoek Jeugd" in jeugd and "ouders voelen zich gehoord" in jeugd
    assert "Ik voelde mij serieus genomen door de hulpverlener." in jeugd
    assert "Ik werd snel geholpen" not in jeugd and "tevreden" not in jeugd
    assert "Cliëntervaringsonderzoek Wmo" in wmo and "gehoord" not in wmo
    national = read(out / "ceo-jeugd" / "2026" / "index.html")
    assert "Ik voelde mij serieus genomen" in national and "Ik werd snel geholpen" not in national
def test_figures_from_a_measurement_are_marked_uit_de_meting_and_typed_ones_are_not():
    examples = ROOT / "docs" / "feed" / "examples"
    site = site_module()
    measured = json.loads((examples / "measured.json").read_text(encoding="utf-8"))
    body = site.municipality_page(measured, None, False)
    marked = [item for item in [*measured["scores"], *measured["answers"]]
              if item.get("source") == "measurement"]
    assert len(marked) >= 10
    assert body.count('class="tag measured"') == len(marked)
    assert "rechtstreeks uit de meting" in body
    row = re.search(r'<tr data-question="q1">.*?</tr>', body, re.S).group(0)
    assert "uit de meting" in row
    typed = json.loads((examples / "published.json").read_text(encoding="utf-8"))
    assert "uit de meting" not in site.municipality_page(typed, None, False)
    assert "uit de metingen" not in body  # one measurement
    both = json.loads((examples / "measured-jeugd.json").read_text(encoding="utf-8"))
    jeugd = site.municipality_page(both, None, False)
    added_up = [a for a in both["answers"] if a.get("by_list")]
    assert added_up and jeugd.count("uit de metingen voor jongeren en ouders samen") == \
        len(added_up)
