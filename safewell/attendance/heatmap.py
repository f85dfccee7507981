"""A pupil's academic year as a calendar heat-map: a server-side SVG, with the same data as
tables for everyone who cannot see it (design.md principle 9).

One row per month, one square per day. A school day is split into its morning (left half)
and afternoon (right half) session; each half is filled by the category of its code and
carries the code itself as a letter, so nothing depends on colour alone, and each has a
`<title>` (date, session, code, meaning). Each category also has its own pattern (dots,
hatching, stripes), shown in the legend. Weekends, holidays, closures, days off roll and
days still to come are drawn distinctly and carry no letters.

The page's Content Security Policy forbids inline styles, so the SVG uses presentation
attributes (`fill`, `stroke`) only, never a `style` attribute or a `<style>` element.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from safewell.attendance import codes
from safewell.attendance.codes import Category
from safewell.attendance.summaries import CODE_OF_BYTE, SessionCounts, year_matrix

AM, PM = "AM", "PM"
SESSION_WORDS = {AM: "morning", PM: "afternoon"}

# Kinds of half-day with no code, and of whole days.
NO_MARK = "no_mark"
FUTURE = "future"
NOT_ON_ROLL = "not_on_roll"
CLOSED = "closed"
HOLIDAY = "holiday"
WEEKEND = "weekend"
# Kinds drawn as one whole-day square when both halves share them.
_WHOLE_DAY_KINDS = frozenset({FUTURE, NOT_ON_ROLL, CLOSED, HOLIDAY})


def _codes_in(category: Category) -> str:
    in_force = [c.code for c in codes.CODES if c.category == category]
    if category == Category.NOT_POSSIBLE:
        # Y1 to Y7 read better as a range.
        in_force = [c for c in in_force if not c.startswith("Y")] + ["Y1–Y7"]
    return " ".join(in_force)


@dataclass(frozen=True)
class Look:
    """How a kind of session or day is drawn, and what the legend calls it."""

    kind: str
    label: str
    background: str
    pattern: str = ""  # SVG drawn on a 6×6 tile over the background
    stroke: str = ""
    dashes: str = ""


# Light backgrounds, so the black letters keep a strong contrast; each category's pattern
# tells it apart without colour.
LOOKS: tuple[Look, ...] = (
    Look(Category.PRESENT.value, f"Present: {_codes_in(Category.PRESENT)}", "#cce2d8"),
    Look(Category.APPROVED_EDUCATIONAL_ACTIVITY.value,
         f"Approved educational activity, counts as attendance (dotted): {_codes_in(Category.APPROVED_EDUCATIONAL_ACTIVITY)}",
         "#d2e2f1", '<circle cx="3" cy="3" r="1" fill="#1d70b8"/>'),
    Look(Category.AUTHORISED.value, f"Authorised absence (striped): {_codes_in(Category.AUTHORISED)}",
         "#fff1b8", '<path d="M-1 1L1 -1M0 6L6 0M5 7L7 5" stroke="#8a6d00" stroke-width="0.8"/>'),
    Look(Category.UNAUTHORISED.value, f"Unauthorised absence (cross-hatched): {_codes_in(Category.UNAUTHORISED)}",
         "#f6d1cb", '<path d="M0 6L6 0M0 0L6 6" stroke="#aa2a16" stroke-width="0.8"/>'),
    Look(Category.NOT_POSSIBLE.value,
         f"Not a possible session (horizontal lines): {_codes_in(Category.NOT_POSSIBLE)}",
         "#e8e9ea", '<path d="M0 3H6" stroke="#6f777b" stroke-width="0.8"/>'),
    Look(Category.ADMINISTRATIVE.value, f"Administrative (vertical lines): {_codes_in(Category.ADMINISTRATIVE)}",
         "#f3f2f1", '<path d="M3 0V6" stroke="#6f777b" stroke-width="0.8"/>'),
    Look(NO_MARK, "No mark yet (dashed outline)", "#ffffff", stroke="#0b0c0c", dashes="2 1.5"),
    Look(FUTURE, "Still to come (thin outline)", "#ffffff", stroke="#b1b4b6"),
    Look(NOT_ON_ROLL, "Not on roll (small dots)", "#f8f8f8", '<circle cx="1.5" cy="1.5" r="0.7" fill="#6f777b"/>'),
    Look(CLOSED, "School closed: INSET day or planned closure (diagonal lines)", "#dee0e2",
         '<path d="M-1 5L1 7M0 0L6 6M5 -1L7 1" stroke="#505a5f" stroke-width="0.8"/>'),
    Look(HOLIDAY, "Holiday or bank holiday (plain light grey)", "#eeefef"),
    Look(WEEKEND, "Weekend (plain dark grey)", "#b1b4b6"),
)
LOOK = {look.kind: look for look in LOOKS}
_CATEGORY_WORDS = {
    Category.PRESENT.value: "present",
    Category.APPROVED_EDUCATIONAL_ACTIVITY.value: "approved educational activity",
    Category.AUTHORISED.value: "authorised absence",
    Category.UNAUTHORISED.value: "unauthorised absence",
    Category.NOT_POSSIBLE.value: "not a possible session",
    Category.ADMINISTRATIVE.value: "administrative",
}


@dataclass(frozen=True)
class HalfDay:
    session: str
    code: str  # "" when there is no mark
    kind: str
    title: str
    # Named by an alert's evidence: drawn with a heavy outline (policy alert pages).
    flagged: bool = False

    @property
    def words(self) -> str:
        """What the half-day says, for the tables: the code, or what kind of session it is."""
        return self.code or {NO_MARK: "no mark", FUTURE: "to come", NOT_ON_ROLL: "off roll",
                             CLOSED: "closed", HOLIDAY: "holiday"}.get(self.kind, "")


@dataclass(frozen=True)
class Day:
    date: dt.date
    # WEEKEND, a whole-day kind (holiday, closed…), or "sessions" when drawn as two halves.
    kind: str
    halves: tuple[HalfDay, ...]
    title: str

    @property
    def is_split(self) -> bool:
        return self.kind == "sessions"

    @property
    def same_all_day(self) -> bool:
        """Both sessions uncoded and alike (e.g. no mark yet), so a table can say it once."""
        return len(self.halves) == 2 and not any(h.code for h in self.halves) and self.halves[0].kind == self.halves[1].kind

    @property
    def words(self) -> str:
        """A whole day in words, for the tables."""
        return {WEEKEND: "weekend", HOLIDAY: "holiday", CLOSED: "closed", NOT_ON_ROLL: "off roll",
                FUTURE: "to come"}.get(self.kind, "")


@dataclass(frozen=True)
class Month:
    first: dt.date
    days: tuple[Day, ...]
    # The sessions on roll up to "today": codes, and scheduled sessions with no mark yet.
    sessions: SessionCounts


@dataclass(frozen=True)
class Week:
    monday: dt.date
    # Monday to Friday; None for a weekday outside the academic year.
    days: tuple[Day | None, ...]


@dataclass(frozen=True)
class PupilYearHeatmap:
    pupil_name: str
    academic_year: str
    starts_on: dt.date
    ends_on: dt.date
    today: dt.date
    months: tuple[Month, ...]
    weeks: tuple[Week, ...]

    @property
    def legend(self) -> tuple[Look, ...]:
        return LOOKS

    def svg(self) -> SafeString:
        return heatmap_svg(self)


# --- Building the year ----------------------------------------------------------------------------


def pupil_year_heatmap(
    *, pupil, academic_year, today: dt.date, flagged: frozenset[tuple[dt.date, str]] = frozenset()
) -> PupilYearHeatmap:
    """The pupil's sessions of `academic_year` from the session store, each placed on the
    calendar of the site the pupil was enrolled at that day. `flagged` (date, "AM"/"PM")
    sessions, e.g. an alert's evidence, are outlined and say so in their titles."""
    from safewell.attendance.store import year_sessions
    from safewell.schools.calendar import SchoolCalendar

    year = year_sessions(academic_year)
    store = year_matrix(academic_year, [pupil.id])[0]
    enrolments = [
        e for e in pupil.enrolments.select_related("site")
        if e.admission_date <= academic_year.ends_on and (e.leaving_date is None or e.leaving_date >= academic_year.starts_on)
    ]
    sites = {pupil.site_id: pupil.site, **{e.site_id: e.site for e in enrolments}}
    calendars = {site_id: SchoolCalendar.for_academic_year(site, academic_year) for site_id, site in sites.items()}
    days: list[Day] = []
    day = academic_year.starts_on
    while day <= academic_year.ends_on:
        if day.weekday() >= 5:
            days.append(Day(day, WEEKEND, (), f"{day:%a %-d %b %Y}: weekend"))
        else:
            enrolment = next((e for e in enrolments if e.is_on_roll(day)), None)
            calendar = calendars[enrolment.site_id if enrolment else pupil.site_id]
            halves = tuple(
                _flagged_if(
                    _half_day(day, session, CODE_OF_BYTE[store[year.session_index(day, session)]],
                              calendar, on_roll=enrolment is not None, today=today),
                    (day, session) in flagged,
                )
                for session in (AM, PM)
            )
            days.append(_day_of(day, halves))
        day += dt.timedelta(days=1)
    return PupilYearHeatmap(
        pupil.display_name, academic_year.name, academic_year.starts_on, academic_year.ends_on, today,
        _months(days, today), _weeks(days),
    )


