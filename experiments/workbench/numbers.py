"""Numbers as planners type them: `1,500.5` in English, `1.500,5` in Indonesian, plain `1500`, `0.25` / `0,25`,
and `25%` (a quarter).

`number_locale` is the tab's choice ("en" or "id", a per-tab `solara.reactive`). An entry that one locale reads
one way and the other another way is not guessed but asked about: a single separator followed by exactly three
digits, where the separator is the chosen locale's decimal mark (`1.500` in English could be fifteen hundred
written the Indonesian way; `1,500` in Indonesian likewise). `0.500` is not ambiguous (no one writes 0 thousand).
"""

from __future__ import annotations

import re
from decimal import Decimal

import solara

LOCALES = ("en", "id")
# (decimal mark, thousands mark)
MARKS = {"en": (".", ","), "id": (",", ".")}
number_locale = solara.reactive("en")

SPACES = re.compile(r"[\s\u00a0\u202f]+")


class NotANumber(ValueError):
    """The text is no number in the chosen locale."""


class Ambiguous(ValueError):
    """The text could be read two ways; `thousands` and `decimal` are the two readings."""

    def __init__(self, text: str, thousands: int, decimal: float) -> None:
        super().__init__(text)
        self.text, self.thousands, self.decimal = text, thousands, decimal


def _pattern(locale: str) -> re.Pattern[str]:
    dec, th = (re.escape(m) for m in MARKS[locale])
    return re.compile(rf"^(?P<int>\d{{1,3}}(?:{th}\d{{3}})+|\d+)?(?:{dec}(?P<frac>\d+))?$")


PATTERNS = {loc: _pattern(loc) for loc in LOCALES}


def ambiguous_parts(text: str, locale: str) -> tuple[str, str] | None:
    """(integer digits, three digits) when `text` is `1.500`-like in a locale whose decimal mark is that separator."""
    dec = re.escape(MARKS[locale][0])
    m = re.fullmatch(rf"[+-]?([1-9]\d{{0,2}}){dec}(\d{{3}})", SPACES.sub("", text))
    return (m.group(1), m.group(2)) if m else None


def _decimal(text: str, locale: str) -> tuple[Decimal, bool, bool]:
    """(value, typed as a percent, has decimals); raises Ambiguous or NotANumber."""
    if locale not in MARKS:
        raise ValueError(f"locale {locale!r}")
    raw = SPACES.sub("", text or "")
    percent = raw.endswith("%")
    body = raw.removesuffix("%")
    sign = -1 if body.startswith("-") else 1
    body = body[1:] if body[:1] in ("+", "-") else body
    m = PATTERNS[locale].match(body)
    if not body or not m or (m.group("int") is None and m.group("frac") is None):
        raise NotANumber(text)
    parts = ambiguous_parts(body, locale)
    if parts is not None and not percent:
        raise Ambiguous(text, sign * int("".join(parts)), sign * float(f"{parts[0]}.{parts[1]}"))
    digits = (m.group("int") or "0").replace(MARKS[locale][1], "")
    frac = m.group("frac")
    value = Decimal(digits + ("." + frac if frac else "")) * sign
    return value, percent, frac is not None


def parse(text: str, locale: str) -> int | float:
    """The number typed (int when it has no decimals); raises Ambiguous or NotANumber."""
    value, percent, has_frac = _decimal(text, locale)
    if percent:
        return float(value / 100)
    return float(value) if has_frac else int(value)


def format_number(x: float, locale: str, group: bool = False) -> str:
    """`x` as the locale writes it, never in exponent form (1000000000, not 1e+09), and never ambiguous: a number
    with exactly three decimals gets a fourth, a zero (`1.2340`), so that it cannot be read as thousands."""
    if isinstance(x, bool):
        raise TypeError("a number")
    d = Decimal(repr(float(x))) if not isinstance(x, int) else Decimal(x)
    text = format(d.normalize() if d != d.to_integral_value() else d.to_integral_value(), "f")
    sign = "-" if text.startswith("-") else ""
    text = text.lstrip("-")
    whole, _, frac = text.partition(".")
    if frac and len(frac) == 3 and whole != "0":
        frac += "0"
    dec, th = MARKS[locale]
    if group and len(whole) > 3:
        whole = f"{int(whole):,}".replace(",", th)
    return sign + whole + (dec + frac if frac else "")


def unambiguous(text: str, locale: str, thousands: bool) -> str:
    """The answer to "did you mean 1,500 or 1.5?" as cell text the locale reads one way only."""
    parts = ambiguous_parts(text, locale)
    if parts is None:
        return text
    sign = "-" if SPACES.sub("", text).startswith("-") else ""
    if thousands:
        return sign + "".join(parts)
    return sign + format_number(float(f"{parts[0]}.{parts[1]}"), locale)


def shown(x: float, locale: str) -> str:
    """A number as the question shows it: grouped (`1,500`), decimals as typed (`1.5`)."""
    return format_number(x, locale, group=True)


def relocale(text: str, old: str, new: str) -> str:
    """A cell typed in the `old` locale, rewritten for the `new` one (unchanged when it is no number in `old`)."""
    if old == new or not text.strip():
        return text
    try:
        value, percent, has_frac = _decimal(text, old)
    except ValueError:
        return text
    if percent:
        return format_number(float(value), new) + "%"
    return format_number(float(value) if has_frac else int(value), new)
