"""Directory data made inert for each output (issue 12.5): a name or a note from a territory
file is text, never a terminal command, a Markdown link or heading, nor HTML.

- `clean` / `scrub`: no terminal escape sequence (CSI, OSC, ...), no C0 or C1 control character
  (carriage return, bell, backspace, 0x9b...), no bidirectional override, whatever the data;
  applied to every string of a result before rich prints it;
- `md`: a data field inline in Markdown (one line, every markup character escaped, web
  addresses not auto-linked);
- `html`: the standard escaping, for text and attribute values;
- `web_url`: an address that may become a link (http or https, nothing that breaks out).
"""

from __future__ import annotations

import html as _html
import re
from typing import Any

# ESC sequences: CSI (ESC [ ... final), OSC / DCS / SOS / PM / APC (up to BEL or ESC \), and
# two-character escapes; then any other C0 control but tab and newline, DEL, C1 controls, and
# the Unicode controls that reorder or hide text (bidi overrides and isolates).
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~]?)")
_C1_CSI = re.compile(r"\x9b[0-?]*[ -/]*[@-~]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean(text: str, newlines: bool = True) -> str:
    """`text` without terminal control: escape sequences and control characters removed
    (newlines kept when `newlines`, else turned into spaces; tabs become spaces)."""
    if not text:
        return text
    text = _ESCAPE.sub("", text)
    text = _C1_CSI.sub("", text)
    text = text.replace("\r\n", "\n").replace("\t", " ")
    if not newlines:
        text = text.replace("\n", " ")
    return _CONTROLS.sub("", text)


def scrub(data: Any, newlines: bool = False) -> Any:
    """A copy of a result (dicts, lists, strings) with every string cleaned; newlines become
    spaces unless `newlines` (a name on two lines could pass for another entry)."""
    if isinstance(data, str):
        return clean(data, newlines)
    if isinstance(data, dict):
        return {k: scrub(v, newlines) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [scrub(v, newlines) for v in data]
    return data


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
_AUTOLINK = re.compile(r"(?i)(https?|ftp|file|mailto|www)([:.])")


def md(text: Any) -> str:
    """One data field inline in Markdown: on one line, every character that Markdown or
    GitHub's extensions read as markup escaped, and addresses kept from becoming links (an
    invisible word joiner after `http`, `www`). A leading `-`, `+` or `1.` cannot start a
    list: fields always follow a label on the line."""
    if text is None:
        return ""
    text = re.sub(r"\s+", " ", clean(str(text))).strip()
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _AUTOLINK.sub(lambda m: m.group(1) + "\u2060" + m.group(2), text)


def html(text: Any) -> str:
    return _html.escape(clean(str(text)) if text is not None else "", quote=True)


_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$", re.IGNORECASE)


def web_url(value: Any) -> str | None:
    """`value` when it is an http(s) address fit for a link, else None (shown as text)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if _URL.match(value) and not _CONTROLS.search(value) else None


_EMAIL = re.compile(r"^[^\s@<>\"'`\\(),;:]+@[^\s@<>\"'`\\(),;:]+\.[^\s@<>\"'`\\(),;:]+$")


def email(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if _EMAIL.match(value) else None


def phone_uri(value: Any) -> str | None:
    """tel: address of a French phone number as written (« 01 99 00 10 10 », « 3114 »)."""
    if not isinstance(value, str):
        return None
    digits = re.sub(r"[\s.\-\u00a0]", "", value)
    return digits if re.fullmatch(r"\+?\d{3,15}", digits) else None