def _half_day(day: dt.date, session: str, code: str, calendar, *, on_roll: bool, today: dt.date) -> HalfDay:
    when = f"{day:%a %-d %b %Y}, {SESSION_WORDS[session]}"
    if code:
        found = codes.by_code(code)
        return HalfDay(session, code, found.category.value,
                       f"{when}: {code}, {found.meaning}; {_CATEGORY_WORDS[found.category.value]}")
    if session not in calendar.scheduled_sessions(day):
        closure = calendar.closure(day, session)
        if closure is not None:
            reason = f" ({closure.reason})" if closure.reason else ""
            return HalfDay(session, "", CLOSED, f"{when}: school closed{reason}")
        bank_holiday = calendar.bank_holiday(day)
        return HalfDay(session, "", HOLIDAY, f"{when}: {f'bank holiday, {bank_holiday}' if bank_holiday else 'holiday'}")
    if not on_roll:
        return HalfDay(session, "", NOT_ON_ROLL, f"{when}: not on roll")
    if day > today:
        return HalfDay(session, "", FUTURE, f"{when}: still to come")
    return HalfDay(session, "", NO_MARK, f"{when}: no mark yet")


FLAGGED_WORDS = "flagged by the alert"
FLAG_STROKE = "#0b0c0c"


def _flagged_if(half: HalfDay, flagged: bool) -> HalfDay:
    if not flagged:
        return half
    return HalfDay(half.session, half.code, half.kind, f"{half.title} ({FLAGGED_WORDS})", flagged=True)


