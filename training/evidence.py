"""Evidence of learning: how learners' scores and confidence changed from a module's pre-test
to its quiz, per module, by role and by unit, and a de-identified file for research partners.

Selectors (`evidence_overview`, `module_evidence`, `deidentified_rows`) fetch what they need in
two queries whatever the number of attempts: the modules, then every submitted attempt at them
in one `values()` query joined to the learner's current role and unit. The statistics are
computed in Python (`summarise`, pure, exact fractions where the arithmetic allows it).

Definitions:

- Pair: a learner's pre-test paired with their first graded quiz on the same revision of the
  module, the pre-test finished before the quiz began (a pre-test taken after the quiz is no
  baseline). A learner counts once per module: if they have pairs on several revisions, the
  first quiz's pair is used.
- Change: quiz score minus pre-test score, in percentage points.
- Mean pre-test, mean quiz, mean change: arithmetic means over the pairs.
- SD of change: the sample standard deviation of the changes (n - 1 in the denominator).
- Effect size d_z: mean change / SD of change, the standardised mean difference for paired
  samples (Cohen's d_z). Needs 2 or more pairs and some variation in the changes.
- 95% confidence interval of the mean change: mean ± t × SD / √n, with t the two-sided 95%
  critical value of Student's t for n - 1 degrees of freedom, from the table below. Between
  tabulated degrees of freedom the next smaller one is used, which gives a slightly wider
  (conservative) interval.
- Confidence: each attempt's mean rating (1 = not at all confident to 5 = very confident, per
  question or per skill as the module asks). Confidence figures use the pairs where both the
  pre-test and the quiz carry ratings; change is the mean of (quiz mean - pre-test mean).
- Role and unit are the learner's current ones (their staff profile now), not those at the
  time of the attempt. Learners without a staff profile are grouped as "No staff profile".
- Small groups: a role or unit row with fewer than 5 pairs is not shown, and within a shown
  row the confidence figures need 5 learners who rated confidence. The all-learners row of a
  module is always shown.
"""

from __future__ import annotations

import datetime
import math
import statistics
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from modules.models import TrainingModulePage

from .models import Attempt

# Practice rounds never count: only pre-tests and quizzes are evidence.
COUNTED_KINDS = (Attempt.Kind.PRE, Attempt.Kind.POST)
MIN_GROUP = 5  # smallest role or unit group that is shown
NO_PROFILE = "No staff profile"
ALL_LEARNERS = "All learners"
# The notes and column headings people read are translated when shown; group names above are
# data (they sort and group rows, and the de-identified export keeps them as they are).
SUPPRESSED_NOTE = format_lazy(_("Fewer than {n} learners: not shown"), n=MIN_GROUP)
CONFIDENCE_SUPPRESSED_NOTE = format_lazy(
    _("Fewer than {n} learners rated confidence: not shown"), n=MIN_GROUP
)

# Two-sided 95% critical values of Student's t (the 0.975 quantile) by degrees of freedom.
T_95 = {
    1: Decimal("12.706"),
    2: Decimal("4.303"),
    3: Decimal("3.182"),
    4: Decimal("2.776"),
    5: Decimal("2.571"),
    6: Decimal("2.447"),
    7: Decimal("2.365"),
    8: Decimal("2.306"),
    9: Decimal("2.262"),
    10: Decimal("2.228"),
    11: Decimal("2.201"),
    12: Decimal("2.179"),
    13: Decimal("2.160"),
    14: Decimal("2.145"),
    15: Decimal("2.131"),
    16: Decimal("2.120"),
    17: Decimal("2.110"),
    18: Decimal("2.101"),
    19: Decimal("2.093"),
    20: Decimal("2.086"),
    21: Decimal("2.080"),
    22: Decimal("2.074"),
    23: Decimal("2.069"),
    24: Decimal("2.064"),
    25: Decimal("2.060"),
    26: Decimal("2.056"),
    27: Decimal("2.052"),
    28: Decimal("2.048"),
    29: Decimal("2.045"),
    30: Decimal("2.042"),
    40: Decimal("2.021"),
    50: Decimal("2.009"),
    60: Decimal("2.000"),
    80: Decimal("1.990"),
    100: Decimal("1.984"),
    120: Decimal("1.980"),
    200: Decimal("1.972"),
    500: Decimal("1.965"),
    1000: Decimal("1.962"),
}


