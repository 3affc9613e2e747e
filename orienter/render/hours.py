"""Opening hours: the common forms of OpenStreetMap's `opening_hours` syntax, read and said in
French (« Mo-Fr 09:00-17:30 » -> « du lundi au vendredi, 9 h – 17 h 30 », with no-break spaces
inside a time so that « 17 h 30 » never splits across lines).

What is read (rules separated by `;`, a later rule replacing the days it names, as in OSM):
- `24/7`;
- days: `Mo` ... `Su`, ranges (`Mo-Fr`, `Fr-Mo`), lists (`Mo,We,Fr`, `Mo-We,Fr`), `PH` (public
  holidays); no days means every day;
- times: `HH:MM-HH:MM`, several separated by commas, past midnight (`18:00-02:00`, `18:00-26:00`);
- `off` or `closed`; a comment in double quotes (`"sur rendez-vous"`).
Anything else (months, weeks, dates, sunrise, `||`) is reported as not read: `validate` warns
(O312) and the sheet shows the text as written. Standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orienter.render.labels import join

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
EXAMPLE = "Mo-Fr 09:00-17:30"


class HoursError(ValueError):
    """Not read: `message` in French, `column` (1-based) where reading stopped."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass
class Hours:
    always: bool  # 24/7
    days: dict[int, list[tuple[int, int]]]  # 0 = Monday ... 6 = Sunday, 7 = public holidays
    comments: list[str]


_TOKEN = re.compile(r"""\s*(?:(?P<time>\d{1,2}:\d{2}-\d{1,2}:\d{2})|(?P<day>Mo|Tu|We|Th|Fr|Sa|Su|PH)
                       |(?P<word>off|closed|open)|(?P<comment>"[^"]*")|(?P<sep>[-,])|(?P<always>24/7))""",
                    re.VERBOSE)


def parse(text: str) -> Hours:
    """Read `text`, or raise HoursError saying what was not understood and where."""
    if text is None or not str(text).strip():
        raise HoursError("horaires vides", 1)
    text = str(text)
    days: dict[int, list[tuple[int, int]]] = {}
    comments: list[str] = []
    parts = text.split(";")
    offset = 0
    for i, part in enumerate(parts):
        if part.strip():
            # `Mo-Fr 09:00-12:00, Sa 10:00-12:00`: a comma after times then days is an
            # additional rule (it adds to the days it names instead of replacing them).
            start = 0
            for m in [*_ADDITIONAL.finditer(part), None]:
                end = m.start() if m else len(part)
                _rule(part[start:end], offset + start, days, comments, additive=start > 0)
                start = m.end() if m else start
        elif i < len(parts) - 1 or i == 0:
            raise HoursError("règle vide entre deux « ; »", offset + 1)
        offset += len(part) + 1
    always = all(days.get(d) == [(0, 24 * 60)] for d in range(7))
    return Hours(always=always, days=days, comments=comments)


_ADDITIONAL = re.compile(r"(?<=\d),\s*(?=(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)\b)")


def _rule(part: str, offset: int, days: dict[int, list[tuple[int, int]]], comments: list[str],
          additive: bool = False) -> bool:
    pos = 0
    selected: list[int] = []
    times: list[tuple[int, int]] = []
    closed = False
    always = False
    pending_range = False
    last_day: int | None = None
    stage = "days"  # days, then times, then a state word or a comment
    while pos < len(part):
        if not part[pos:].strip():
            break
        m = _TOKEN.match(part, pos)
        if not m:
            word = re.match(r"\s*(\S+)", part[pos:])
            found = word.group(1) if word else part[pos:]
            column = offset + pos + (len(word.group(0)) - len(found) if word else 0) + 1
            raise HoursError(f"« {found} » n'est pas lu (attendu : jours Mo-Su, heures HH:MM-HH:MM, off ; "
                             f"ex. « {EXAMPLE} »)", column)
        column = offset + m.start(m.lastgroup or 0) + 1
        kind, value = m.lastgroup, m.group(m.lastgroup or 0)
        pos = m.end()
        if kind == "always":
            if selected or times:
                raise HoursError("« 24/7 » s'écrit seul", column)
            always = True
            stage = "state"
        elif kind == "day":
            if stage != "days":
                raise HoursError(f"jour « {value} » après les heures : écrivez les jours d'abord", column)
            index = 7 if value == "PH" else DAYS.index(value)
            if pending_range:
                if last_day is None or last_day == 7 or index == 7:
                    raise HoursError("intervalle de jours invalide", column)
                span = [(last_day + k) % 7 for k in range(1, (index - last_day) % 7 + 1)]
                selected += span
                pending_range = False
            else:
                selected.append(index)
            last_day = index
        elif kind == "sep" and value == "-":
            if stage != "days" or last_day is None or pending_range:
                raise HoursError("« - » inattendu", column)
            pending_range = True
        elif kind == "sep":  # a comma: between days, or between times
            if stage == "days" and last_day is None or pending_range:
                raise HoursError("« , » inattendu", column)
        elif kind == "time":
            if stage == "state":
                raise HoursError(f"heures « {value} » inattendues", column)
            stage = "times"
            times.append(_span(value, column))
        elif kind == "word":
            if stage == "state":
                raise HoursError(f"« {value} » inattendu", column)
            closed = value in ("off", "closed")
            if value == "open" and not times:
                times.append((0, 24 * 60))
            stage = "state"
        elif kind == "comment":
            comments.append(value.strip('"').strip())
            stage = "state"
    if pending_range:
        raise HoursError("intervalle de jours inachevé", offset + len(part))
    if not (selected or times or closed or always or comments):
        raise HoursError("règle sans jours ni heures", offset + 1)
    if always:
        for d in range(7):
            days[d] = [(0, 24 * 60)]
        return True
    if not times and not closed and selected:
        if not comments:
            raise HoursError("jours sans heures : ajoutez HH:MM-HH:MM ou off", offset + len(part))
        return False
    targets = selected or list(range(7))
    for d in dict.fromkeys(targets):
        if closed:
            days[d] = []
        else:
            days[d] = sorted(set(days.get(d, []) + times)) if additive else sorted(times)
    return False


