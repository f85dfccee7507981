"""A synthetic population of pupils and a year of their session marks, calibrated to the
published figures for England (design.md principle 8; issue 3 part 6).

This module is pure numpy: no Django, no database. `population_plan` draws schools,
pupils, families and characteristics; `marks_simulate` draws a school year of session
codes for every pupil at once. The `safewell generate` command turns both into database
rows; the calibration tests call them directly.

The recipe is `shared/reference/figures.md` §D, and every number below is cited beside it:
- [A1] … [A5] are the sections of figures.md §A (DfE statistics, with their own sources);
- [D] is the calibration recipe of figures.md §D;
- [fitted] was tuned by simulation so that the outputs hit the [A] targets (see
  `tests/generator/test_generator_calibration.py`, which checks them);
- [estimate] is a plausible value with no published source in figures.md. Each says so.

How a pupil's year is drawn (figures.md §D):
1. a long-run absence rate r from a two-component Beta mixture (a main component and a
   small high-absence one), shifted by phase, characteristics (FSM, SEN, CIN, GRT) and a
   factor shared by siblings;
2. a two-state Markov chain over the school sessions (present ⇄ absent) whose entry rate
   gives r in the long run and whose exit rate gives the mean spell length of the reason
   (illness spells are short, a severe absentee's are long). The entry rate varies by
   week of term (the seasonal curve) and by weekday and session (Friday afternoon highest,
   Wednesday morning lowest);
3. each spell has one reason, drawn when it starts: illness, medical appointment,
   exceptional leave, religious observance, or unauthorised "other" (O);
4. overlays: family term-time holidays (G, the same dates for all siblings), educational
   visits of a whole registration group (V), a few temporary part-time timetables (C2),
   other approved educational activity (P, B, K), and late arrivals (L before the
   register closes, U after).

The chain runs session by session (about 380 steps), each step vectorised over every
pupil of a chunk, never a Python loop per pupil per session.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

# --- Phases ----------------------------------------------------------------------------------

PRIMARY, SECONDARY, SPECIAL = 0, 1, 2
PHASES = ("primary", "secondary", "special")

# Overall absence by phase, 2023/24 full year: primary 5.5%, secondary 8.9%, special 13.0%
# [A2, DfE EES "Pupil absence in schools in England 2023/24"].
PHASE_ABSENCE_TARGET = np.array([0.055, 0.089, 0.130])
# Persistent absence by phase. Primary 15% and secondary 25% are FFT's 2024/25 full year
# [A2, FFT "Is the start of term critical…", Sep 2025]. Special: 40.9% is an autumn-term
# figure [A2, Tes quoting DfE, autumn 2022/23]; a full year runs a little lower, so we aim
# for about 36% [estimate]. Overall this gives about 20% (2023/24: 20.0% [A1]).
PHASE_PA_TARGET = np.array([0.15, 0.25, 0.36])
# Severe absence by phase: term-level figures are primary 0.7%, secondary 2.8%, special
# 5.8% [A2, Tes quoting DfE, autumn 2022/23]; overall about 2% (2.0% 2022/23, 2.3% 2023/24
# [A1]). We aim for those term-level figures.
PHASE_SA_TARGET = np.array([0.007, 0.028, 0.058])

# Share of pupils by phase, so that the overall rate comes out at the national mix:
# state-funded primary 4,614,990 and secondary 3,669,933 pupils (Jan 2024) [A5, secondary
# source quoting DfE]; special schools about 160,000 [estimate: figures.md has no count].
PHASE_PUPIL_SHARE = np.array([4_614_990, 3_669_933, 160_000], dtype=float)
PHASE_PUPIL_SHARE /= PHASE_PUPIL_SHARE.sum()
# Share of schools by phase: about 16,800 primary, 3,450 secondary and 1,050 special
# state-funded schools [estimate: DfE "Schools, pupils and their characteristics" Jan 2024
# from memory; figures.md gives only the 24,453 total, A5].
PHASE_SCHOOL_SHARE = np.array([16_800, 3_450, 1_050], dtype=float)
PHASE_SCHOOL_SHARE /= PHASE_SCHOOL_SHARE.sum()
# National curriculum year groups taught in each phase: Reception (0) to Year 6; Years 7 to
# 11 (the compulsory-age years of the headline statistics, A intro); special schools take
# ages 5 to 19, Years 1 to 14 (seed 004 takes 7-19) [estimate].
PHASE_YEAR_GROUPS = (tuple(range(0, 7)), tuple(range(7, 12)), tuple(range(1, 15)))
# Registration group sizes: classes of about 30 in primary and forms of about 28 in
# secondary; special-school classes of about 9 [estimate].
PHASE_GROUP_SIZE = np.array([30, 28, 9])

# --- Characteristics --------------------------------------------------------------------------

# FSM eligible 24.6% of pupils (Jan 2024) [A5]; drawn per family, since eligibility is a
# household's.
FSM_RATE = 0.246
# EHC plan 5.3% of pupils (Jan 2025) [A5]. Nearly every special-school pupil has one
# (95% [estimate]); the mainstream rate is set so the whole population comes to 5.3%.
EHCP_RATE = 0.053
EHCP_RATE_SPECIAL = 0.95
# SEN support 14.2% (Jan 2025) [A5], among pupils without an EHC plan in mainstream.
SEN_SUPPORT_RATE = 0.142
# Children in need at 31 March 2024: 399,460, 332.9 per 10,000 children [A5], so about
# 3.3%. CIN is about three times as common in FSM households [estimate], which keeps the
# total at 3.3%: 2.0% × 75.4% + 7.4% × 24.6% = 3.3%.
CIN_RATE_NOT_FSM = 0.020
CIN_RATE_FSM = 0.074
# Of children in need, about 12% are on a child protection plan and about 20% are looked
# after [estimate: DfE "Children in need" and "Children looked after" 2024 from memory;
# not in figures.md]. Both are kept inside CIN here, as the DfE CIN census does.
CP_PLAN_SHARE_OF_CIN = 0.12
LOOKED_AFTER_SHARE_OF_CIN = 0.20
# Gypsy, Roma and Traveller pupils about 0.5% [estimate: DfE ethnicity figures, not in
# figures.md], drawn per family.
GRT_RATE = 0.005
# Young carers about 1.5% of pupils [estimate].
YOUNG_CARER_RATE = 0.015
# Boys are about 51% of mainstream pupils and about 73% of special-school pupils
# [estimate].
MALE_RATE = np.array([0.51, 0.51, 0.73])

# Number of school-age siblings a family has in the population (1 = an only child here)
# [estimate: about 1.7 children per family].
FAMILY_SIZE_WEIGHTS = {1: 0.50, 2: 0.33, 3: 0.12, 4: 0.05}

# --- Absence: the rate distribution -----------------------------------------------------------

# Group multipliers on the main component's mean rate [A4]:
# - FSM 10.0% vs 5.2% (autumn 2024/25, DfE): about 1.9× the rate, 2.1× the PA. Part of that
#   comes through SEN and CIN (more common among FSM pupils here), so the direct factor is
#   a little lower [fitted].
# - EHC plan 13.1% / SEN support 10.1% / no SEN 5.8% (autumn 2024/25, DfE): 2.3× and 1.7×.
#   In special schools the phase target already holds the EHCP effect, so it applies in
#   mainstream only.
# - CIN (all social-care groups) 16.4% vs about 7.5% (2022/23, DfE via Community Care):
#   2.2× the rate, and 10.1% vs 2.2% severe absence: 4.6×.
# - Looked-after children have lower absence than children in need [A4, DfE Outcomes for
#   CLA 2018]: we undo most of the CIN factor for them [estimate].
# - Gypsy/Roma 13.0%, Traveller of Irish heritage 18.8% (2017/18, DfE) against about 4.7%
#   then [A1]: about 3×.
MULT_FSM = 1.9  # [fitted] towards 1.9× realised
MULT_EHCP_MAINSTREAM = 2.1  # [fitted] towards 2.3×
MULT_SEN_SUPPORT = 1.65  # [fitted] towards 1.7×
MULT_CIN = 2.3  # [fitted] towards 2.2×
MULT_LOOKED_AFTER = 0.6  # [estimate] applied on top of CIN
MULT_GRT = 2.6  # [fitted] towards about 3×
# The same groups are over-represented among severe absentees, so they raise the weight
# of the high-absence component: CIN 4.6× SA [A4]; FSM about 3% SA vs about 2% [A4,
# 2021/22]; SEN (PMLD 9%, SEMH 7% SA, 2021/22 [A4]); GRT 8-14% SA (2021/22 [A4]).
HIGH_MULT_FSM = 1.8  # [fitted]
HIGH_MULT_SEN = 1.8  # [fitted]
HIGH_MULT_CIN = 4.6  # [A4]
HIGH_MULT_GRT = 5.0  # [estimate] from 8-14% SA against about 2%

# Two-component Beta mixture [D]: a main component (weight 97.5%, concentration 6, spells
# of 3 sessions) and a high-absence one (weight 2.5%, mean 0.70, concentration 4, spells of
# 20 sessions). The weights, concentrations and means per phase were [fitted] so that each
# phase hits its target mean, PA and SA once the chain, the seasonal curve, the overlays
# and the group multipliers are all applied (figures.md §D notes a single Beta is less
# right-skewed than the real distribution; per-phase fitting is its suggested fix).
HIGH_WEIGHT = np.array([0.0025, 0.0125, 0.035])  # [fitted] per phase, towards PHASE_SA_TARGET
HIGH_MEAN = 0.70  # [D]
HIGH_CONCENTRATION = 4.0  # [D]
MAIN_CONCENTRATION = np.array([5.0, 4.5, 4.5])  # [fitted] near [D]'s 6, towards the PA targets
# Siblings share a family factor: a log-normal multiplier on the main mean. No published
# sibling correlation was found; σ = 0.8 (with the same factor on the high-absence weight)
# gives siblings' yearly rates a correlation of about 0.18 [estimate].
FAMILY_SIGMA = 0.8
# Each pupil's own persistent tilt on top of the Beta [fitted] (keeps PA up once the mean
# is pinned, as figures.md §D says the real distribution is more right-skewed).
PUPIL_SIGMA = 0.2
MAX_RATE = 0.97
# The main component stays below severe absence; the high-absence component supplies it.
MAIN_MEAN_CAP = 0.2

# --- Absence: reasons and spells --------------------------------------------------------------

# Chain reasons (the reason of each spell), with their codes (statutory.md §1).
ILLNESS, MEDICAL, EXCEPTIONAL, RELIGIOUS, OTHER_UNAUTHORISED = range(5)
REASON_CODES = ("I", "M", "C", "R", "O")
# Mean spell length in sessions, main component: illness spells of about 3 sessions
# [D, FFT: "half of spells are 2-4 sessions"]; a medical appointment is one session; other
# leave 2 [estimate]; unauthorised other spells 3 [D].
MAIN_SPELL = np.array([3.0, 1.0, 2.0, 1.5, 3.0])
# High-absence component: spells of 20 sessions [D: "half of severe absentees have one
# spell"], whatever the reason, except appointments.
HIGH_SPELL = np.array([20.0, 1.0, 6.0, 1.5, 20.0])
# Share of chain absence by reason (main component), per phase. The targets [A2, 2023/24]:
# primary 5.5% = 3.9 authorised + 1.6 unauthorised; secondary 8.9% = 5.4 + 3.5; special
# 13.0% = 9.7 + 3.3. Illness is about half of all absence (3.5 of 7.1 pp, 2023/24 [A1]).
# Unauthorised holiday (G, about 0.5 pp [A1 note]), part-time timetables (C2) and late
# arrival after close (U) come from overlays, so they are left out of these shares.
# Columns: illness, medical, exceptional, religious, unauthorised other.
MAIN_REASON_SHARE = np.array(
    [
        [0.66, 0.08, 0.08, 0.01, 0.17],  # primary  [fitted to the auth/unauth split]
        [0.56, 0.06, 0.05, 0.01, 0.32],  # secondary
        [0.58, 0.12, 0.08, 0.01, 0.21],  # special
    ]
)
# Severe absentees: mostly long unauthorised or illness absence [estimate].
HIGH_REASON_SHARE = np.array(
    [
        [0.45, 0.02, 0.08, 0.0, 0.45],
        [0.35, 0.02, 0.05, 0.0, 0.58],
        [0.50, 0.03, 0.12, 0.0, 0.35],
    ]
)
# FSM pupils' absence leans more unauthorised: unauthorised rate 2.9 vs authorised 5.0
# overall [A2 daily 2024/25]; FSM pupils about a third unauthorised [estimate]. We move
# this much of the illness share to "other unauthorised" for FSM pupils.
FSM_UNAUTHORISED_TILT = 0.10

# --- Absence: time effects ---------------------------------------------------------------------

# Weekly shape of overall absence, as (position in the half term 0..1, rate %) anchors per
# half term [A3, DfE pupil attendance releases 2023-2025]:
# autumn starts at 4.7-4.9% and rises to 7.0-7.1% before half term; dips to about 6.0%
# after it and peaks at 8.4-9.4% in the last week; spring starts about 7.9%, 6.4-6.5% in
# week 2, 7.6-8.0% before half term and 8.2-9.6% in the last week; summer has a low of
# about 6.4% in May, 8.8% before half term and 10.7% in the last week. Where a half
# term's start is not given we assume about 7% [estimate].
HALF_TERM_SHAPE: tuple[tuple[tuple[float, float], ...], ...] = (
    ((0.0, 4.8), (1.0, 7.05)),
    ((0.0, 6.0), (1.0, 8.9)),
    ((0.0, 7.9), (0.15, 6.45), (1.0, 7.8)),
    ((0.0, 7.0), (1.0, 8.9)),
    ((0.0, 7.0), (0.6, 6.4), (1.0, 8.8)),
    ((0.0, 7.2), (1.0, 10.7)),
)
# Illness drives most of that movement (1.9-2.0% at the start of autumn to 4.5-4.9% in
# December [A3]); unauthorised absence is flat at about 2.0%, 2.4-2.5% before half term
# and 2.7-3.3% in a term's last week [A3]. So the seasonal curve scales illness, and
# unauthorised absence gets the end-of-term bumps.
UNAUTHORISED_HALF_TERM_END_BUMP = 1.22  # 2.45 / 2.0 [A3]
UNAUTHORISED_TERM_END_BUMP = 1.5  # 3.0 / 2.0 [A3]

# Entry-rate factor by weekday (Mon..Fri) and session (AM, PM). FFT autumn 2021 [A3]: the
# lowest session is Wednesday morning; Friday AM is +1.2 pp (primary) / +1.6 pp
# (secondary) above it and Friday PM +1.6 / +2.1 pp; afternoons run slightly above
# mornings (pupils sent home ill). Because spells carry over, the entry factors are
# steeper than the occupancy they produce [fitted].
WEEKDAY_ENTRY = np.array(
    [
        [1.00, 1.10],  # Monday
        [0.90, 1.00],  # Tuesday
        [0.70, 0.90],  # Wednesday
        [0.90, 1.05],  # Thursday
        [1.35, 1.75],  # Friday
    ]
)
# Spells more often end over a weekend (recovery, and a fresh start on Monday): the exit
# probability at the first session after a weekend or holiday [estimate].
EXIT_AFTER_BREAK = 0.45

# --- Overlays ---------------------------------------------------------------------------------

# Term-time holidays (G): unauthorised holiday was 0.5% of sessions in 2023/24 [A1 note].
# A share of families take one, of 3 to 10 school days, most often next to a holiday
# [estimate], all siblings on the same dates. 0.5% of 380 sessions = 1.9 sessions a pupil:
# 16% of families × about 12 sessions.
HOLIDAY_FAMILY_RATE = np.array([0.19, 0.13, 0.08])  # by the eldest child's phase [fitted]
HOLIDAY_DAYS = (3, 10)
HOLIDAY_NEXT_TO_BREAK = 0.7
# Approved educational activity: 42,437 of 13.6m possible sessions on 8 Sep 2025, 0.31%
# [A5]. We put most of it into group trips (V): each registration group has on average
# 0.5 trip days a year [estimate], plus some individual P (sport) and B sessions.
TRIP_DAYS_PER_GROUP = 0.5
INDIVIDUAL_AEA_RATE = np.array([0.0003, 0.0010, 0.0010])  # per session, P or B [estimate]
# Off-site provision arranged by the LA (K): a few special-school pupils spend one day a
# week there [estimate].
K_PUPIL_RATE = np.array([0.0, 0.0, 0.05])
# Temporary part-time timetables (C2, reg 11(6) [C]): afternoons off for a block of
# 6 weeks, for a few pupils [estimate].
PART_TIME_RATE = np.array([0.002, 0.006, 0.04])
PART_TIME_WEEKS = 6
# Late arrivals. No national figure is in figures.md, so [estimate]: L on about 1.5% of
# primary and 3% of secondary morning sessions attended; U (after the register closed,
# unauthorised, statutory.md §9) about a tenth as often. Young carers are late four times
# as often (seed 004's "caring responsibilities"), FSM pupils 1.5 times.
LATE_RATE_AM = np.array([0.015, 0.03, 0.02])
LATE_RATE_PM = 0.002
LATE_AFTER_CLOSE_SHARE = 0.1
LATE_MULT_YOUNG_CARER = 4.0
LATE_MULT_FSM = 1.5

# --- Codes the simulation emits ---------------------------------------------------------------

# The simulation writes small integers; SIM_CODES[i] is the national code of value i.
# 0 is "no mark" (a session that is not this pupil's, or after `until`).
SIM_CODES = ("", "/", "\\", "L", "I", "M", "C", "R", "O", "G", "V", "P", "B", "K", "C2", "U", "N")
SIM = {code: index for index, code in enumerate(SIM_CODES)}
_REASON_TO_SIM = np.array([SIM[c] for c in REASON_CODES], dtype=np.uint8)
ABSENCE_SIM = frozenset(SIM[c] for c in ("I", "M", "C", "R", "O", "G", "C2", "U", "N"))
UNAUTHORISED_SIM = frozenset(SIM[c] for c in ("O", "G", "U", "N"))


# --- The population ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """Every pupil of the synthetic population, one array entry each (index = pupil)."""

    school: np.ndarray  # int32, index into school_phase
    phase: np.ndarray  # uint8, PRIMARY / SECONDARY / SPECIAL
    year_group: np.ndarray  # int8, national curriculum year (0 = Reception)
    group: np.ndarray  # int32, registration group, numbered across all schools
    family: np.ndarray  # int32
    male: np.ndarray  # bool
    free_school_meals: np.ndarray  # bool
    ehc_plan: np.ndarray  # bool
    sen_support: np.ndarray  # bool
    child_in_need: np.ndarray  # bool
    child_protection_plan: np.ndarray  # bool
    looked_after: np.ndarray  # bool
    gypsy_roma_traveller: np.ndarray  # bool
    young_carer: np.ndarray  # bool
    school_phase: np.ndarray  # uint8 per school
    school_local_authority: np.ndarray  # int16 per school
    group_school: np.ndarray  # int32 per registration group
    group_year: np.ndarray  # int8 per registration group

    @property
    def size(self) -> int:
        return int(self.school.shape[0])


def phase_school_counts(n_schools: int) -> np.ndarray:
    """Schools per phase in the national proportions, every phase present from 3 schools."""
    if n_schools < 1:
        raise ValueError("At least one school is needed.")
    if n_schools < 3:
        return np.array([1, n_schools - 1, 0])
    counts = np.maximum(1, np.floor(PHASE_SCHOOL_SHARE * n_schools)).astype(int)
    while counts.sum() < n_schools:
        counts[np.argmax(PHASE_SCHOOL_SHARE * n_schools - counts)] += 1
    while counts.sum() > n_schools:
        counts[np.argmax(counts)] -= 1
    return counts


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Largest-remainder split of `total` into parts proportional to `weights`."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() == 0:
        return np.zeros(len(weights), dtype=int)
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(int)
    remainder = total - parts.sum()
    parts[np.argsort(parts - exact)[:remainder]] += 1
    return parts


def population_plan(*, n_pupils: int, n_schools: int, rng: np.random.Generator) -> Population:
    """Schools (by phase, in local authorities), registration groups, pupils, families and
    their characteristics."""
    school_phase = np.repeat(np.arange(3, dtype=np.uint8), phase_school_counts(n_schools))
    n_schools = len(school_phase)
    # About 150 LAs for about 21,000 state-funded schools [A5]: 140 schools an LA.
    n_las = max(1, math.ceil(n_schools / 140))
    school_la = rng.permutation(np.arange(n_schools) % n_las).astype(np.int16)

    present_phases = np.unique(school_phase)
    share = np.zeros(3)
    share[present_phases] = PHASE_PUPIL_SHARE[present_phases]
    per_phase = _split(n_pupils, share)
    school = np.empty(n_pupils, dtype=np.int32)
    start = 0
    for phase in present_phases:
        schools = np.flatnonzero(school_phase == phase)
        # School sizes vary: gamma weights (shape 4, so a CV of 50%) [estimate].
        sizes = _split(int(per_phase[phase]), rng.gamma(4.0, size=len(schools)))
        school[start : start + sizes.sum()] = np.repeat(schools, sizes)
        start += sizes.sum()
    phase = school_phase[school]

    year_group = np.empty(n_pupils, dtype=np.int8)
    for p in range(3):
        rows = phase == p
        year_group[rows] = rng.choice(PHASE_YEAR_GROUPS[p], size=int(rows.sum()))
    group, group_school, group_year = _registration_groups(school, phase, year_group, rng)
    family = _families(school_la[school], rng)
    characteristics = _characteristics(phase, family, rng)
    return Population(
        school=school,
        phase=phase,
        year_group=year_group,
        group=group,
        family=family,
        school_phase=school_phase,
        school_local_authority=school_la,
        group_school=group_school,
        group_year=group_year,
        **characteristics,
    )


def _registration_groups(
    school: np.ndarray, phase: np.ndarray, year_group: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each school year into groups of about the phase's size, pupils at random."""
    n = len(school)
    key = school.astype(np.int64) * 32 + year_group
    order = np.lexsort((rng.random(n), key))
    sorted_key = key[order]
    boundaries = np.flatnonzero(np.diff(sorted_key)) + 1
    starts = np.concatenate(([0], boundaries))
    sizes = np.diff(np.concatenate((starts, [n])))
    cohort_phase = phase[order][starts]
    groups_per_cohort = np.maximum(1, np.rint(sizes / PHASE_GROUP_SIZE[cohort_phase])).astype(int)
    # Position within the cohort, dealt round-robin into its groups.
    position = np.arange(n) - np.repeat(starts, sizes)
    first_group = np.concatenate(([0], np.cumsum(groups_per_cohort)[:-1]))
    group_sorted = np.repeat(first_group, sizes) + position % np.repeat(groups_per_cohort, sizes)
    group = np.empty(n, dtype=np.int32)
    group[order] = group_sorted
    group_school = np.repeat(school[order][starts], groups_per_cohort).astype(np.int32)
    group_year = np.repeat(year_group[order][starts], groups_per_cohort).astype(np.int8)
    return group, group_school, group_year