def t_critical_95(df: int) -> Decimal:
    """t for a two-sided 95% interval: the table's value for the largest tabulated degrees
    of freedom not above df (never smaller than the exact value)."""
    if df < 1:
        raise ValueError("A t interval needs at least 1 degree of freedom.")
    return T_95[max(k for k in T_95 if k <= df)]


# --- rounding for display and export ------------------------------------------------------------


def _rounded(value: Fraction | float | None, places: str) -> Decimal | None:
    """Round half up to the given places ("0.1", "0.01"). Fractions are rounded exactly;
    floats (square roots) from their shortest decimal representation."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        exact = Decimal(repr(float(value)))
    return exact.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _signed(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value == 0:
        return f"{abs(value)}"
    return f"+{value}" if value > 0 else f"−{abs(value)}"  # a real minus sign on screen


# --- pairs --------------------------------------------------------------------------------------


def mean_rating(confidence) -> Fraction | None:
    """The mean of an attempt's confidence ratings (1-5), or None without ratings."""
    if not isinstance(confidence, Mapping):
        return None
    ratings = [v for v in confidence.values() if isinstance(v, int) and not isinstance(v, bool)]
    return Fraction(sum(ratings), len(ratings)) if ratings else None


@dataclass(frozen=True)
class Pair:
    """One learner's pre-test and quiz at one module."""

    user_id: int
    module_id: int
    revision_id: int
    pre_score: int
    post_score: int
    pre_confidence: Fraction | None
    post_confidence: Fraction | None
    post_submitted_at: datetime.datetime
    role: str
    unit: str

    @property
    def change(self) -> int:
        return self.post_score - self.pre_score

    @property
    def has_confidence(self) -> bool:
        return self.pre_confidence is not None and self.post_confidence is not None


def pair_attempts(rows: Iterable[Mapping]) -> list[Pair]:
    """Pairs from submitted attempt rows ordered by (submitted_at, id), as `_attempt_rows`
    returns them. Pure: no database."""
    pre: dict[tuple[int, int, int], Mapping] = {}
    post: dict[tuple[int, int, int], Mapping] = {}
    for row in rows:
        if row["score_percent"] is None:
            continue
        if row["kind"] not in COUNTED_KINDS:
            continue  # practice rounds don't count, here or anywhere
        key = (row["module_id"], row["user_id"], row["revision_id"])
        (pre if row["kind"] == Attempt.Kind.PRE else post).setdefault(key, row)
    chosen: dict[tuple[int, int], Pair] = {}
    for key, quiz in sorted(post.items(), key=lambda kv: (kv[1]["submitted_at"], kv[0])):
        baseline = pre.get(key)
        if baseline is None or baseline["submitted_at"] > quiz["started_at"]:
            continue  # a pre-test is a baseline only if finished before the quiz began
        module_id, user_id, revision_id = key
        if (module_id, user_id) in chosen:
            continue  # one pair per learner per module: the first quiz's
        chosen[(module_id, user_id)] = Pair(
            user_id=user_id,
            module_id=module_id,
            revision_id=revision_id,
            pre_score=baseline["score_percent"],
            post_score=quiz["score_percent"],
            pre_confidence=mean_rating(baseline["confidence"]),
            post_confidence=mean_rating(quiz["confidence"]),
            post_submitted_at=quiz["submitted_at"],
            role=quiz["role"] or NO_PROFILE,
            unit=quiz["unit"] or NO_PROFILE,
        )
    return sorted(chosen.values(), key=lambda p: (p.module_id, p.user_id))