def _span(value: str, column: int) -> tuple[int, int]:
    start, end = value.split("-")
    a, b = _minutes(start, column), _minutes(end, column + len(start) + 1)
    if a >= 24 * 60:
        raise HoursError(f"heure de début « {start} » invalide", column)
    if b == a:
        raise HoursError(f"plage « {value} » vide", column)
    if b < a:  # past midnight: 18:00-02:00
        b += 24 * 60
    if b > 48 * 60:
        raise HoursError(f"heure de fin « {end} » invalide", column + len(start) + 1)
    return a, b


def _minutes(hhmm: str, column: int) -> int:
    h, m = (int(x) for x in hhmm.split(":"))
    if m >= 60 or h > 48:
        raise HoursError(f"heure « {hhmm} » invalide", column)
    return h * 60 + m


def problem(text: str | None) -> HoursError | None:
    """None when `text` reads, else what is wrong (for `validate`)."""
    if text is None:
        return None
    try:
        parse(text)
    except HoursError as exc:
        return exc
    return None


# --- French -------------------------------------------------------------------------------


def _clock(minutes: int) -> str:
    if minutes == 24 * 60:
        return "minuit"
    h, m = divmod(minutes, 60)
    next_day = h >= 24 and minutes != 24 * 60
    h = h % 24 if next_day else h
    text = f"{h}\u00a0h" + (f"\u00a0{m:02d}" if m else "")
    return text + (" (le lendemain)" if next_day else "")


def _times(spans: list[tuple[int, int]]) -> str:
    if spans == [(0, 24 * 60)]:
        return "24\u00a0h sur 24"
    return join([f"{_clock(a)} – {_clock(b)}" for a, b in spans])


def _days(selected: list[int]) -> str:
    weekdays = sorted(d for d in selected if d < 7)
    if weekdays == list(range(7)):
        words = ["tous les jours"]
    else:
        runs: list[list[int]] = []
        for d in weekdays:
            if runs and runs[-1][-1] == d - 1:
                runs[-1].append(d)
            else:
                runs.append([d])
        words = []
        for run in runs:
            if len(run) >= 3:
                words.append(f"du {NAMES[run[0]]} au {NAMES[run[-1]]}")
            else:
                words += [NAMES[d] for d in run]
    if 7 in selected:
        words.append("les jours fériés")
    return join(words)


def french(text: str | None) -> str | None:
    """The hours in French, or the text as written (with a note) when it is not read; None
    when there is nothing to say."""
    if text is None or not str(text).strip():
        return None
    try:
        hours = parse(text)
    except HoursError:
        return f"{text} (horaires au format non reconnu)"
    comments = "".join(f" ({c})" for c in hours.comments if c)
    if hours.always:
        closed = " (fermé les jours fériés)" if hours.days.get(7) == [] else ""
        return "24\u00a0h sur 24, 7\u00a0jours sur 7" + closed + comments
    groups: list[tuple[list[int], list[tuple[int, int]]]] = []
    for d in [*range(7), 7]:
        spans = hours.days.get(d)
        if not spans:
            continue
        for group in groups:
            if group[1] == spans:
                group[0].append(d)
                break
        else:
            groups.append(([d], spans))
    parts = [f"{_days(days)}, {_times(spans)}" for days, spans in groups]
    if hours.days.get(7) == []:
        parts.append("fermé les jours fériés")
    if not parts:
        return ("fermé" + comments) if not comments else comments.strip(" ()")
    said = " ; ".join(parts)
    return said[0].upper() + said[1:] + comments