def _families(la: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Group pupils of the same local authority into families of 1-4 siblings."""
    n = len(la)
    order = np.lexsort((rng.random(n), la))
    sizes_choice = np.array(list(FAMILY_SIZE_WEIGHTS))
    weights = np.array(list(FAMILY_SIZE_WEIGHTS.values()))
    # Enough family sizes to cover everyone, then cut at each LA boundary.
    sizes = rng.choice(sizes_choice, size=n, p=weights)
    family_of_position = np.repeat(np.arange(n), sizes)[:n]
    la_sorted = la[order]
    la_change = np.concatenate(([False], la_sorted[1:] != la_sorted[:-1]))
    new_family = np.concatenate(([True], family_of_position[1:] != family_of_position[:-1]))
    family_sorted = np.cumsum(new_family | la_change) - 1
    family = np.empty(n, dtype=np.int32)
    family[order] = family_sorted
    return family


def _characteristics(phase: np.ndarray, family: np.ndarray, rng: np.random.Generator) -> dict:
    n = len(phase)
    n_families = int(family.max()) + 1 if n else 0
    fsm = (rng.random(n_families) < FSM_RATE)[family]
    grt = (rng.random(n_families) < GRT_RATE)[family]
    special = phase == SPECIAL
    special_share = special.mean() if n else 0.0
    mainstream_ehcp = max(0.0, (EHCP_RATE - EHCP_RATE_SPECIAL * special_share) / max(1e-9, 1 - special_share))
    ehcp = rng.random(n) < np.where(special, EHCP_RATE_SPECIAL, mainstream_ehcp)
    # SEN support is among mainstream pupils without a plan; scale so the total is 14.2%.
    eligible = (~special) & (~ehcp)
    sen_rate = min(0.9, SEN_SUPPORT_RATE / max(1e-9, eligible.mean())) if n else 0.0
    sen_support = eligible & (rng.random(n) < sen_rate)
    cin = rng.random(n) < np.where(fsm, CIN_RATE_FSM, CIN_RATE_NOT_FSM)
    role = rng.random(n)
    cp_plan = cin & (role < CP_PLAN_SHARE_OF_CIN)
    looked_after = cin & (role >= 1 - LOOKED_AFTER_SHARE_OF_CIN)
    return {
        "male": rng.random(n) < MALE_RATE[phase],
        "free_school_meals": fsm,
        "ehc_plan": ehcp,
        "sen_support": sen_support,
        "child_in_need": cin,
        "child_protection_plan": cp_plan,
        "looked_after": looked_after,
        "gypsy_roma_traveller": grt,
        "young_carer": rng.random(n) < YOUNG_CARER_RATE,
    }


# --- The session calendar ---------------------------------------------------------------------


@dataclass(frozen=True)
class SessionTimeline:
    """The sessions the simulation runs over, in order: the union of every school's
    sessions for the year (a school's own sessions are a subset)."""

    dates: np.ndarray  # datetime64[D]
    is_pm: np.ndarray  # bool
    weekday: np.ndarray  # int8, 0 = Monday
    half_term: np.ndarray  # int8, 0..5
    position: np.ndarray  # float, 0..1 within the half term
    after_break: np.ndarray  # bool: first session after a weekend or holiday
    last_week_of_half_term: np.ndarray  # bool
    last_week_of_term: np.ndarray  # bool: before Christmas, Easter or summer

    @property
    def size(self) -> int:
        return int(self.dates.shape[0])

    @classmethod
    def from_sessions(cls, sessions: list[tuple[date, str]]) -> SessionTimeline:
        """From (date, "AM"|"PM") pairs, e.g. SchoolCalendar.year_sessions()."""
        ordered = sorted(set(sessions), key=lambda s: (s[0], s[1]))
        dates = np.array([d for d, _ in ordered], dtype="datetime64[D]")
        is_pm = np.array([s == "PM" for _, s in ordered], dtype=bool)
        return cls.build(dates, is_pm)

    @classmethod
    def build(cls, dates: np.ndarray, is_pm: np.ndarray) -> SessionTimeline:
        days = dates.astype("datetime64[D]").astype(np.int64)
        weekday = ((days + 3) % 7).astype(np.int8)  # 1970-01-01 was a Thursday
        day_gap = np.diff(days, prepend=days[0] - 1) if len(days) else days
        # A gap of more than 5 days between school days is a holiday (a weekend plus a
        # bank holiday is at most 4).
        new_half_term = day_gap > 5
        half_term = np.minimum(np.cumsum(new_half_term), len(HALF_TERM_SHAPE) - 1).astype(np.int8)
        position = np.zeros(len(days))
        for h in np.unique(half_term):
            rows = half_term == h
            first, last = days[rows].min(), days[rows].max()
            position[rows] = (days[rows] - first) / max(1, last - first)
        after_break = (day_gap > 1) & ~is_pm
        # The last 7 calendar days before a break (or the year's end).
        break_after = np.concatenate((new_half_term[1:], [True]))
        end_day_of_half = np.zeros(len(days), dtype=np.int64)
        for h in np.unique(half_term):
            rows = half_term == h
            end_day_of_half[rows] = days[rows].max()
        last_week = end_day_of_half - days < 7
        # Term ends (Christmas, Easter, summer) follow the 2nd, 4th and 6th half terms.
        last_week_of_term = last_week & np.isin(half_term, (1, 3, 5))
        del break_after
        return cls(
            dates=dates,
            is_pm=is_pm,
            weekday=weekday,
            half_term=half_term,
            position=position,
            after_break=after_break,
            last_week_of_half_term=last_week & ~last_week_of_term,
            last_week_of_term=last_week_of_term,
        )

    def overall_shape(self) -> np.ndarray:
        """The published weekly shape of overall absence at each session (%)."""
        shape = np.empty(self.size)
        for h, anchors in enumerate(HALF_TERM_SHAPE):
            rows = self.half_term == h
            xs, ys = zip(*anchors)
            shape[rows] = np.interp(self.position[rows], xs, ys)
        return shape


def school_days(start: date, end: date, holidays: list[tuple[date, date]]) -> list[date]:
    """Weekdays from start to end outside the holiday ranges (a helper for tests and for a
    timeline without a calendar)."""
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and not any(a <= day <= b for a, b in holidays):
            days.append(day)
        day += timedelta(days=1)
    return days


def timeline_for_days(days: list[date]) -> SessionTimeline:
    return SessionTimeline.from_sessions([(d, s) for d in days for s in ("AM", "PM")])


# --- Time profiles of the spell-entry rate ------------------------------------------------------


def _entry_profiles(timeline: SessionTimeline, phase_shares: np.ndarray) -> np.ndarray:
    """f[reason, t]: how the entry rate of each reason varies over the year, mean 1."""
    t = timeline.size
    weekday = WEEKDAY_ENTRY[timeline.weekday, timeline.is_pm.astype(int)]
    overall = timeline.overall_shape()
    # Unauthorised absence is flat at about 2.0% with end-of-term bumps [A3]; the rest of
    # the published overall curve is illness and other authorised absence.
    unauthorised = np.full(t, 2.0)
    unauthorised[timeline.last_week_of_half_term] *= UNAUTHORISED_HALF_TERM_END_BUMP
    unauthorised[timeline.last_week_of_term] *= UNAUTHORISED_TERM_END_BUMP
    illness = np.maximum(overall - unauthorised - 0.8, 0.5)
    flat = np.ones(t)
    profiles = np.stack(
        [
            illness * weekday,
            flat,  # medical appointments: no weekly shape [estimate]
            flat,
            flat,
            unauthorised * weekday,
        ]
    )
    return profiles / profiles.mean(axis=1, keepdims=True)


# --- Per-pupil rates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PupilRates:
    rate: np.ndarray  # long-run chain absence rate
    high: np.ndarray  # bool: drawn from the high-absence component
    profile: np.ndarray  # int: index into the reason profiles (phase × component × FSM)


def _group_multiplier(pop: Population) -> np.ndarray:
    mult = np.ones(pop.size)
    mult *= np.where(pop.free_school_meals, MULT_FSM, 1.0)
    mainstream = pop.phase != SPECIAL
    mult *= np.where(pop.ehc_plan & mainstream, MULT_EHCP_MAINSTREAM, 1.0)
    mult *= np.where(pop.sen_support, MULT_SEN_SUPPORT, 1.0)
    mult *= np.where(pop.child_in_need, MULT_CIN, 1.0)
    mult *= np.where(pop.looked_after, MULT_LOOKED_AFTER, 1.0)
    mult *= np.where(pop.gypsy_roma_traveller, MULT_GRT, 1.0)
    return mult


def _high_multiplier(pop: Population) -> np.ndarray:
    mult = np.ones(pop.size)
    mult *= np.where(pop.free_school_meals, HIGH_MULT_FSM, 1.0)
    mult *= np.where((pop.ehc_plan & (pop.phase != SPECIAL)) | pop.sen_support, HIGH_MULT_SEN, 1.0)
    mult *= np.where(pop.child_in_need & ~pop.looked_after, HIGH_MULT_CIN, 1.0)
    mult *= np.where(pop.gypsy_roma_traveller, HIGH_MULT_GRT, 1.0)
    return mult


# The share of each phase's absence that the overlays (holiday G, part-time C2, late U)
# supply, so the chain aims at the rest [fitted].
OVERLAY_ABSENCE = np.array([0.0065, 0.0060, 0.0140])
CHAIN_GAIN = np.array([1.09, 1.15, 1.24])


def pupil_rates(pop: Population, rng: np.random.Generator) -> PupilRates:
    """Each pupil's long-run absence rate from the chain (figures.md §D's Beta mixture,
    shifted by group multipliers and a family factor, normalised per phase so each phase's
    mean is its target)."""
    n = pop.size
    n_families = int(pop.family.max()) + 1 if n else 0
    family_factor = np.exp(FAMILY_SIGMA * rng.standard_normal(n_families) - FAMILY_SIGMA**2 / 2)
    pupil_factor = np.exp(PUPIL_SIGMA * rng.standard_normal(n) - PUPIL_SIGMA**2 / 2)
    mult = _group_multiplier(pop) * family_factor[pop.family] * pupil_factor
    # Severe absence runs in families too: the family factor also scales the weight of
    # the high-absence component.
    high_weight = HIGH_WEIGHT[pop.phase] * _high_multiplier(pop) * family_factor[pop.family]
    high_weight = np.minimum(0.5, high_weight)
    high = rng.random(n) < high_weight
    high_rate = rng.beta(HIGH_MEAN * HIGH_CONCENTRATION, (1 - HIGH_MEAN) * HIGH_CONCENTRATION, n)

    rate = np.empty(n)
    main_mean = np.zeros(n)
    for p in range(3):
        rows = pop.phase == p
        if not rows.any():
            continue
        # Solve for the phase's main mean so that the phase's expected rate is its
        # target: mean over pupils of (main rate, or the high rate) = target − overlays.
        target = PHASE_ABSENCE_TARGET[p] - OVERLAY_ABSENCE[p]
        high_part = np.where(high[rows], high_rate[rows], 0.0).sum()
        main_rows = rows & ~high
        mult_sum = mult[main_rows].sum()
        base = max(0.0, (target * rows.sum() - high_part) / max(mult_sum, 1e-9))
        main_mean[main_rows] = base * mult[main_rows]
    mean = np.clip(main_mean, 1e-4, MAIN_MEAN_CAP)
    concentration = MAIN_CONCENTRATION[pop.phase]
    main_rate = rng.beta(mean * concentration, (1 - mean) * concentration)
    rate = np.where(high, high_rate, main_rate)
    # The chain realises a little less than r (spells end over weekends and holidays, and
    # the year is short), so the rate it is given is raised to compensate [fitted].
    rate = np.clip(rate * CHAIN_GAIN[pop.phase], 0.0, MAX_RATE)
    profile = pop.phase.astype(np.int64) * 4 + high * 2 + pop.free_school_meals
    return PupilRates(rate=rate, high=high, profile=profile)


def _reason_profiles() -> tuple[np.ndarray, np.ndarray]:
    """W[profile, reason] (share of absence sessions) and L[profile, reason] (spell length)
    for the 12 profiles phase × (main, high) × (not FSM, FSM)."""
    shares = np.zeros((12, len(REASON_CODES)))
    spells = np.zeros((12, len(REASON_CODES)))
    for phase in range(3):
        for high in (0, 1):
            for fsm in (0, 1):
                w = (HIGH_REASON_SHARE if high else MAIN_REASON_SHARE)[phase].copy()
                if fsm:
                    moved = min(FSM_UNAUTHORISED_TILT, w[ILLNESS])
                    w[ILLNESS] -= moved
                    w[OTHER_UNAUTHORISED] += moved
                index = phase * 4 + high * 2 + fsm
                shares[index] = w / w.sum()
                spells[index] = HIGH_SPELL if high else MAIN_SPELL
    return shares, spells


# --- The simulation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarksChunk:
    start: int  # first pupil index
    codes: np.ndarray  # uint8 (pupils, sessions) of SIM_CODES values


CHUNK_PUPILS = 50_000


def marks_simulate(
    *,
    population: Population,
    timeline: SessionTimeline,
    seed: int,
    chunk_pupils: int = CHUNK_PUPILS,
) -> Iterator[MarksChunk]:
    """The year's session codes for every pupil, chunk by chunk (pupils in order).

    Deterministic for a given seed, population and timeline. Everything per pupil is drawn
    up front; the chain then runs one session at a time over a chunk of pupils.
    """
    root = np.random.SeedSequence([seed, 0x5AFE])
    rates_rng, overlay_rng, chain_seed = (np.random.default_rng(s) for s in root.spawn(3))
    rates = pupil_rates(population, rates_rng)
    overlays = _overlays_plan(population, timeline, overlay_rng)
    shares, spells = _reason_profiles()
    profiles_f = _entry_profiles(timeline, shares)
    # Entry rate per profile and session: g[p, t] = Σ_k W[p,k] f[k,t] / L[p,k], so that a
    # pupil with long-run rate r enters a spell of reason k at odds(r) · W f / L and stays
    # L sessions on average, spending r of the year absent (figures.md §D: p01 = r(1-p11)
    # /(1-r) with p11 = 1 - 1/L, extended to several reasons).
    weighted = shares[:, :, None] * profiles_f[None, :, :] / spells[:, :, None]
    entry = weighted.sum(axis=1)  # (profiles, t)
    reason_cdf = np.cumsum(weighted / np.maximum(entry[:, None, :], 1e-12), axis=1)
    exit_prob = 1.0 / spells  # (profiles, reasons)
    chunk_seeds = chain_seed.bit_generator.seed_seq.spawn(
        max(1, math.ceil(population.size / chunk_pupils))
    )
    for number, start in enumerate(range(0, population.size, chunk_pupils)):
        stop = min(population.size, start + chunk_pupils)
        rng = np.random.default_rng(chunk_seeds[number])
        codes = _chain(
            rates.rate[start:stop],
            rates.profile[start:stop],
            timeline,
            entry,
            reason_cdf,
            exit_prob,
            rng,
        )
        _apply_overlays(codes, start, population, timeline, overlays, rng)
        yield MarksChunk(start=start, codes=codes)


def marks_simulate_all(*, population: Population, timeline: SessionTimeline, seed: int) -> np.ndarray:
    """The whole (pupils × sessions) matrix of SIM_CODES values."""
    out = np.zeros((population.size, timeline.size), dtype=np.uint8)
    for chunk in marks_simulate(population=population, timeline=timeline, seed=seed):
        out[chunk.start : chunk.start + chunk.codes.shape[0]] = chunk.codes
    return out


def _chain(
    rate: np.ndarray,
    profile: np.ndarray,
    timeline: SessionTimeline,
    entry: np.ndarray,
    reason_cdf: np.ndarray,
    exit_prob: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    n, t_count = len(rate), timeline.size
    odds = (rate / (1.0 - rate)).astype(np.float32)
    entry32 = entry.astype(np.float32)
    exit32 = exit_prob.astype(np.float32)
    # reason + 1 while absent, 0 while present.
    state = np.zeros(n, dtype=np.int8)
    # Start from the stationary state: absent with probability r.
    absent0 = rng.random(n) < rate
    state[absent0] = _draw_reasons(reason_cdf[profile[absent0], :, 0], rng) + 1
    out = np.empty((t_count, n), dtype=np.uint8)
    present_code = np.where(timeline.is_pm, SIM["\\"], SIM["/"]).astype(np.uint8)
    reason_sim = np.concatenate(([0], _REASON_TO_SIM)).astype(np.uint8)
    for t in range(t_count):
        u = rng.random(n, dtype=np.float32)
        absent = state > 0
        if t > 0:
            # Leave a spell with probability 1/L of its reason (more often after a break).
            p_exit = exit32[profile, np.maximum(state - 1, 0)]
            if timeline.after_break[t]:
                p_exit = np.maximum(p_exit, EXIT_AFTER_BREAK)
            leaving = absent & (u < p_exit)
            p_enter = odds * entry32[profile, t]
            entering = ~absent & (u < p_enter)
            state[leaving] = 0
            if entering.any():
                rows = np.flatnonzero(entering)
                state[rows] = _draw_reasons(reason_cdf[profile[rows], :, t], rng) + 1
        codes = reason_sim[state]
        codes[state == 0] = present_code[t]
        out[t] = codes
    return np.ascontiguousarray(out.T)


def _draw_reasons(cdf: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    v = rng.random(cdf.shape[0])[:, None]
    return np.minimum((v > cdf).sum(axis=1), cdf.shape[1] - 1).astype(np.int8)


# --- Overlays ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverlayPlan:
    # Family holidays: (family, first session, last session) — sessions of the timeline.
    holiday_family: np.ndarray
    holiday_start: np.ndarray
    holiday_stop: np.ndarray
    # Group trips: (group, day start session, number of sessions).
    trip_group: np.ndarray
    trip_start: np.ndarray
    trip_length: np.ndarray
    # Part-time timetables: (pupil, first session, last session).
    part_time_pupil: np.ndarray
    part_time_start: np.ndarray
    part_time_stop: np.ndarray
    # Off-site provision (K): pupil and weekday.
    k_pupil: np.ndarray
    k_weekday: np.ndarray
    late_propensity: np.ndarray  # per pupil


def _overlays_plan(pop: Population, timeline: SessionTimeline, rng: np.random.Generator) -> OverlayPlan:
    t = timeline.size
    am_sessions = np.flatnonzero(~timeline.is_pm)
    # Family holidays, next to a break (first or last days of a half term) or at random.
    n_families = int(pop.family.max()) + 1 if pop.size else 0
    eldest_phase = np.zeros(n_families, dtype=np.int64)
    np.maximum.at(eldest_phase, pop.family, pop.phase.astype(np.int64))
    takes = rng.random(n_families) < HOLIDAY_FAMILY_RATE[np.minimum(eldest_phase, 2)]
    families = np.flatnonzero(takes)
    days = rng.integers(HOLIDAY_DAYS[0], HOLIDAY_DAYS[1] + 1, size=len(families))
    starts = _holiday_starts(timeline, am_sessions, days, rng)
    stops = np.minimum(starts + 2 * days, t)
    # Group trips: Poisson count a group, each a school day (AM and PM).
    n_groups = len(pop.group_school)
    trips = rng.poisson(TRIP_DAYS_PER_GROUP, size=n_groups)
    trip_group = np.repeat(np.arange(n_groups), trips)
    trip_start = rng.choice(am_sessions, size=len(trip_group)) if len(am_sessions) else trip_group * 0
    trip_length = np.full(len(trip_group), 2)
    # Part-time timetables.
    part_time = np.flatnonzero(rng.random(pop.size) < PART_TIME_RATE[pop.phase])
    pt_start = rng.integers(0, max(1, t - 10 * PART_TIME_WEEKS), size=len(part_time))
    pt_stop = np.minimum(pt_start + 10 * PART_TIME_WEEKS, t)
    k_pupil = np.flatnonzero(rng.random(pop.size) < K_PUPIL_RATE[pop.phase])
    k_weekday = rng.integers(0, 5, size=len(k_pupil))
    late = LATE_RATE_AM[pop.phase] * np.where(pop.young_carer, LATE_MULT_YOUNG_CARER, 1.0)
    late = late * np.where(pop.free_school_meals, LATE_MULT_FSM, 1.0)
    late = late * rng.gamma(2.0, 0.5, size=pop.size)  # some pupils are late far more often
    return OverlayPlan(
        holiday_family=families,
        holiday_start=starts,
        holiday_stop=stops,
        trip_group=trip_group,
        trip_start=trip_start,
        trip_length=trip_length,
        part_time_pupil=part_time,
        part_time_start=pt_start,
        part_time_stop=pt_stop,
        k_pupil=k_pupil,
        k_weekday=k_weekday,
        late_propensity=np.minimum(late, 0.5),
    )


def _holiday_starts(
    timeline: SessionTimeline, am_sessions: np.ndarray, days: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The first session of each holiday: right after a break, ending right before one, or
    at random."""
    if len(am_sessions) == 0:
        return np.zeros(len(days), dtype=np.int64)
    half_term_starts = np.flatnonzero(np.diff(timeline.half_term, prepend=-1) != 0)
    half_term_ends = np.concatenate((half_term_starts[1:], [timeline.size]))
    which = rng.integers(0, len(half_term_starts), size=len(days))
    kind = rng.random(len(days))
    after_break = half_term_starts[which]
    before_break = np.maximum(half_term_ends[which] - 2 * days, half_term_starts[which])
    at_random = rng.choice(am_sessions, size=len(days))
    start = np.where(
        kind < HOLIDAY_NEXT_TO_BREAK / 2,
        after_break,
        np.where(kind < HOLIDAY_NEXT_TO_BREAK, before_break, at_random),
    )
    # Holidays start in the morning.
    return start - timeline.is_pm[start].astype(np.int64)


def _members(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each entry of `wanted`, the rows whose key equals it: (row, index into wanted)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    lo = np.searchsorted(sorted_keys, wanted, side="left")
    hi = np.searchsorted(sorted_keys, wanted, side="right")
    owner = np.repeat(np.arange(len(wanted)), hi - lo)
    offset = np.arange(owner.size) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo)
    return order[np.repeat(lo, hi - lo) + offset], owner


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every index start..start+length-1 of each range: (index, which range)."""
    lengths = np.maximum(lengths, 0)
    owner = np.repeat(np.arange(len(starts)), lengths)
    offset = np.arange(owner.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + offset, owner


def _sparse_events(
    rate: np.ndarray, columns: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Rare per-session events without a pupils × sessions random array: each pupil has
    Binomial(len(columns), rate) events at random columns (rows, columns)."""
    if len(columns) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    counts = rng.binomial(len(columns), np.clip(rate, 0.0, 1.0))
    rows = np.repeat(np.arange(len(rate)), counts)
    return rows, columns[rng.integers(0, len(columns), size=rows.size)]


def _replace_present(codes: np.ndarray, rows: np.ndarray, cols: np.ndarray, value: int) -> None:
    """Set `value` at (rows, cols) where the pupil was marked present."""
    current = codes[rows, cols]
    keep = (current == SIM["/"]) | (current == SIM["\\"])
    codes[rows[keep], cols[keep]] = value


def _apply_overlays(
    codes: np.ndarray,
    start: int,
    pop: Population,
    timeline: SessionTimeline,
    plan: OverlayPlan,
    rng: np.random.Generator,
) -> None:
    """Everything the chain does not draw, applied sparsely (no pupils × sessions temporaries)."""
    n = codes.shape[0]
    stop = start + n
    t = timeline.size
    phase = pop.phase[start:stop]

    # Off-site provision arranged by the LA (K) on one weekday, every week.
    mine = (plan.k_pupil >= start) & (plan.k_pupil < stop)
    for pupil, weekday in zip(plan.k_pupil[mine] - start, plan.k_weekday[mine]):
        cols = np.flatnonzero(timeline.weekday == weekday)
        _replace_present(codes, np.full(len(cols), pupil), cols, SIM["K"])

    # Group trips: everyone in the group present that day is on the visit (V).
    rows, trip = _members(pop.group[start:stop], plan.trip_group)
    cols_start, length = plan.trip_start[trip], plan.trip_length[trip]
    cols, pair = _ranges(cols_start, np.minimum(length, t - cols_start))
    _replace_present(codes, rows[pair], cols, SIM["V"])

    # Individual approved educational activity: P (sport) in the afternoon, B in the morning.
    all_cols = np.arange(t)
    rows, cols = _sparse_events(INDIVIDUAL_AEA_RATE[phase], all_cols, rng)
    pm = timeline.is_pm[cols]
    _replace_present(codes, rows[pm], cols[pm], SIM["P"])
    _replace_present(codes, rows[~pm], cols[~pm], SIM["B"])

    # Temporary part-time timetables: afternoons are C2 for the block.
    mine = (plan.part_time_pupil >= start) & (plan.part_time_pupil < stop)
    a, b = plan.part_time_start[mine], plan.part_time_stop[mine]
    cols, which = _ranges(a, b - a)
    pm = timeline.is_pm[cols]
    _replace_present(codes, (plan.part_time_pupil[mine] - start)[which[pm]], cols[pm], SIM["C2"])

    # Family holidays (G) override whatever else the family's children had those days.
    rows, holiday = _members(pop.family[start:stop], plan.holiday_family)
    a, b = plan.holiday_start[holiday], plan.holiday_stop[holiday]
    cols, pair = _ranges(a, b - a)
    codes[rows[pair], cols] = SIM["G"]

    # Late arrivals, mostly in the morning: L before the register closes, U after.
    am_cols = np.flatnonzero(~timeline.is_pm)
    pm_cols = np.flatnonzero(timeline.is_pm)
    for rate, columns in ((plan.late_propensity[start:stop], am_cols), (np.full(n, LATE_RATE_PM), pm_cols)):
        rows, cols = _sparse_events(rate, columns, rng)
        after_close = rng.random(rows.size) < LATE_AFTER_CLOSE_SHARE
        _replace_present(codes, rows[~after_close], cols[~after_close], SIM["L"])
        _replace_present(codes, rows[after_close], cols[after_close], SIM["U"])


# --- Summaries (for calibration and reports) ----------------------------------------------------------


def absence_summary(codes: np.ndarray, rows: np.ndarray | None = None) -> dict[str, float]:
    """Overall absence rate, PA and SA shares over the given pupils' possible sessions."""
    if rows is not None:
        codes = codes[rows]
    absence_table = np.zeros(len(SIM_CODES), dtype=bool)
    absence_table[list(ABSENCE_SIM)] = True
    possible_table = np.ones(len(SIM_CODES), dtype=bool)
    possible_table[0] = False
    absent = absence_table[codes].sum(axis=1)
    possible = possible_table[codes].sum(axis=1)
    keep = possible > 0
    absent, possible = absent[keep], possible[keep]
    rate = absent / possible
    return {
        "pupils": int(keep.sum()),
        "overall": float(absent.sum() / possible.sum()) if possible.sum() else 0.0,
        "persistent": float((rate >= 0.10).mean()) if len(rate) else 0.0,
        "severe": float((rate >= 0.50).mean()) if len(rate) else 0.0,
    }


def code_share(codes: np.ndarray, code_values: frozenset[int] | set[int]) -> float:
    """Share of possible sessions with one of `code_values`."""
    table = np.zeros(len(SIM_CODES), dtype=bool)
    table[list(code_values)] = True
    return float(table[codes].sum() / (codes > 0).sum())


# --- First-day calls for the generated absences ----------------------------------------------

# The absence episode's codes (attendance/episodes.py: N and O, the reason not known).
EPISODE_SIM = np.array(sorted(SIM[c] for c in ("N", "O")), dtype=np.uint8)


@dataclass(frozen=True)
class CallDays:
    """The school days a first-day call is due in a chunk of simulated codes: for each pupil
    and each school day with an N or O session, the first such session (row, column into the
    codes), which absence episode it belongs to (`run`, numbered within the chunk) and
    whether it is the episode's first day. Episodes follow attendance/episodes.py: a session
    with no mark (a school closed) neither ends nor extends one."""

    rows: np.ndarray
    columns: np.ndarray
    run: np.ndarray
    first_day: np.ndarray


def call_days(codes: np.ndarray, timeline: SessionTimeline) -> CallDays:
    qualifies = np.isin(codes, EPISODE_SIM)
    known = codes > 0
    columns = np.arange(codes.shape[1])
    last_known = np.maximum.accumulate(np.where(known, columns, -1), axis=1)
    before = np.full_like(last_known, -1)
    before[:, 1:] = last_known[:, :-1]  # the last session with a mark before each one
    rows, cols = np.nonzero(qualifies)
    previous = before[rows, cols]
    starts = (previous < 0) | ~qualifies[rows, np.maximum(previous, 0)]
    run = np.cumsum(starts) - 1
    dates = timeline.dates[cols]
    new_day = np.ones(len(rows), dtype=bool)
    new_day[1:] = (rows[1:] != rows[:-1]) | (dates[1:] != dates[:-1])
    # A day whose first N/O session opens an episode is that episode's first day.
    return CallDays(rows[new_day], cols[new_day], run[new_day], starts[new_day])


# Higher apps that record what follows a generated absence (followup: the calls) register a
# hook here at start-up; the generator calls each with a chunk's call days, once its marks
# are written (design.md: a lower app reaches a higher one only through a registered hook).
CallDaysHook = Callable[..., int]
_call_days_hooks: dict[str, CallDaysHook] = {}


def register_call_days_hook(name: str, hook: CallDaysHook) -> None:
    """`hook(pupil_ids=…, dates=…, is_pm=…, run=…, first_day=…, seed=…)` -> rows written."""
    _call_days_hooks[name] = hook


def call_days_hooks() -> list[CallDaysHook]:
    return list(_call_days_hooks.values())