# --- statistics ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The statistics of one group of pairs."""

    n: int
    mean_pre: Fraction | None = None
    mean_post: Fraction | None = None
    mean_change: Fraction | None = None
    sd_change: float | None = None
    d_z: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    confidence_n: int = 0
    confidence_pre: Fraction | None = None
    confidence_post: Fraction | None = None
    confidence_change: Fraction | None = None


def summarise(pairs: Sequence[Pair]) -> Summary:
    """Means, SD of change, d_z, 95% CI of the mean change and confidence for a group."""
    n = len(pairs)
    if not n:
        return Summary(n=0)
    changes = [Fraction(p.change) for p in pairs]
    mean_change = statistics.mean(changes)
    sd = ci_low = ci_high = d_z = None
    if n >= 2:
        sd = math.sqrt(statistics.variance(changes, xbar=mean_change))
        half = float(t_critical_95(n - 1)) * sd / math.sqrt(n)
        ci_low, ci_high = float(mean_change) - half, float(mean_change) + half
        d_z = float(mean_change) / sd if sd > 0 else None
    rated = [p for p in pairs if p.has_confidence]
    confidence = {}
    if rated:
        confidence = {
            "confidence_pre": statistics.mean(p.pre_confidence for p in rated),
            "confidence_post": statistics.mean(p.post_confidence for p in rated),
            "confidence_change": statistics.mean(
                p.post_confidence - p.pre_confidence for p in rated
            ),
        }
    return Summary(
        n=n,
        mean_pre=statistics.mean(Fraction(p.pre_score) for p in pairs),
        mean_post=statistics.mean(Fraction(p.post_score) for p in pairs),
        mean_change=mean_change,
        sd_change=sd,
        d_z=d_z,
        ci_low=ci_low,
        ci_high=ci_high,
        confidence_n=len(rated),
        **confidence,
    )


# --- table rows (the screen, the exports and the admin report share them) -----------------------


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    title: str
    slug: str
    pretest: bool
    confidence_mode: str  # "none", "question" or "skill"


@dataclass(frozen=True)
class EvidenceRow:
    """One row of an evidence table: a module's learners, or one role or unit of them.

    Its properties named in COLUMNS are the export cells: numbers rounded as on screen
    (Decimal), "" where there is no value, and nothing but the note in a suppressed row.
    """

    module: ModuleInfo
    grouping: str  # ALL_LEARNERS, "Role" or "Unit"
    group: str  # ALL_LEARNERS, or the role's or unit's name
    summary: Summary
    suppressed: bool = False  # fewer than MIN_GROUP pairs in a role or unit
    confidence_suppressed: bool = False

    @property
    def is_breakdown(self) -> bool:
        return self.grouping != ALL_LEARNERS

    # Export cells.
    @property
    def module_title(self) -> str:
        return self.module.title

    def _value(self, name: str, places: str) -> Decimal | str:
        if self.suppressed:
            return ""
        value = _rounded(getattr(self.summary, name), places)
        return "" if value is None else value

    def _confidence(self, name: str) -> Decimal | str:
        return "" if self.confidence_suppressed else self._value(name, "0.01")

    @property
    def learners(self) -> int | str:
        return "" if self.suppressed else self.summary.n

    @property
    def mean_pre(self):
        return self._value("mean_pre", "0.1")

    @property
    def mean_post(self):
        return self._value("mean_post", "0.1")

    @property
    def mean_change(self):
        return self._value("mean_change", "0.1")

    @property
    def ci_low(self):
        return self._value("ci_low", "0.1")

    @property
    def ci_high(self):
        return self._value("ci_high", "0.1")

    @property
    def sd_change(self):
        return self._value("sd_change", "0.1")

    @property
    def effect_size(self):
        return self._value("d_z", "0.01")

    @property
    def confidence_learners(self) -> int | str:
        return "" if self.suppressed or self.confidence_suppressed else self.summary.confidence_n

    @property
    def confidence_pre(self):
        return self._confidence("confidence_pre")

    @property
    def confidence_post(self):
        return self._confidence("confidence_post")

    @property
    def confidence_change(self):
        return self._confidence("confidence_change")

    @property
    def note(self) -> str:
        if self.suppressed:
            return str(SUPPRESSED_NOTE)
        notes = []
        if self.summary.n == 1:
            notes.append(gettext("One learner: no spread, effect size or interval"))
        elif self.summary.n >= 2 and self.summary.d_z is None:
            notes.append(gettext("Every learner changed by the same amount: no effect size"))
        if self.confidence_suppressed:
            notes.append(str(CONFIDENCE_SUPPRESSED_NOTE))
        return "; ".join(notes)

    # Screen helpers.
    @property
    def mean_change_signed(self) -> str:
        return "" if self.mean_change == "" else _signed(self.mean_change)

    @property
    def confidence_change_signed(self) -> str:
        return "" if self.confidence_change == "" else _signed(self.confidence_change)

    @property
    def ci_text(self) -> str:
        if self.ci_low == "":
            return ""
        return f"{_signed(self.ci_low)} to {_signed(self.ci_high)}"


