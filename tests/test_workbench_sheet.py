"""The workbench's spreadsheet habits: numbers read per locale (ambiguous ones asked about), blocks pasted from
Excel, errors in plain words beside their cells, bad plans opened with their cells marked, plan import from YAML
and from the page's own Excel file, numbers stored as numbers in the Excel download, and Save asking before it
replaces a saved plan (which other tabs then list without a reload). Unit tests first, then Chromium."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import yaml

from experiments.plans.plan_file import PlanError, parse_plan
from experiments.plans.translate import plan_config
from experiments.workbench import draft as D
from experiments.workbench import numbers as N
from experiments.workbench import paste as P
from experiments.workbench import plain
from experiments.workbench import plan_files as F
from experiments.workbench.editor import plain_error
from experiments.workbench.jobs import CompareJob, shared_pool
from experiments.workbench.local_server import Server

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scenario() -> dict:
    return D.scenario("makassar_pksai", 20_000)


# ---- 1. numbers per locale ---------------------------------------------------------------------------------
def test_numbers_are_read_per_locale_and_ambiguous_ones_are_asked() -> None:
    assert N.parse("1,500.5", "en") == 1500.5 and N.parse("1.500,5", "id") == 1500.5
    assert N.parse("1500", "en") == 1500 and N.parse("1500", "id") == 1500
    assert N.parse("0.25", "en") == 0.25 and N.parse("0,25", "id") == 0.25
    assert N.parse("0.500", "en") == 0.5 and N.parse("0,500", "id") == 0.5  # not ambiguous
    assert N.parse("20.000", "id") == 20_000 and N.parse("20,000", "en") == 20_000
    assert N.parse("1,234,567", "en") == 1_234_567 and N.parse("1.234.567,25", "id") == 1_234_567.25
    assert N.parse("25%", "en") == 0.25 and N.parse("-1,5", "id") == -1.5
    for text, locale in (("1.500", "en"), ("1,500", "id"), ("20.000", "en")):
        with pytest.raises(N.Ambiguous) as asked:
            N.parse(text, locale)
        assert asked.value.thousands == int(text[:-4] + text[-3:]) and asked.value.decimal == float(
            text[:-4] + "." + text[-3:]
        )
    for text, locale in (("abc", "en"), ("1,5", "en"), ("1.5", "id"), ("1.5.0", "en"), ("", "en"), ("1e9", "en")):
        with pytest.raises(N.NotANumber):
            N.parse(text, locale)
    # the answers rewrite the cell so that the locale reads it one way only
    assert N.unambiguous("1.500", "en", thousands=True) == "1500"
    assert N.unambiguous("1.500", "en", thousands=False) == "1.5"
    assert N.unambiguous("1.234", "en", thousands=False) == "1.2340" and N.parse("1.2340", "en") == 1.234
    assert N.unambiguous("1,500", "id", thousands=False) == "1,5"
    assert N.format_number(1e9, "en") == "1000000000" and N.format_number(0.25, "id") == "0,25"
    assert N.shown(1500, "en") == "1,500" and N.shown(1500, "id") == "1.500"


def test_the_grid_reads_its_cells_in_its_locale(scenario: dict) -> None:
    d = D.example("linear_taper_3y").with_cell("local_budget.2023", "1.500")
    errors = D.check(d, scenario)  # English: asked, not guessed (it was silently 1.5)
    assert [D.field_of(e, D.plan_path(d)) for e in errors] == ["local_budget.2023"]
    assert plain_error(errors[0], d)[1] == "City budget, 2023: did you mean 1,500 or 1.5?"
    with pytest.raises(PlanError):
        D.to_plan(d, scenario)
    answered = d.with_cell("local_budget.2023", N.unambiguous(d.cell("local_budget.2023"), "en", True))
    assert D.check(answered, scenario) == [] and D.to_plan(answered, scenario).local_budget[2023] == 1500

    indonesian = d.in_locale("id")  # the same values, written the Indonesian way
    assert indonesian.cell("local_budget.2023") == "1.500"  # left as typed: it was no number in English
    assert indonesian.cell("funder_share.2022.outreach") == d.cell("funder_share.2022.outreach").replace(".", ",")
    assert D.check(indonesian, scenario) == [] and D.to_plan(indonesian, scenario).local_budget[2023] == 1500
    assert D.to_data(answered.in_locale("id")) == D.to_data(answered)
    assert D.to_data(answered.in_locale("id").in_locale("en")) == D.to_data(answered)
    assert D.from_data(D.to_data(answered), "id").cell("funder_share.2021.outreach") == "0,467"


# ---- 3. errors in plain words --------------------------------------------------------------------------------
def test_errors_are_said_in_plain_words_beside_their_cells(scenario: dict) -> None:
    d = D.example("linear_taper_3y")
    d = d.with_cell("funder_share.2022.training", "1.5").with_cell("hiring.2023.local", "2.5")
    d = d.with_cell("local_budget.2024", "2000000000").with_cell("pickup.outreach.delay_years", "soon")
    d = d.with_cell(D.CUT_ORDER, "prevention, salaries")
    said = dict(plain_error(e, d) for e in D.check(d, scenario))
    assert said == {
        "funder_share.2022.training": "Training, 2022: 1.5 is more than all of it; enter a share between 0 and 1",
        "hiring.2023.local": "Local government positions, 2023: 2.5 is not a whole number; enter a whole number "
        "of positions from 0 to 10,000",
        "local_budget.2024": "City budget, 2024: 2000000000 is more than the most allowed; enter Rp million from 0 "
        "to 1,000,000,000",
        "pickup.outreach.delay_years": "Outreach, years before the city picks up: soon is not a number; enter a "
        "whole number of years from 0 to 50",
        "cut_order": "Cut first: salaries is not a budget line, or is named twice; name lines from Training, "
        "Mentoring, Case-management system, Outreach, Worker contracts, Prevention",
    }
    over = D.example("linear_taper_3y").with_cell("funder_share.2021.outreach", "0,9").in_locale("id")
    over = over.with_cell("funder_share.2021.outreach", "0,9")
    (message,) = D.check(over, scenario)
    assert plain_error(message, over)[1] == (
        "Outreach, 2021: 0,9 is too much: the city already pays 0,2 of this line, so the funder can pay at most 0,8"
    )
    for text in [*said.values(), plain_error(message, over)[1]]:
        assert ".yaml" not in text and "1e+09" not in text and "cpsim-plans" not in text and "[" not in text


# ---- 4. opening a bad plan -----------------------------------------------------------------------------------
def test_a_saved_plan_with_bad_values_opens_with_its_cells_marked(scenario: dict, tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    bad = {"name": "bad", "funder_share": {1900: {"outreach": 0.5}, 2022: {"all": 0.5, "training": 1.5}}}
    (tmp_path / "plans" / "bad.yaml").write_text(yaml.safe_dump(bad))
    d = D.load_saved(tmp_path, "bad")
    assert d.cell("funder_share.1900.outreach") == "0.5" and d.cell("funder_share.2022.training") == "1.5"
    assert d.cell("funder_share.2022.mentoring") == "0.5" and 1900 in d.years()
    said = dict(plain_error(e, d) for e in D.check(d, scenario))
    assert said["funder_share.2022.training"].startswith("Training, 2022: 1.5 is more than all of it")
    d = d.with_cell("funder_share.2022.training", "1")
    said = dict(plain_error(e, d) for e in D.check(d, scenario))
    assert said == {
        "funder_share.1900": "Funder's share, 1900: 1900 is not one of this scenario's years; use a year from "
        "2015 to 2024"
    }
    # not a plan at all: one plain line
    for name, text in (
        ("notyaml", "name: [unclosed"),
        ("list", "- 1\n- 2\n"),
        ("stranger", "name: x\nbogus: 1\n"),
        ("deep", "funder_share:\n  2021: {outreach: [1, 2]}\n"),
    ):
        (tmp_path / "plans" / f"{name}.yaml").write_text(text)
        with pytest.raises(D.NotAPlan) as refused:
            D.load_saved(tmp_path, name)
        assert "\n" not in str(refused.value) and str(tmp_path) not in str(refused.value)
        assert str(refused.value).startswith(f"{name}.yaml cannot be opened: ")


# ---- 2. paste ------------------------------------------------------------------------------------------------
def block(rows: int, cols: int, end: str = "\r\n") -> str:
    return end.join("\t".join(f"0.{r}{c}" for c in range(cols)) for r in range(rows)) + end


def test_a_block_from_a_spreadsheet_fills_the_grid_right_and_down(scenario: dict) -> None:
    years = D.horizon(scenario)
    d = D.example("linear_taper_3y")
    for text in (block(6, 10), block(6, 10, "\n"), block(6, 10).rstrip()):
        new, rows, cols = P.paste(d, text, "funder_share:training", "2015", years)
        assert (rows, cols) == (6, 10)
        assert new.cell("funder_share.2015.training") == "0.00" and new.cell("funder_share.2024.prevention") == "0.59"
    assert P.parse_block("1\t\t3\n4\n") == [["1", "", "3"], ["4", "", ""]]
    new, _r, _c = P.paste(d, "0.1\t\t0.3", "funder_share:outreach", "2021", years)
    assert new.cell("funder_share.2022.outreach") == "" and new.cell("funder_share.2023.outreach") == "0.3"
    new, _r, _c = P.paste(d, "0.4\t2\n0.5\t3\n", "pickup:training", "share", years)
    assert new.cell("pickup.mentoring.delay_years") == "3"
    new, _r, _c = P.paste(d.in_locale("id"), "1.500\t2.000\n12\t\n", "local_budget", "2020", years)
    assert new.cell("local_budget.2021") == "2.000" and D.to_data(new)["local_budget"][2021] == 2000

    refusals = {
        "too many rows": (block(7, 10), "funder_share:training", "2015"),
        "too many columns": (block(1, 4), "funder_share:training", "2022"),
        "garbage": ("0.1\tlots\n", "funder_share:training", "2015"),
        "ambiguous": ("1.500\t2\n", "local_budget", "2020"),
        "empty": ("\r\n\n", "funder_share:training", "2015"),
        "binary": ("0.1\x00\x01", "funder_share:training", "2015"),
        "huge": ("0.1\t" * 10_000, "funder_share:training", "2015"),
    }
    said = {}
    for what, (text, row_id, column) in refusals.items():
        with pytest.raises(P.PasteRefused) as refused:
            P.paste(d, text, row_id, column, years)
        said[what] = str(refused.value)
        assert "\n" not in said[what]
    assert said["too many rows"] == (
        "The block has 7 rows and 10 columns, but from Training, 2015 only 6 rows and 10 columns fit. "
        "Nothing was changed."
    )
    assert "only 6 rows and 3 columns fit" in said["too many columns"]
    assert said["garbage"] == "Row 1, column 2 of the block holds lots, which is not a number. Nothing was changed."
    assert "could be 1,500 or 1.5" in said["ambiguous"]


# ---- 5. import ------------------------------------------------------------------------------------------------
def edited() -> D.Draft:
    d = D.example("matched_cofinancing").with_cell("hiring.2022.local", "12").with_cell("local_budget.2021", "1500")
    d = d.with_cell(D.CUT_ORDER, "prevention, outreach")
    d.name, d.description = "our_plan", "a plan of ours"
    return d


@pytest.mark.parametrize("locale", ["en", "id"])
def test_a_plan_goes_out_and_comes_back_the_same(locale: str) -> None:
    d = edited().in_locale(locale)
    text = D.to_yaml(d).encode()
    assert F.import_file("our_plan.yaml", len(text), io.BytesIO(text), locale) == d
    book = plain.plan_xlsx_bytes(D.to_data(d))
    assert F.import_file("our_plan.xlsx", len(book), io.BytesIO(book), locale) == d
    sheet = openpyxl.load_workbook(io.BytesIO(book))["Plan"]
    rows = {r[0].value: r[2] for r in sheet.iter_rows(min_row=2)}
    assert rows["local_budget.2021"].value == 1500 and rows["local_budget.2021"].number_format == plain.MONEY_FORMAT
    assert rows["hiring.2022.local"].number_format == plain.WHOLE_FORMAT
    assert (
        rows["funder_share.2021.outreach"].data_type == "n" and "%" in rows["funder_share.2021.outreach"].number_format
    )


def test_imports_that_are_refused_say_why_in_one_line() -> None:
    good = D.to_yaml(edited()).encode()
    no_plan_sheet = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.title = "Summary"
    wb.save(no_plan_sheet)
    cases = {
        "big.yaml": (5_000_000, b"x" * 10),
        "tool.exe": (len(good), good),
        "results.xlsx": (len(no_plan_sheet.getvalue()), no_plan_sheet.getvalue()),
        "fake.xlsx": (len(good), good),
        "words.yaml": (12, b"just: [words"),
        "binary.yml": (4, b"\xff\xfe\x00\x01"),
    }
    said = {}
    for name, (size, content) in cases.items():
        with pytest.raises(F.ImportRefused) as refused:
            F.import_file(name, size, io.BytesIO(content), "en")
        said[name] = str(refused.value)
        assert "\n" not in said[name] and said[name].startswith(name)
    assert said["big.yaml"] == "big.yaml was not imported: it is 5.0 MB; a plan file is at most 1 MB."
    assert "only plan files (.yaml, .yml)" in said["tool.exe"]
    assert "has no Plan sheet" in said["results.xlsx"] and "not an Excel workbook" in said["fake.xlsx"]
    assert F.next_free("my plan", ["my_plan", "my_plan_2"]) == "my_plan_3"


# ---- 6. the Excel download holds numbers -----------------------------------------------------------------
def test_the_excel_download_stores_numbers_with_formats_and_the_plan(scenario: dict) -> None:
    d = edited()
    plans = [D.to_plan(D.example("funder_stays"), scenario), D.to_plan(d, scenario)]
    comp = CompareJob(plans, scenario, [0, 1], shared_pool(2), info={"scenario": "makassar_pksai"}).run()
    book = openpyxl.load_workbook(io.BytesIO(plain.xlsx_bytes(comp, D.to_data(d))))
    assert set(book.sheetnames) == {"Summary", "Results", "Each run", "Each year", "Quarters", "Plan"}
    summary = book["Summary"]
    for row in summary.iter_rows(min_row=2, max_row=summary.max_row - 1, min_col=2):
        for cell in row:  # every indicator of every plan: a number, formatted
            assert cell.data_type == "n" and cell.number_format != "General", (cell.coordinate, cell.value)
    formats = {summary.cell(r, 2).number_format for r in range(2, summary.max_row)}
    assert plain.WHOLE_FORMAT in formats and any("%" in f for f in formats) and any("Rp" in f for f in formats)
    for name in book.sheetnames:
        numbers = [
            c for row in book[name].iter_rows(min_row=2) for c in row if c.data_type == "n" and c.value is not None
        ]
        assert numbers, name
        assert all(c.number_format != "General" for c in numbers), name
    got = io.BytesIO(plain.xlsx_bytes(comp, D.to_data(d))).getvalue()
    assert F.import_file("r.xlsx", len(got), got, "en") == d
    # without the plan's data, the Plan sheet is rebuilt from the comparison: the same plan in effect
    rebuilt = plain.xlsx_bytes(comp)
    again = F.import_file("r.xlsx", len(rebuilt), rebuilt, "en")
    plan = parse_plan(D.to_data(again), Path("x.yaml"))
    assert plan_config(plan, scenario).transition == comp.configs[d.name].transition


# ---- in a browser ---------------------------------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 150_000


@pytest.fixture(scope="module")
def server(workbench_server: Server) -> tuple[str, Path]:
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    return workbench_server.url, workbench_server.data_dir


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    from experiments.workbench.bench import CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


# a synthetic drop carries no file-system entry; give it the one a real drop from the desktop has
DROP_SHIM = """
const orig = DataTransferItem.prototype.webkitGetAsEntry;
DataTransferItem.prototype.webkitGetAsEntry = function () {
  const entry = orig.call(this);
  if (entry) return entry;
  const file = this.getAsFile();
  return file && { isFile: true, file: (resolve) => resolve(file) };
};
"""


def _page(browser: object, server: tuple[str, Path]) -> object:
    page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(WAIT_MS)
    page.add_init_script(DROP_SHIM)
    page.goto(server[0])
    page.get_by_text("2. Edit the plan").wait_for()
    return page


def _type(page: object, selector: str, text: str) -> None:
    box = page.locator(f"{selector} input")
    box.fill(text)
    box.press("Enter")


def _cell(page: object, key: str) -> str:
    return page.locator(f".cell-{key.replace('.', '-')} input").input_value()


def _choose(page: object, selector: str, option: str) -> None:
    page.locator(selector).click()
    page.get_by_role("option", name=option, exact=True).click()


def _drop(page: object, name: str, content: bytes = b"", size: int = 0) -> None:
    """Drop a file on the import zone (`size` bytes of zeros made in the page, or `content`)."""
    page.evaluate(
        """([name, b64, size]) => {
            const bytes = size ? new Uint8Array(size) : Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name));
            const zone = document.querySelector('.solara-file-drop');
            zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        }""",
        [name, base64.b64encode(content).decode(), size],
    )


def _said(page: object, text: str) -> None:
    page.locator(".files-said").filter(has_text=text).wait_for()


@pytest.mark.slow
def test_browser_paste_locale_questions_and_plain_errors(server: tuple[str, Path], browser: object) -> None:
    from playwright.sync_api import expect

    page = _page(browser, server)
    _type(page, ".children", "20.000")  # English: asked, not rejected and not guessed
    page.get_by_text("Children in the city: did you mean 20,000 or 20?").wait_for()
    _type(page, ".children", "20000")
    page.get_by_text("The plan is valid for this scenario.").wait_for()
    _type(page, ".cell-local_budget-2023", "1.500")
    page.get_by_text("City budget, 2023: did you mean 1,500 or 1.5?").wait_for()
    page.locator(".answer-thousands").click()
    page.wait_for_function("() => document.querySelector('.cell-local_budget-2023 input').value === '1500'")
    _type(page, ".cell-funder_share-2022-training", "1.5")
    page.get_by_text("Training, 2022: 1.5 is more than all of it; enter a share between 0 and 1").wait_for()
    text = page.locator("body").inner_text()
    assert ".yaml:" not in text and "1e+09" not in text and "cpsim-plans check" not in text
    _type(page, ".cell-funder_share-2022-training", "")

    _choose(page, ".number-locale", "Numbers: 1.500,5 (Indonesia)")  # the same values, written the other way
    page.wait_for_function("() => document.querySelector('.cell-funder_share-2021-outreach input').value === '0,467'")
    _type(page, ".children", "20.000")  # now twenty thousand
    page.get_by_text("The plan is valid for this scenario.").wait_for()
    expect(page.get_by_text("did you mean")).to_have_count(0)  # waits: each widget's change arrives on its own

    # a 6 x 10 block of funder shares, copied from a spreadsheet (Indonesian decimals, CRLF, trailing newline)
    rows = ["\t".join(f"0,{r}{c}" for c in range(10)) for r in range(6)]
    page.locator(".paste-box textarea").fill("\r\n".join(rows) + "\r\n")
    page.get_by_role("button", name="Paste into the grid").click()
    page.get_by_text("Pasted 6 rows and 10 columns from Training, 2015.").wait_for()
    assert _cell(page, "funder_share.2015.training") == "0,00" and _cell(page, "funder_share.2024.prevention") == "0,59"
    before = _cell(page, "funder_share.2020.outreach")
    for bad, said in (
        ("0,1\tbanyak\n", "Row 1, column 2 of the block holds banyak, which is not a number. Nothing was changed."),
        ("\n".join(rows + rows[:1]), "only 6 rows and 10 columns fit"),
    ):
        page.locator(".paste-box textarea").fill(bad)
        page.get_by_role("button", name="Paste into the grid").click()
        page.locator(".paste-said").filter(has_text=said).wait_for()
        assert _cell(page, "funder_share.2020.outreach") == before
    page.close()


@pytest.mark.slow
def test_browser_open_import_save_and_two_tabs(server: tuple[str, Path], browser: object, tmp_path: Path) -> None:
    url, data = server
    plans = data / "plans"
    plans.mkdir(exist_ok=True)
    (plans / "old_year.yaml").write_text(
        yaml.safe_dump({"name": "old_year", "funder_share": {1900: {"outreach": 0.5}}})
    )
    (plans / "broken.yaml").write_text("name: [unclosed")
    page = _page(browser, server)
    _type(page, ".children", "20000")
    _choose(page, ".start-from", "saved: old_year")  # listed without a reload (the folder is re-read)
    page.get_by_role("button", name="Open", exact=True).click()
    page.get_by_text(
        "Funder's share, 1900: 1900 is not one of this scenario's years; use a year from 2015 to 2024"
    ).wait_for()
    assert "error--text" in (page.locator(".cell-funder_share-1900-outreach").get_attribute("class") or "")
    _choose(page, ".start-from", "saved: broken")
    page.get_by_role("button", name="Open", exact=True).click()
    _said(page, "broken.yaml cannot be opened: it is not a plan file (not readable as YAML)")
    assert _cell(page, "funder_share.1900.outreach") == "0.5"  # the draft as it was

    # import: refusals change nothing, a good file replaces the draft
    no_plan = io.BytesIO()
    openpyxl.Workbook().save(no_plan)
    for name, kwargs, said in (
        ("huge.yaml", {"size": 5_000_000}, "huge.yaml was not imported: it is 5.0 MB; a plan file is at most 1 MB."),
        ("setup.exe", {"content": b"MZ\x90\x00"}, "setup.exe was not imported: only plan files"),
        ("results.xlsx", {"content": no_plan.getvalue()}, "results.xlsx cannot be opened: the workbook has no Plan"),
    ):
        _drop(page, name, **kwargs)
        _said(page, said)
        assert _cell(page, "funder_share.1900.outreach") == "0.5"
    d = edited()
    _drop(page, "our_plan.yaml", D.to_yaml(d).encode())
    _said(page, "Imported our_plan from our_plan.yaml.")
    page.get_by_text("The plan is valid for this scenario.").wait_for()
    assert _cell(page, "hiring.2022.local") == "12" and page.locator(".plan-name input").input_value() == "our_plan"

    # the page's own Excel file comes back as the same plan
    _type(page, ".cell-local_budget-2022", "1,250")
    with page.expect_download() as download:
        page.get_by_role("button", name="Plan (Excel)").click()
    book = tmp_path / "mine.xlsx"
    download.value.save_as(book)
    _type(page, ".cell-local_budget-2022", "7")
    _drop(page, "mine.xlsx", book.read_bytes())
    _said(page, "Imported our_plan from mine.xlsx.")
    page.wait_for_function("() => document.querySelector('.cell-local_budget-2022 input').value === '1250'")

    # save, another tab sees it; saving again asks first
    other = _page(browser, server)
    page.get_by_role("button", name="Save plan").click()
    _said(page, "Saved as our_plan")
    other.locator(".start-from").click()
    other.get_by_role("option", name="saved: our_plan", exact=True).wait_for(timeout=30_000)
    other.keyboard.press("Escape")
    page.get_by_role("button", name="Save plan").click()
    page.get_by_text(
        "A saved plan is already called our_plan. Replace it, or keep both (this one as our_plan_2)?"
    ).wait_for()
    page.get_by_role("button", name="Cancel").click()
    assert sorted(p.stem for p in plans.glob("our_plan*.yaml")) == ["our_plan"]
    page.get_by_role("button", name="Save plan").click()
    page.get_by_role("button", name="Keep both").click()
    _said(page, "Saved as our_plan_2")
    assert page.locator(".plan-name input").input_value() == "our_plan_2"
    page.get_by_role("button", name="Save plan").click()
    page.get_by_role("button", name="Replace").click()
    _said(page, "Saved as our_plan_2")
    assert sorted(p.stem for p in plans.glob("our_plan*.yaml")) == ["our_plan", "our_plan_2"]
    other.locator(".start-from").click()
    other.get_by_role("option", name="saved: our_plan_2", exact=True).wait_for(timeout=30_000)
    other.close()
    page.close()