def _day_of(day: dt.date, halves: tuple[HalfDay, ...]) -> Day:
    am, pm = halves
    if any(h.flagged for h in halves):
        return Day(day, "sessions", halves, f"{day:%a %-d %b %Y}")
    if not am.code and not pm.code and am.kind == pm.kind and am.kind in _WHOLE_DAY_KINDS:
        # One square for the whole day; the title without the session.
        return Day(day, am.kind, halves, am.title.replace(", morning", "", 1))
    return Day(day, "sessions", halves, f"{day:%a %-d %b %Y}")


def _counted(day: Day, today: dt.date) -> list[HalfDay]:
    """The half-days of `day` that the month's figures count: on roll, up to today."""
    if day.date > today:
        return []
    return [h for h in day.halves if h.kind not in (NOT_ON_ROLL, FUTURE, CLOSED, HOLIDAY) or h.code]


def _months(days: Sequence[Day], today: dt.date) -> tuple[Month, ...]:
    months: list[Month] = []
    start = 0
    for i in range(1, len(days) + 1):
        if i == len(days) or days[i].date.month != days[start].date.month:
            chunk = tuple(days[start:i])
            halves = [h for d in chunk for h in _counted(d, today)]
            counts = SessionCounts.from_codes(
                (h.code for h in halves if h.code), sum(1 for h in halves if h.kind == NO_MARK)
            )
            months.append(Month(chunk[0].date.replace(day=1), chunk, counts))
            start = i
    return tuple(months)


def _weeks(days: Sequence[Day]) -> tuple[Week, ...]:
    weeks: dict[dt.date, list[Day | None]] = {}
    for day in days:
        if day.kind != WEEKEND:
            slots = weeks.setdefault(day.date - dt.timedelta(days=day.date.weekday()), [None] * 5)
            slots[day.date.weekday()] = day
    return tuple(Week(monday, tuple(slots)) for monday, slots in weeks.items())


# --- Drawing -------------------------------------------------------------------------------------

_LABEL_WIDTH = 64
_HEADER_HEIGHT = 18
_PITCH = 26  # one day, including the gap
_SIZE = 24  # a day's square
_ROW = 26
_HALF = 11.5  # each session, with a 1-unit gap between them
_FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"


def _patterns() -> str:
    tiles = []
    for look in LOOKS:
        tiles.append(
            f'<pattern id="hm-{look.kind}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{look.background}"/>{look.pattern}</pattern>'
        )
    return "<defs>" + "".join(tiles) + "</defs>"