# (key, heading): the export columns, in order. Keys are EvidenceRow properties.
COLUMNS: list[tuple[str, str]] = [
    ("module_title", _("Module")),
    ("grouping", _("Grouped by")),
    ("group", _("Group")),
    ("learners", _("Learners (pairs)")),
    ("mean_pre", _("Mean pre-test score (%)")),
    ("mean_post", _("Mean quiz score (%)")),
    ("mean_change", _("Mean change (percentage points)")),
    ("ci_low", _("95% CI of mean change: lower")),
    ("ci_high", _("95% CI of mean change: upper")),
    ("sd_change", _("SD of change")),
    ("effect_size", _("Effect size d_z (mean change / SD of change)")),
    ("confidence_learners", _("Learners with confidence ratings")),
    ("confidence_pre", _("Mean pre-test confidence (1-5)")),
    ("confidence_post", _("Mean quiz confidence (1-5)")),
    ("confidence_change", _("Mean confidence change")),
    ("note", _("Note")),
]
COLUMN_KEYS = [key for key, _heading in COLUMNS]
COLUMN_HEADINGS = dict(COLUMNS)


def row_cells(row: EvidenceRow) -> list:
    """The export cells of one row, in COLUMNS order."""
    return [getattr(row, key) for key in COLUMN_KEYS]


def _breakdown(module: ModuleInfo, grouping: str, pairs: Sequence[Pair], attr: str):
    groups: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        groups[getattr(pair, attr)].append(pair)
    rows = []
    for name in sorted(groups, key=lambda g: (g == NO_PROFILE, g.casefold(), g)):
        members = groups[name]
        summary = summarise(members)
        rows.append(
            EvidenceRow(
                module=module,
                grouping=grouping,
                group=name,
                summary=summary,
                suppressed=summary.n < MIN_GROUP,
                confidence_suppressed=0 < summary.confidence_n < MIN_GROUP,
            )
        )
    return rows


@dataclass
class ModuleEvidence:
    """Everything the screens show about one module."""

    module: ModuleInfo
    pairs: list[Pair]
    overall: EvidenceRow
    by_role: list[EvidenceRow] = field(default_factory=list)
    by_unit: list[EvidenceRow] = field(default_factory=list)

    @property
    def role_rows(self) -> list[EvidenceRow]:
        return [self.overall, *self.by_role]

    @property
    def unit_rows(self) -> list[EvidenceRow]:
        return [self.overall, *self.by_unit]

    @property
    def hidden_roles(self) -> int:
        return sum(1 for r in self.by_role if r.suppressed)

    @property
    def hidden_units(self) -> int:
        return sum(1 for r in self.by_unit if r.suppressed)


def module_evidence_from_pairs(module: ModuleInfo, pairs: Sequence[Pair]) -> ModuleEvidence:
    return ModuleEvidence(
        module=module,
        pairs=list(pairs),
        overall=EvidenceRow(
            module=module, grouping=ALL_LEARNERS, group=ALL_LEARNERS, summary=summarise(pairs)
        ),
        by_role=_breakdown(module, "Role", pairs, "role"),
        by_unit=_breakdown(module, "Unit", pairs, "unit"),
    )


