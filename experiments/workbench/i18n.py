"""The workbench's language: every label, message and verdict shown to a planner goes through `_()`.

Interface (fixed, so every page can use it): `_(text)` returns `text` in the tab's chosen language;
`language` is the tab's choice (a per-tab `solara.reactive`, "en" or "id"); `LANGUAGES` names them.

The words live in gettext catalogues, one standard `.po` file per language:
`experiments/workbench/locale/<code>/LC_MESSAGES/cpsim.po`, read with Babel at first use (cached). The page's
languages are English (the text in the code) and every folder there: a Thai page is one more file,
`locale/th/LC_MESSAGES/cpsim.po`, no code change. A missing (or fuzzy) translation shows the English text.

    python -m experiments.workbench.i18n extract     # collect every _("...") into the .po files (and cpsim.pot)
    python -m experiments.workbench.i18n init th     # start a new language from the template

Text with values: `_("{n} runs done").format(n=n)`, never an f-string inside `_()` (its words could not be
looked up). `N_("...")` marks text for the catalogue without translating it (a constant made at import, shown
later through `_(CONSTANT)`). Outside a page (tests, the command line) `_` is English.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import functools
import string
import sys
from collections.abc import Iterator
from pathlib import Path

import solara

DOMAIN = "cpsim"
SOURCE = "en"  # the language of the text in the code
HERE = Path(__file__).resolve().parent
LOCALE = HERE / "locale"
ROOT = HERE.parents[1]
NAME_CONTEXT = "language name"  # msgctxt of the entry whose translation is the language's own name
NAME_COMMENT = "This language's own name, shown in the page's language switch (e.g. Bahasa Indonesia)."

language = solara.reactive(SOURCE)


def N_(text: str) -> str:
    """Mark `text` for the catalogue; translate it where it is shown, with `_(text)`."""
    return text


def po_file(code: str, folder: Path = LOCALE) -> Path:
    return folder / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalogue(code: str, folder: Path = LOCALE) -> dict[tuple[str | None, str], str]:
    """(msgctxt, msgid) -> translation of one language's `.po` (empty for English or a missing file); only
    entries translated and not marked fuzzy."""
    path = po_file(code, folder)
    if code == SOURCE or not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        cat = read_po(f, locale=None, domain=DOMAIN)
    return {(m.context, m.id): m.string for m in cat if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def discover(folder: Path = LOCALE) -> dict[str, str]:
    """English, then every language with a catalogue under `folder`, each by its own name (the catalogue's
    translation of 'English' in the context 'language name'; else its name in Unicode's CLDR; else its code)."""
    found = {SOURCE: "English"}
    for path in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        code = path.parents[1].name
        if code == SOURCE:
            continue
        name = catalogue(code, folder).get((NAME_CONTEXT, "English"))
        if not name:
            try:
                from babel import Locale

                name = Locale.parse(code).get_display_name() or code
            except (ValueError, LookupError):
                name = code
        found[code] = name
    return found


LANGUAGES = discover()


_forced: contextvars.ContextVar[str | None] = contextvars.ContextVar("cpsim_language", default=None)


@contextlib.contextmanager
def speaking(code: str) -> Iterator[None]:
    """Text in language `code` within the block, wherever it runs: a download built in a background thread
    (outside the tab's kernel) with `with speaking(code_read_in_the_tab): ...`."""
    token = _forced.set(code if code in LANGUAGES else SOURCE)
    try:
        yield
    finally:
        _forced.reset(token)


def current() -> str:
    """The tab's language inside a page (or `speaking`'s); English anywhere else (a test, the command line, a
    worker, a thread outside the tab's kernel)."""
    forced = _forced.get()
    if forced is not None:
        return forced
    try:
        from solara.server import kernel_context

        if not kernel_context.has_current_context():
            return SOURCE
    except (ImportError, RuntimeError):
        return SOURCE
    code = language.value
    return code if code in LANGUAGES else SOURCE


def translate(text: str, code: str, folder: Path = LOCALE) -> str:
    """`text` in language `code` (the English text when it has no translation)."""
    return catalogue(code, folder).get((None, text)) or text


def _(text: str) -> str:
    """`text` in the tab's language (English outside a page, or where the catalogue has no translation)."""
    code = current()
    return text if code == SOURCE else translate(text, code)


def number(x: float, decimals: int = 0, sign: bool = False) -> str:
    """`x` with the tab's digit grouping and decimal mark: 12,345.6 in English, 12.345,6 in Indonesian."""
    code = current()
    if code == SOURCE:
        return f"{x:{'+' if sign else ''},.{decimals}f}"
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(abs(x), pattern, locale=code)
    if text.strip("0.,") == "":  # rounds to zero: no sign, as f"{-0.01:.1f}" would wrongly keep one
        x = 0.0
    return ("-" if x < 0 else "+" if sign else "") + text


# ---- the catalogue's upkeep ------------------------------------------------------------------------------
def placeholders(text: str) -> list[str]:
    """The `{...}` fields of a format string, in order, as written (name, conversion and format)."""
    out = []
    for _lit, name, spec, conv in string.Formatter().parse(text):
        if name is not None:
            out.append("{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}")
    return out


def problems(code: str, folder: Path = LOCALE) -> list[str]:
    """Translations that would break the page: a `{placeholder}` set other than the English text's, or braces
    that are no format string."""
    out = []
    for (_ctx, text), words in catalogue(code, folder).items():
        try:
            if sorted(placeholders(words)) != sorted(placeholders(text)):
                out.append(f"{text!r}: {words!r} has {placeholders(words)}, expected {placeholders(text)}")
        except ValueError as exc:
            out.append(f"{text!r}: {words!r} is no format string ({exc})")
    return out


def marked(path: Path) -> Iterator[tuple[str, int]]:
    """The text of every `_("...")` and `N_("...")` in a Python file, with its line. An f-string or anything
    but plain text inside them raises ValueError (see `dynamic`), except a name or attribute (a constant
    marked with N_ where it is made)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_marker(node.func) and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((arg.value, node.lineno))
    yield from sorted(found, key=lambda item: item[1])


def dynamic(path: Path) -> list[str]:
    """`_()` calls whose text cannot be looked up: f-strings, `+`, `%` or `.format` inside the call."""
    tree = ast.parse(path.read_text(), filename=str(path))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_marker(node.func) and node.args:
            arg = node.args[0]
            if not isinstance(arg, ast.Constant | ast.Name | ast.Attribute | ast.Subscript):
                bad.append(f"{path.name}:{node.lineno}: {ast.unparse(arg)[:80]}")
    return bad


def _is_marker(func: ast.expr) -> bool:
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name in ("_", "N_")


def data_texts() -> list[tuple[str, str]]:
    """Text the workbench shows that is declared outside it: the labels and units of the outcomes its tables
    name (sim/outcomes.py via experiments/plans/paired.py) and the stress test's risks in words
    (experiments/plans/futures.py). (text, where)"""
    from experiments.plans.futures import transition_risks
    from experiments.plans.paired import KPIS
    from sim.outcomes import OUTCOMES

    out: list[tuple[str, str]] = []
    for kpi in KPIS:
        o = OUTCOMES[kpi.key.removesuffix("_after")]
        out.append((o.label, "sim/outcomes.py"))
        unit = {"share": "%", "per year": "% a year"}.get(o.unit, o.unit)
        if unit and o.table_label != o.label:
            out.append((unit, "sim/outcomes.py"))
    out += [(u.about, "experiments/plans/futures.py") for u in transition_risks(2020, 2030)]
    return out


def collect(sources: list[Path] | None = None) -> dict[str, list[str]]:
    """msgid -> where it is used, in order of first use: the workbench's own files, then `data_texts`."""
    found: dict[str, list[str]] = {}
    for path in sources if sources is not None else sorted(HERE.glob("*.py")):
        where = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
        for text, _line in marked(path):
            if text and where not in found.setdefault(text, []):
                found[text].append(where)
    if sources is None:
        for text, where in data_texts():
            if where not in found.setdefault(text, []):
                found[text].append(where)
    return found


HEADER = """\
# The cpsim workbench's words{language}. Updated by `python -m experiments.workbench.i18n extract`:
# translate each msgstr (keep every {{placeholder}} as it is); an empty msgstr shows the English text.
#"""


def _new_catalog(code: str | None, texts: dict[str, list[str]], old: dict[tuple[str | None, str], str], like=None):
    from babel.messages.catalog import Catalog

    cat = Catalog(
        locale=code,
        domain=DOMAIN,
        project="cpsim workbench",
        version="0.1",
        charset="utf-8",
        fuzzy=False,
        header_comment=HEADER.format(language=f" in {code}" if code else ", template"),
        creation_date=like.creation_date if like is not None else None,
        revision_date=like.revision_date if like is not None else None,
        last_translator=like.last_translator if like is not None else "FULL NAME <EMAIL@ADDRESS>",
        language_team=like.language_team if like is not None else "LANGUAGE <LL@li.org>",
    )
    cat.add("English", old.get((NAME_CONTEXT, "English"), ""), context=NAME_CONTEXT, auto_comments=[NAME_COMMENT])
    for text, places in texts.items():
        cat.add(text, old.get((None, text), ""), locations=[(p, None) for p in places])
    return cat


def _write(cat, path: Path) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, cat, width=116, include_lineno=False, ignore_obsolete=True, omit_header=False)


