"""What every terminal view shares: the console, the fictional banner, labelled lines that never
cut a value, and tables that give way to blocks when they would cut one (issue 13.3).

Rules that keep identifiers, phones, e-mails, web addresses and commune names whole at any
width and in a pipe:
- data always goes through `Text()` (a name such as "CMP [adultes]" is not markup, DESIGN §8)
  and is scrubbed of terminal control characters first (`safe.scrub`);
- an atomic value (identifier, phone, e-mail, address on the web) is printed on its own line
  with rich's wrapping off: the terminal may fold it visually, the bytes stay whole, so a copy
  or a `grep` finds it;
- prose wraps at spaces, its continuation lines aligned under the value;
- a table is drawn only when its narrowest layout keeps every no-wrap column whole; otherwise
  the same rows are printed as blocks.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from rich.console import Console
from rich.measure import Measurement
from rich.panel import Panel
from rich.text import Text

NR = "non renseigné"
FICTIF_BANNER = "DONNÉES FICTIVES DE FORMATION : aucune de ces structures n'existe, ne les contactez pas."


class PipeConsole(Console):
    def on_broken_pipe(self) -> None:
        # rich exits with status 1 when the reader closes the pipe (`orienter ... | head`);
        # the command's guard turns the BrokenPipeError into a quiet exit 0, as for JSON.
        raise BrokenPipeError


def console() -> Console:
    return PipeConsole(highlight=False, soft_wrap=False, emoji=False, markup=False)


def fictional_banner(out: Console) -> None:
    out.print(Panel(Text(FICTIF_BANNER, style="bold black on yellow"), border_style="yellow"))


def value(v: Any, style: str = "") -> Text:
    if v is None or v == "" or v == []:
        return Text(NR, style="dim italic")
    return v if isinstance(v, Text) else Text(str(v), style=style)


_NBSP = "\u00a0"
_KEEP = "\ue000"  # stands for a no-break space while rich wraps (rich splits on every \\s)


def wrapped(out: Console, body: Text, first: str | Text = "", rest: str | None = None) -> None:
    """Print `body` wrapped at spaces to the console width, after `first` on the first line and
    `rest` (spaces of the same width by default) on the others: no trailing spaces, no-break
    spaces kept, a word longer than the line folded rather than cut."""
    first = first if isinstance(first, Text) else Text(first)
    rest = " " * first.cell_len if rest is None else rest
    width = max(20, out.width - first.cell_len)
    protected = body.copy()
    protected.plain = protected.plain.replace(_NBSP, _KEEP)
    lines = protected.wrap(out, width, overflow="fold") if protected.plain else [Text("")]
    for i, piece in enumerate(lines):
        piece.rstrip()
        piece.plain = piece.plain.replace(_KEEP, _NBSP)
        out.print((first.copy() if i == 0 else Text(rest)) + piece, soft_wrap=True)


def prose(out: Console, label: str, v: Any, indent: int = 3, label_style: str = "") -> None:
    """`label : value` with the value wrapped at spaces and aligned under itself."""
    wrapped(out, value(v), Text(" " * indent) + Text(f"{label} :", style=label_style) + Text(" "))


def atomic(out: Console, label: str, v: Any, indent: int = 3, style: str = "", suffix: Text | None = None) -> None:
    """`label : value` on one line that rich never wraps nor crops: for identifiers, phones,
    e-mails and addresses on the web."""
    line = Text(" " * indent) + (Text(f"{label} : ") if label else Text("")) + value(v, style)
    if suffix is not None:
        line += suffix
    out.print(line, soft_wrap=True)


def line(out: Console, text: Text | str, indent: int = 0, hang: int | None = None) -> None:
    """A line of prose, wrapped at spaces; its continuation lines indented by `hang` (default:
    the indent, plus 2 after a bullet)."""
    t = text if isinstance(text, Text) else Text(text)
    if hang is None:
        hang = indent + (2 if t.plain.startswith(("- ", "· ", "✔ ")) else 0)
    wrapped(out, t, " " * indent, " " * hang)


def _widths(out: Console, table: Any) -> list[tuple[int, int, bool]]:
    """(narrowest, natural, wraps) width of each column, padding included: a no-wrap column
    needs its longest line, a wrapping one its longest word."""
    wide = out.options.update_width(10_000)
    found = []
    for i, column in enumerate(table.columns):
        pad = table._get_padding_width(i)
        cells = [column.header, *column._cells]
        lows, highs = [1], [1]
        for cell in cells:
            m = Measurement.get(out, wide, cell if not isinstance(cell, str) else Text(cell))
            lows.append(m.maximum if column.no_wrap else m.minimum)
            highs.append(m.maximum)
        found.append((max(lows) + pad, max(highs) + pad, not column.no_wrap))
    return found


def fits(out: Console, table: Any) -> bool:
    """Whether `table` can be drawn at this width with every no-wrap column whole and no word
    of a wrapping column split; when it can, its wrapping columns get fixed widths that say so
    (rich would otherwise shrink the widest columns first, splitting long words)."""
    widths = _widths(out, table)
    room = out.width - table._extra_width
    if sum(low for low, _, _ in widths) > room:
        return False
    if sum(high for _, high, _ in widths) <= room:
        return True
    spare = room - sum(low for low, _, _ in widths)
    slack = sum(high - low for low, high, wraps in widths if wraps) or 1
    for i, (low, high, wraps) in enumerate(widths):
        column = table.columns[i]
        if wraps:
            column.width = low + (spare * (high - low)) // slack - table._get_padding_width(i)
        else:
            column.width = high - table._get_padding_width(i)
    return True


def table_or_blocks(out: Console, table: Any, blocks: Callable[[], None]) -> None:
    if fits(out, table):
        out.print(table)
    else:
        blocks()


def contacts(out: Console, c: dict[str, Any] | None, indent: int = 3, keys: Iterable[str] = (
        "telephone", "courriel", "site", "formulaire")) -> bool:
    """Each contact on its own whole line; False when there is none."""
    names = {"telephone": "Téléphone", "courriel": "Courriel", "site": "Site", "formulaire": "Formulaire"}
    shown = False
    for k in keys:
        if c and c.get(k):
            atomic(out, names[k], c[k], indent)
            shown = True
    return shown