# --- selectors ----------------------------------------------------------------------------------


def _modules(module_id: int | None = None) -> list[ModuleInfo]:
    """Published modules in catalogue order (one query)."""
    pages = TrainingModulePage.objects.filter(live=True)
    if module_id is not None:
        pages = pages.filter(pk=module_id)
    return [
        ModuleInfo(id=pk, title=title, slug=slug, pretest=pretest, confidence_mode=mode)
        for pk, title, slug, pretest, mode in pages.order_by("path").values_list(
            "pk", "title", "slug", "pretest", "confidence"
        )
    ]


def _attempt_rows(module_ids: Sequence[int]):
    """Submitted attempts at these modules with the learner's current role and unit names,
    oldest first (one query, read in chunks)."""
    return (
        Attempt.objects.filter(
            module_id__in=module_ids, submitted_at__isnull=False, kind__in=COUNTED_KINDS
        )
        .order_by("submitted_at", "pk")
        .values(
            "module_id",
            "user_id",
            "revision_id",
            "kind",
            "score_percent",
            "confidence",
            "started_at",
            "submitted_at",
            role=F("user__staff_profile__role__name"),
            unit=F("user__staff_profile__unit__name"),
        )
        .iterator(chunk_size=2000)
    )


def _pairs_by_module(modules: Sequence[ModuleInfo]) -> dict[int, list[Pair]]:
    out: dict[int, list[Pair]] = defaultdict(list)
    if not modules:
        return out
    for pair in pair_attempts(_attempt_rows([m.id for m in modules])):
        out[pair.module_id].append(pair)
    return out


def evidence_overview() -> list[ModuleEvidence]:
    """Every published module that asks for a pre-test or has pairs, in catalogue order, with
    its statistics overall, by role and by unit. Two queries."""
    modules = _modules()
    pairs = _pairs_by_module(modules)
    return [
        module_evidence_from_pairs(m, pairs.get(m.id, []))
        for m in modules
        if m.pretest or pairs.get(m.id)
    ]


def module_evidence(*, module_id: int) -> ModuleEvidence | None:
    """One published module's evidence, or None if there is no such published module.
    Two queries."""
    modules = _modules(module_id)
    if not modules:
        return None
    return module_evidence_from_pairs(modules[0], _pairs_by_module(modules).get(module_id, []))


def overview_rows(overview: Sequence[ModuleEvidence]) -> list[EvidenceRow]:
    return [m.overall for m in overview]


def breakdown_rows(overview: Sequence[ModuleEvidence], grouping: str) -> list[EvidenceRow]:
    """Role ("role") or unit ("unit") rows of every module, each module's all-learners row
    first; any other grouping gives the all-learners rows only."""
    if grouping == "role":
        return [row for m in overview for row in m.role_rows]
    if grouping == "unit":
        return [row for m in overview for row in m.unit_rows]
    return overview_rows(overview)


# --- the de-identified export ---------------------------------------------------------------------

PSEUDONYM_SALT = "attune.training.evidence.pseudonym"
PSEUDONYM_LENGTH = 16  # hex characters (64 bits)
MIN_EXPORT_KEY_LENGTH = 8

DEIDENTIFIED_COLUMNS = [
    "pseudonym",
    "module_slug",
    "revision_id",
    "role",
    "unit",
    "pre_score_percent",
    "post_score_percent",
    "pre_confidence_mean",
    "post_confidence_mean",
    "post_test_month",
]


def pseudonym(*, export_key: str, user_id: int) -> str:
    """A learner's code in one export: HMAC-SHA256 under a key derived from the site's
    SECRET_KEY, of "<export key>:<user id>", cut to 16 hex characters. The same export key
    gives the same codes; another key gives codes that cannot be linked to them."""
    digest = salted_hmac(
        PSEUDONYM_SALT, f"{export_key}:{user_id}", secret=settings.SECRET_KEY, algorithm="sha256"
    )
    return digest.hexdigest()[:PSEUDONYM_LENGTH]


