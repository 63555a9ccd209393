"""The workbench in English and Bahasa Indonesia: gettext catalogues (experiments/workbench/locale/*/LC_MESSAGES/
cpsim.po), every `_()` text translated with the same `{placeholders}`, a new language being one file, and a
Chromium test of the switch on every page. Set CPSIM_SCREENSHOTS=docs to refresh docs/workbench-*-{en,id}.png.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.workbench import i18n, plain
from experiments.workbench.local_server import Server

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "experiments" / "workbench").glob("*.py"))


@contextlib.contextmanager
def in_page(code: str) -> Iterator[None]:
    """Code run as inside a tab whose language is `code` (a Solara kernel context of its own)."""
    from solara.server import kernel_context

    context = kernel_context.create_dummy_context()
    try:
        with context:
            i18n.language.set(code)
            yield
    finally:
        i18n.language.set(i18n.SOURCE)


def _write_po(folder: Path, code: str, entries: dict[str, str], name: str = "") -> Path:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    cat = Catalog(locale=code, domain=i18n.DOMAIN)
    if name:
        cat.add("English", name, context=i18n.NAME_CONTEXT)
    for text, words in entries.items():
        cat.add(text, words)
    path = i18n.po_file(code, folder)
    path.parent.mkdir(parents=True)
    with path.open("wb") as f:
        write_po(f, cat)
    return path


# ---- the catalogue -----------------------------------------------------------------------------------------
def test_catalogue_loads_and_names_its_languages() -> None:
    assert i18n.LANGUAGES == {"en": "English", "id": "Bahasa Indonesia"}
    assert i18n.translate("Plans", "id") == "Rencana"
    assert i18n.translate("Stress test", "id") == "Uji ketahanan"
    assert i18n.translate("Plans", "en") == "Plans"


def test_outside_a_page_everything_is_english() -> None:
    assert i18n.current() == "en"
    assert i18n._("Plans") == "Plans"
    assert plain.money(1234.5) == "Rp 1.2 billion" and plain.count(23456) == "23,500"
    assert plain.percent(0.456) == "46%" and plain.points(0.0123) == "+1.2 points"


def test_in_a_page_the_tabs_language_and_its_numbers() -> None:
    with in_page("id"):
        assert i18n._("Plans") == "Rencana"
        assert plain.money(1234.5) == "Rp 1,2 miliar" and plain.money(350) == "Rp 350 juta"
        assert plain.count(23456) == "23.500" and plain.percent(0.456) == "46%"
        assert plain.points(-0.0123) == "-1,2 poin" and plain.points(-0.0001) == "+0,0 poin"
        assert plain.signed_money(0.1) == "tidak berubah"
    with in_page("en"):
        assert i18n._("Plans") == "Plans" and plain.money(1234.5) == "Rp 1.2 billion"
    assert i18n._("Plans") == "Plans"


def test_speaking_sets_the_language_of_a_block_anywhere() -> None:
    """A download built in a background thread, outside the tab's kernel, in the tab's language."""
    import threading

    seen = []

    def build() -> None:
        with i18n.speaking("id"):
            seen.append((i18n._("Plans"), plain.money(2500)))
        seen.append((i18n._("Plans"), plain.money(2500)))

    worker = threading.Thread(target=build)
    worker.start()
    worker.join()
    assert seen == [("Rencana", "Rp 2,5 miliar"), ("Plans", "Rp 2.5 billion")]
    with i18n.speaking("xx"):  # no such language: English
        assert i18n._("Plans") == "Plans"


def test_missing_or_fuzzy_translation_falls_back_to_english(tmp_path: Path) -> None:
    assert i18n.translate("A sentence no catalogue holds", "id") == "A sentence no catalogue holds"
    assert i18n.translate("Plans", "xx") == "Plans"  # a language without a catalogue
    path = _write_po(tmp_path, "th", {"Plans": "แผน", "Compare": ""})
    text = path.read_text().replace('msgid "Plans"', '#, fuzzy\nmsgid "Plans"')
    path.write_text(text)
    i18n.catalogue.cache_clear()
    assert i18n.translate("Plans", "th", tmp_path) == "Plans"  # fuzzy: not shown
    assert i18n.translate("Compare", "th", tmp_path) == "Compare"  # empty: English


def test_every_translation_keeps_the_placeholders_of_its_english() -> None:
    for code in i18n.LANGUAGES:
        assert i18n.problems(code) == [], code


def test_a_translation_with_other_placeholders_is_caught(tmp_path: Path) -> None:
    _write_po(
        tmp_path,
        "th",
        {
            "{n} children": "{count} เด็ก",  # renamed
            "Rp {amount} million": "Rp {amount} ล้าน",  # fine
            "about {n} s left": "{n",  # broken braces
            "{share} of futures": "{share:.0%} futures",  # another format
        },
    )
    found = i18n.problems("th", tmp_path)
    assert len(found) == 3 and not any("million" in line for line in found)


def test_every_text_of_the_workbench_is_in_the_catalogue_and_translated() -> None:
    """A new `_("...")` fails here until `python -m experiments.workbench.i18n extract` has added it to the .po
    files and it is translated."""
    texts = i18n.collect()
    assert len(texts) > 100
    for code in i18n.LANGUAGES:
        if code == i18n.SOURCE:
            continue
        entries = i18n._entries(i18n._read(i18n.po_file(code)))
        absent = [t for t in texts if (None, t) not in entries]
        assert absent == [], f"{code}: not in the .po (run python -m experiments.workbench.i18n extract): {absent[:5]}"
        untranslated = [t for t in texts if not i18n.catalogue(code).get((None, t))]
        assert untranslated == [], f"{code}: untranslated: {untranslated[:5]}"
    template = i18n._entries(i18n._read(i18n.LOCALE / f"{i18n.DOMAIN}.pot"))
    assert {t for _c, t in template} >= set(texts)


def test_no_text_is_built_inside_underscore() -> None:
    """`_(f"...")` or `_("..." + x)` cannot be looked up: values go in with .format after `_()`."""
    assert [bad for path in SOURCES for bad in i18n.dynamic(path)] == []


def test_a_new_language_is_one_file(tmp_path: Path) -> None:
    """Thai without a code change: a folder with its .po is discovered, named, and used; `extract` keeps its
    translations, adds new text untranslated and drops text no longer used."""
    _write_po(tmp_path, "th", {"Plans": "แผน", "Old text": "ข้อความเก่า"}, name="ไทย")
    _write_po(tmp_path, "ms", {"Plans": "Rancangan"})  # no name in the catalogue: Unicode CLDR's
    i18n.catalogue.cache_clear()
    assert i18n.discover(tmp_path) == {"en": "English", "ms": "Melayu", "th": "ไทย"}
    assert i18n.translate("Plans", "th", tmp_path) == "แผน"
    source = tmp_path / "page.py"
    source.write_text('from x import _\n_("Plans")\n_("New text {n}").format(n=1)\n')
    report = i18n.extract(tmp_path, sources=[source])
    assert report["th"] == (3, 1)  # the language's name, Plans, New text (untranslated)
    entries = i18n._entries(i18n._read(i18n.po_file("th", tmp_path)))
    assert entries[(None, "Plans")] == "แผน" and entries[(None, "New text {n}")] == ""
    assert (None, "Old text") not in entries and entries[(i18n.NAME_CONTEXT, "English")] == "ไทย"
    assert (tmp_path / "cpsim.pot").is_file()
    assert i18n.init("lo", tmp_path).is_file() and "lo" in i18n.discover(tmp_path)


def test_the_extract_command_runs() -> None:
    """`python -m experiments.workbench.i18n` without a known command says how to call it."""
    out = subprocess.run(
        [sys.executable, "-m", "experiments.workbench.i18n", "help"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 2 and "extract" in out.stderr


def test_stress_failures_in_words_are_discoverys_in_english_and_translated() -> None:
    from experiments.plans.discovery import FailureBox, describe
    from experiments.plans.futures import transition_risks
    from experiments.workbench import stress_page

    dims = transition_risks(2022, 2026)
    rng = np.random.default_rng(0)
    x = pd.DataFrame({u.name: rng.uniform(u.lo, u.hi, 40) for u in dims})
    fails = (x.pickup_fraction < 0.5).to_numpy()
    about = {u.name: u.about for u in dims}
    integers = frozenset(u.name for u in dims if u.whole)
    boxes = {
        "a": FailureBox({"pickup_fraction": (0.25, 0.5)}, 0.9, 0.95, 17),
        "b": FailureBox({"shock_year": (2023.4, 2025.2), "shock_size": (0.61, 1.5)}, 0.5, 0.8, 6),
        "c": FailureBox({}, 1.0, 0.3, 40),
        "d": None,
    }

    class Test:
        pass

    test = Test()
    test.dims, test.futures = dims, x
    test.boxes = {
        p: (b, describe(b, fails if p != "d" else np.zeros(40, bool), about, x, integers)) for p, b in boxes.items()
    }
    share = [1 - float(np.mean(fails))] * 3 + [1.0]
    test.robustness = pd.DataFrame({"plan": list(boxes), "holds_share": share})
    for plan in boxes:
        assert stress_page.describe(test, plan) == test.boxes[plan][1]
    with in_page("id"):
        words = stress_page.describe(test, "b")
        assert words.startswith("gagal di 80% kemungkinan masa depan ketika tahun terjadinya guncangan ekonomi")
        assert "0.61" not in words and ("antara 0,61 dan" in words or "paling sedikit 0,61" in words)
        assert stress_page.describe(test, "d") == "bertahan di setiap kemungkinan masa depan yang diuji"


# ---- in a real browser -------------------------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 240_000  # generous: two shared cores, a compare and a stress test on the way


@pytest.fixture(scope="module")
def server(workbench_server: Server) -> str:
    return workbench_server.url


def _screenshot(page: object, name: str, height: int = 1000) -> None:
    """With CPSIM_SCREENSHOTS=docs, a picture of the page for the README, claimed in the folder's marker as a file
    cpsim wrote (sim/ownership.py: a file someone else put there is not replaced)."""
    from sim.ownership import check_owned, claim_file

    folder = os.environ.get("CPSIM_SCREENSHOTS")
    if folder:
        target = ROOT / folder / name
        check_owned(target, "CPSIM_SCREENSHOTS")
        page.set_viewport_size({"width": 1400, "height": height})
        page.evaluate(
            "() => { window.scrollTo(0, 0); document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; }); }"
        )
        page.wait_for_timeout(1500)  # let the layout settle at the new size
        page.screenshot(path=str(target))
        claim_file(target)
        page.set_viewport_size({"width": 1400, "height": 1000})


def _type(page: object, selector: str, text: str) -> None:
    box = page.locator(f"{selector} input")
    box.fill(text)
    box.press("Enter")


def _choose_language(page: object, name: str) -> None:
    page.locator(".language").click()
    page.get_by_role("option", name=name, exact=True).click()


@pytest.mark.slow
def test_the_indonesian_switch_works_on_every_page(server: str) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from experiments.workbench.bench import CHROMIUM_ARGS

    expect = playwright_api.expect

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(WAIT_MS)
        page.goto(server)
        page.locator(".nav-stress-test").wait_for()
        _type(page, ".children", "20000")  # a small city: the compare takes seconds
        _type(page, ".repeats", "2")
        page.locator(".nav-plans").get_by_text("Plans").wait_for()

        # Plans: a compare in English, then the same page in Indonesian, results included
        page.get_by_role("button", name="Compare", exact=True).click()
        page.locator(".verdict").first.wait_for()
        page.get_by_text("Children reached (found by the system)").first.wait_for()
        _screenshot(page, "workbench-plans-en.png", height=3500)
        _choose_language(page, "Bahasa Indonesia")
        page.locator(".nav-plans").get_by_text("Rencana").wait_for()
        page.get_by_role("button", name="Bandingkan", exact=True).wait_for()
        page.get_by_text("Anak yang terjangkau (ditemukan oleh sistem)").first.wait_for()
        page.get_by_text("Tahun demi tahun").first.wait_for()
        # expect() waits: each widget's new words arrive on their own after the switch
        body = expect(page.locator("body"))
        body.not_to_contain_text("Children reached")
        body.to_contain_text("Rp ")
        body.to_contain_text("Alasannya:")
        _screenshot(page, "workbench-plans-id.png", height=3500)

        # Stress test: the language stays with the tab; a small test run, its failures in words
        page.locator(".nav-stress-test").click()
        page.get_by_text("Rencana dan kemungkinan masa depan").wait_for()
        expect(page.locator(".nav-stress-test")).to_have_text(re.compile(r"^\s*uji ketahanan\s*$", re.I))
        _type(page, ".stress-futures", "1")
        page.get_by_role("button", name="Jalankan uji ketahanan").click()
        page.get_by_text("futures: '1' tidak diperbolehkan; seharusnya bilangan bulat dari 2 sampai 500").wait_for()
        _type(page, ".stress-futures", "4")
        _type(page, ".stress-repeats", "1")
        page.get_by_role("button", name="Jalankan uji ketahanan").click()
        page.get_by_text("Di mana setiap rencana gagal").wait_for()
        expect(page.locator("body")).to_contain_text("linear_taper_3y bertahan dibandingkan funder_stays di")
        expect(page.locator("body")).to_contain_text("(acuan)")
        page.get_by_role("button", name="Ketahanan (CSV)").wait_for()
        _screenshot(page, "workbench-stress-id.png", height=1800)
        _choose_language(page, "English")
        page.get_by_text("Where each plan fails").wait_for()
        expect(page.locator("body")).to_contain_text("linear_taper_3y holds against funder_stays in")
        _screenshot(page, "workbench-stress-en.png", height=1800)

        # Explore: still in the tab's language after moving pages
        _choose_language(page, "Bahasa Indonesia")
        page.get_by_text("Rencana dan kemungkinan masa depan").wait_for()
        page.locator(".nav-explore").click()
        page.get_by_role("button", name="Step").or_(page.get_by_role("button", name="Langkah")).first.wait_for()
        expect(page.locator(".nav-explore")).to_have_text(re.compile(r"^\s*jelajahi\s*$", re.I))
        expect(page.locator(".nav-plans")).to_have_text(re.compile(r"^\s*rencana\s*$", re.I))
        expect(page.locator(".language")).to_contain_text("Bahasa Indonesia")
        explore_words = {
            i18n.translate(t, "id") for t, where in i18n.collect().items() if any("explore" in w for w in where)
        }
        shown = page.locator("body").inner_text()
        explore_words.discard("")
        if explore_words:  # the Explore page's own words, where explore.py has them in the catalogue
            assert any(w in shown for w in explore_words)
        page.locator(".nav-plans").click()
        page.get_by_role("button", name="Bandingkan", exact=True).wait_for()  # and back, still Indonesian
        page.close()
        browser.close()