def _rect(x: float, y: float, width: float, height: float, kind: str) -> str:
    look = LOOK[kind]
    stroke = ""
    if look.stroke:
        stroke = f' stroke="{look.stroke}" stroke-width="1"'
        if look.dashes:
            stroke += f' stroke-dasharray="{look.dashes}"'
        x, y, width, height = x + 0.5, y + 0.5, width - 1, height - 1
    return f'<rect x="{x:g}" y="{y:g}" width="{width:g}" height="{height:g}" fill="url(#hm-{kind})"{stroke}/>'


def _letter(x: float, y: float, code: str) -> str:
    size = 10 if len(code) == 1 else 7.5
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" font-family="{_FONT}" text-anchor="middle" '
        f'fill="#0b0c0c">{escape(code)}</text>'
    )


def _day_svg(day: Day, x: float, y: float) -> str:
    if not day.is_split:
        return f"<g><title>{escape(day.title)}</title>{_rect(x, y, _SIZE, _SIZE - 2, day.kind)}</g>"
    parts = []
    for n, half in enumerate(day.halves):
        left = x + n * (_HALF + 1)
        letter = _letter(left + _HALF / 2, y + 15, half.code) if half.code else ""
        outline = _flag_outline(left, y) if half.flagged else ""
        parts.append(f"<g><title>{escape(half.title)}</title>{_rect(left, y, _HALF, _SIZE - 2, half.kind)}{letter}{outline}</g>")
    return "".join(parts)


def _flag_outline(x: float, y: float) -> str:
    """A heavy outline and a corner notch: a flagged session stands out by shape, not colour."""
    return (
        f'<rect x="{x + 1:g}" y="{y + 1:g}" width="{_HALF - 2:g}" height="{_SIZE - 4:g}" fill="none" '
        f'stroke="{FLAG_STROKE}" stroke-width="2"/>'
        f'<path d="M{x:g} {y:g}h6l-6 6z" fill="{FLAG_STROKE}"/>'
    )


def heatmap_svg(heatmap: PupilYearHeatmap) -> SafeString:
    """The year as an SVG image (`role="img"`, named by its title; its data is in the tables)."""
    width = _LABEL_WIDTH + 31 * _PITCH
    height = _HEADER_HEIGHT + len(heatmap.months) * _ROW
    out = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
            'aria-labelledby="heatmap-title heatmap-desc" focusable="false">'
            '<title id="heatmap-title">Attendance of {}, {}: every session of the year</title>'
            '<desc id="heatmap-desc">One row per month and one square per day; the left half of a school '
            'day is the morning session and the right half the afternoon, each marked with its '
            'attendance code. The tables below hold the same data.</desc>',
            width, height, heatmap.pupil_name, heatmap.academic_year,
        ),
        _patterns(),
    ]
    for number in range(1, 32):
        out.append(
            f'<text x="{_LABEL_WIDTH + (number - 1) * _PITCH + _SIZE / 2:g}" y="12" font-size="10" '
            f'font-family="{_FONT}" text-anchor="middle" fill="#505a5f">{number}</text>'
        )
    for row, month in enumerate(heatmap.months):
        y = _HEADER_HEIGHT + row * _ROW
        out.append(
            f'<text x="0" y="{y + 15}" font-size="11" font-family="{_FONT}" fill="#0b0c0c">'
            f"{month.first:%b %Y}</text>"
        )
        for day in month.days:
            out.append(_day_svg(day, _LABEL_WIDTH + (day.date.day - 1) * _PITCH, y))
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped or ours


def legend_swatch(kind: str, sample: str = "") -> SafeString:
    """A small picture of how `kind` is drawn, for the legend (decorative: the label says it)."""
    letter = _letter(12, 14, sample) if sample else ""
    return mark_safe(  # noqa: S308 - our own markup
        '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="20" viewBox="0 0 24 20" '
        f'aria-hidden="true" focusable="false">{_rect(0, 0, 24, 20, kind)}{letter}</svg>'
    )


_SAMPLE_LETTERS = {
    Category.PRESENT.value: "/",
    Category.APPROVED_EDUCATIONAL_ACTIVITY.value: "B",
    Category.AUTHORISED.value: "I",
    Category.UNAUTHORISED.value: "O",
    Category.NOT_POSSIBLE.value: "D",
    Category.ADMINISTRATIVE.value: "#",
}


@dataclass(frozen=True)
class LegendItem:
    swatch: SafeString
    label: str


def legend_items() -> list[LegendItem]:
    return [LegendItem(legend_swatch(look.kind, _SAMPLE_LETTERS.get(look.kind, "")), look.label) for look in LOOKS]