def deidentified_rows(*, export_key: str) -> list[list]:
    """One row per pair at every module in the overview, in DEIDENTIFIED_COLUMNS order.

    No names, usernames, emails, employee ids or user ids; dates only as the month of the
    quiz (hospital time zone). Rows are ordered by module, then by pseudonym, so their order
    says nothing about who is who. Two queries.
    """
    modules = _modules()
    pairs = _pairs_by_module(modules)
    out = []
    for module in modules:
        rows = []
        for p in pairs.get(module.id, []):
            rows.append(
                [
                    pseudonym(export_key=export_key, user_id=p.user_id),
                    module.slug,
                    p.revision_id,
                    p.role,
                    p.unit,
                    p.pre_score,
                    p.post_score,
                    _rounded(p.pre_confidence, "0.01"),
                    _rounded(p.post_confidence, "0.01"),
                    timezone.localtime(p.post_submitted_at).strftime("%Y-%m"),
                ]
            )
        out.extend(sorted(rows, key=lambda r: r[0]))
    return out


# --- the chart ----------------------------------------------------------------------------------

CHART_TOP = 34  # below the legend
CHART_LINE = 17  # px per line of a label
CHART_BARS = 40  # px for the two bars and the gap below them
CHART_LABEL_WIDTH = 28  # characters per label line: fits a 390 px wide phone screen
CHART_LABEL_LINES = 2


def _label_lines(label: str) -> list[str]:
    """A label wrapped at word boundaries onto at most two short lines (… if cut)."""
    lines = textwrap.wrap(label, width=CHART_LABEL_WIDTH) or [""]
    if len(lines) > CHART_LABEL_LINES:
        last = lines[CHART_LABEL_LINES - 1][: CHART_LABEL_WIDTH - 1].rstrip()
        lines = [*lines[: CHART_LABEL_LINES - 1], last + "…"]
    return lines


@dataclass(frozen=True)
class ChartBar:
    """One row's pair of bars; y positions in px, widths in percent of the bar area."""

    label: str
    lines: tuple[tuple[str, int], ...]  # (text, baseline y) of the label's lines
    pre: Decimal
    post: Decimal
    learners: int
    pre_y: int
    post_y: int
    pre_width: str  # e.g. "45.0%"
    post_width: str

    @property
    def pre_text_y(self) -> int:
        return self.pre_y + 12

    @property
    def post_text_y(self) -> int:
        return self.post_y + 12


@dataclass(frozen=True)
class Chart:
    bars: list[ChartBar]
    height: int
    gridlines: tuple[int, ...] = (0, 25, 50, 75, 100)

    @property
    def grid_top(self) -> int:
        return CHART_TOP

    @property
    def grid_bottom(self) -> int:
        return self.height - 20

    @property
    def axis_y(self) -> int:
        return self.height - 6


def chart(rows: Sequence[EvidenceRow], *, label=lambda row: row.group) -> Chart:
    """Paired bars (mean pre-test and mean quiz score, 0-100%) for the rows that have pairs
    and are shown. Geometry only; the template draws it."""
    bars = []
    y = CHART_TOP
    for row in rows:
        if row.suppressed or not row.summary.n:
            continue
        text = label(row)
        lines = _label_lines(text)
        baselines = tuple((line, y + 14 + i * CHART_LINE) for i, line in enumerate(lines))
        pre_y = y + len(lines) * CHART_LINE + 4
        bars.append(
            ChartBar(
                label=text,
                lines=baselines,
                pre=row.mean_pre,
                post=row.mean_post,
                learners=row.summary.n,
                pre_y=pre_y,
                post_y=pre_y + 17,
                pre_width=f"{row.mean_pre}%",
                post_width=f"{row.mean_post}%",
            )
        )
        y = pre_y + CHART_BARS
    return Chart(bars=bars, height=y + 24)