def _read(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f)


def _entries(cat) -> dict[tuple[str | None, str], str]:
    """Every entry of a catalogue, fuzzy ones too (kept as they are by `extract`)."""
    return {(m.context, m.id): m.string for m in cat if m.id and isinstance(m.id, str)}


def extract(folder: Path = LOCALE, sources: list[Path] | None = None) -> dict[str, tuple[int, int]]:
    """Rewrite `cpsim.pot` and every language's `.po` from the text in the code: translations kept, new text
    added untranslated, text no longer used dropped. Returns code -> (entries, untranslated)."""
    texts = collect(sources)
    pot = folder / f"{DOMAIN}.pot"
    _write(_new_catalog(None, texts, {}, _read(pot) if pot.is_file() else None), pot)
    report = {}
    for path in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        code = path.parents[1].name
        old = _read(path)
        cat = _new_catalog(code, texts, _entries(old), old)
        _write(cat, path)
        report[code] = (len(cat), sum(1 for m in cat if m.id and not m.string))
    catalogue.cache_clear()
    return report


def init(code: str, folder: Path = LOCALE) -> Path:
    """A new language's `.po`, every entry untranslated (translate it, and the page offers the language)."""
    path = po_file(code, folder)
    if path.exists():
        raise SystemExit(f"{path} exists already; run `extract` to update it")
    _write(_new_catalog(code, collect(), {}), path)
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["extract"] and len(args) == 1:
        for code, (n, missing) in extract().items():
            print(f"{po_file(code).relative_to(ROOT)}: {n} entries, {missing} untranslated")
        return 0
    if args[:1] == ["init"] and len(args) == 2:
        print(init(args[1]).relative_to(ROOT))
        return 0
    print("usage: python -m experiments.workbench.i18n extract | init LANGUAGE_CODE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
