"""Operators report throughput: one set of rules for the web form, the file upload and the
API. Rows are checked (`ports.ingest.figures`), then against the database (the node exists
and is the reporter's, the change from the previous period and from last year); a batch is
stored whole or not at all, each figure as a new revision of its key, submitted for review.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import nodes_of
from audit import services as audit
from audit.choices import Action
from core.ingest.spreadsheets import UnreadableFile, read_table, rows_as_dicts
from core.periods import add_months, months_before
from geo.models import Node

from ..choices import (
    CargoClass,
    Channel,
    Direction,
    Laden,
    Metric,
    Source,
    Status,
    Trade,
    Unit,
)
from ..ingest.figures import COLUMNS, FigureRow, Problem, check_rows, header_map
from ..models import FIGURE_KEY, ThroughputReport, UploadBatch

# A value this many times the previous period's (or last year's), or less than its
# inverse, is a warning the reporter must confirm.
JUMP_FACTOR = Decimal(3)
MAX_ROWS = 50_000

MESSAGES = {
    "required": gettext_lazy("a value is required"),
    "bad_code": gettext_lazy("not a node code"),
    "bad_period": gettext_lazy(
        "not a period: a month 2026-10, a week 2026-W42 or a day 2026-10-15"
    ),
    "future_period": gettext_lazy("the period has not ended yet"),
    "unknown_metric": gettext_lazy("unknown metric: one of %(allowed)s"),
    "wrong_unit": gettext_lazy("%(metric)s is counted in %(unit)s: write %(code)s"),
    "unknown_choice": gettext_lazy("not one of %(allowed)s"),
    "laden_not_teu": gettext_lazy("laden or empty applies to TEU figures only"),
    "not_a_number": gettext_lazy("not a number"),
    "negative": gettext_lazy("a figure cannot be negative"),
    "too_precise_or_large": gettext_lazy("at most two decimals and below 10 trillion"),
    "duplicate_row": gettext_lazy("the same figure is already in row %(first)s"),
    "part_above_total": gettext_lazy("larger than its total %(total)s (row %(total_row)s)"),
    "unknown_column": gettext_lazy("unknown column"),
    "control_characters": gettext_lazy(
        "holds a control character (%(detail)s): remove it and upload again"
    ),
    "too_many_columns": gettext_lazy("too many columns (at most 50)"),
    "duplicate_column": gettext_lazy("column given twice"),
    "missing_column": gettext_lazy("missing column"),
    "unknown_node": gettext_lazy("unknown node"),
    "not_your_node": gettext_lazy("you do not report for this node"),
    "too_many_rows": gettext_lazy("at most %(most)s rows in one submission"),
    "jump_previous": gettext_lazy(
        "%(ratio)s times the previous period's %(previous)s: confirm if right"
    ),
    "jump_last_year": gettext_lazy(
        "%(ratio)s times the same period last year (%(previous)s): confirm if right"
    ),
    "changed_meanwhile": gettext_lazy(
        "this figure was changed by someone else meanwhile: reload and try again"
    ),
    "too_large": gettext_lazy("the file is too large (at most 5 MiB, 50 MiB expanded)"),
    "empty": gettext_lazy("the file is empty"),
    "not_a_table": gettext_lazy("not a CSV or XLSX table"),
    "bad_encoding": gettext_lazy("the text is neither UTF-8 nor GBK/GB18030"),
}


@dataclass(frozen=True)
class Finding:
    """A problem as the user reads it (row, column, value, message in their language)."""

    row: int | None
    column: str | None
    value: str
    message: str
    code: str
    warning: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "code": self.code,
            "warning": self.warning,
        }


def _said(problem: Problem) -> dict[str, Any]:
    """A problem's parameters as the user reads them (a metric and a unit by name)."""
    params = dict(problem.params)
    if problem.code == "wrong_unit":
        params["code"] = params["unit"]
        params["metric"] = str(Metric(params["metric"]).label)
        params["unit"] = str(Unit(params["unit"]).label)
    return params


def line_label(metric: str, trade: str, direction: str, cargo_class: str, laden: str) -> str:
    """A figure's line as a person reads it: the metric, then only the parts that are not
    totals ("Containers (TEU) · Foreign trade · Laden"), in the active language."""
    parts = [str(Metric(metric).label)]
    for value, choices, total in (
        (trade, Trade, "total"),
        (direction, Direction, "total"),
        (cargo_class, CargoClass, "all"),
        (laden, Laden, "total"),
    ):
        if value != total:
            parts.append(str(choices(value).label))
    return " · ".join(parts)


COLUMN_HELP = {
    "node": gettext_lazy("The code of your node (as on your reporting page), e.g. QZ_PORT"),
    "period": gettext_lazy(
        "The month 2026-10 (also 2026/10 or 2026年10月; a date cell showing only the month is "
        "read as that month), an ISO week 2026-W42, or a day 2026-10-15"
    ),
    "metric": gettext_lazy("What is counted (see the codes below)"),
    "unit": gettext_lazy("The unit of the metric: teu for TEU, tonnes for cargo"),
    "value": gettext_lazy("The figure: a number of at least 0 with at most two decimals"),
    "trade": gettext_lazy("Foreign or domestic trade; total when not split"),
    "direction": gettext_lazy("Inbound, outbound or transshipment; total when not split"),
    "cargo_class": gettext_lazy("The class of cargo; all when not split"),
    "laden": gettext_lazy("Laden or empty containers (TEU figures only); total when not split"),
    "note": gettext_lazy("Free text (optional)"),
    "reason": gettext_lazy("Why a figure sent before is corrected (optional)"),
}
CODED: dict[str, type[models.TextChoices]] = {
    "metric": Metric,
    "unit": Unit,
    "trade": Trade,
    "direction": Direction,
    "cargo_class": CargoClass,
    "laden": Laden,
}


def template_choices() -> dict[str, list[str]]:
    """The codes each coded column of the template takes (its drop-down lists)."""
    return {column: [str(value) for value in choices.values] for column, choices in CODED.items()}


def template_help() -> list[list[str]]:
    """The template's second sheet: each column, required or not, explained in Chinese and
    in English; then each code with its meaning in both languages (either may be written:
    the Chinese words in ports.ingest.figures.LABELS are read as their codes)."""

    def both(text: Any) -> tuple[str, str]:
        with translation.override("zh-hans"):
            chinese = str(text)
        with translation.override("en"):
            english = str(text)
        return chinese, english

    rows = [["列 Column", "必填 Required", "说明", "Explanation"]]
    for column, (english, chinese, required) in COLUMNS.items():
        rows.append(
            [
                f"{chinese} ({english})",
                "是 yes" if required else "否 no",
                *both(COLUMN_HELP[column]),
            ]
        )
    rows += [[], ["列 Column", "代码 Code", "含义", "Meaning"]]
    for column, choices in CODED.items():
        for value, label in choices.choices:
            rows.append([COLUMNS[column][1] + f" ({column})", str(value), *both(label)])
    return rows


def finding(problem: Problem) -> Finding:
    text = str(MESSAGES.get(problem.code, problem.code))
    return Finding(
        problem.row,
        problem.column,
        problem.value,
        text % _said(problem) if problem.params else text,
        problem.code,
        problem.warning,
    )


@dataclass(frozen=True)
class Change:
    """What storing a row would do: a new figure, or a revision of `previous`."""

    row: FigureRow
    previous: ThroughputReport | None

    @property
    def unchanged(self) -> bool:
        return self.previous is not None and self.previous.value == self.row.value


@dataclass
class Plan:
    """A checked submission: what it would change, its errors and warnings."""

    changes: list[Change] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    forbidden: bool = False  # a row for a node the user does not report for

    @property
    def rows(self) -> int:
        return len(self.changes)


class SubmissionRefused(Exception):
    """Nothing was stored: the plan's errors (or unconfirmed warnings) say why."""

    def __init__(self, plan: Plan, conflict: bool = False):
        super().__init__(f"{len(plan.errors)} errors, {len(plan.warnings)} warnings")
        self.plan = plan
        self.conflict = conflict


REPORT_PERMISSION = "ports.add_throughputreport"


def reportable_nodes(user: Any) -> set[str] | None:
    """Codes of the nodes `user` may report figures for (accounts.services.nodes_of)."""
    return nodes_of(user, REPORT_PERMISSION)


def key_of(row: FigureRow, nodes: dict[str, Node]) -> dict[str, Any]:
    return {
        "node": nodes[row.node],
        "period_kind": row.period_kind,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "metric": row.metric,
        "trade": row.trade,
        "direction": row.direction,
        "cargo_class": row.cargo_class,
        "laden": row.laden,
        "reporting_entity": "",
        "source": Source.OPERATOR,
    }


def _earlier(row: FigureRow) -> tuple[date, date]:
    """The first days of the period before `row`'s and of the same period last year."""
    start = row.period_start
    if row.period_kind == "month":
        previous = (
            date(start.year - 1, 12, 1)
            if start.month == 1
            else start.replace(month=start.month - 1)
        )
    else:
        previous = start - (row.period_end - start + timedelta(days=1))
    try:
        last_year = start.replace(year=start.year - 1)
    except ValueError:  # 29 February
        last_year = start.replace(year=start.year - 1, day=28)
    return previous, last_year


def figure_key(report: ThroughputReport) -> tuple[str, ...]:
    """A stored figure's key in the form of FigureRow.key (node code, kind, first day,
    metric, breakdown)."""
    return (
        report.node.code,
        report.period_kind,
        report.period_start.isoformat(),
        report.metric,
        report.trade,
        report.direction,
        report.cargo_class,
        report.laden,
    )


def _figures_of(
    rows: Sequence[FigureRow], days: set[date], **more: Any
) -> QuerySet[ThroughputReport]:
    """Figures of the rows' nodes and metrics whose periods start on `days` (one query
    for a whole batch: then matched by key in Python)."""
    return ThroughputReport.objects.filter(
        node__code__in={r.node for r in rows},
        metric__in={r.metric for r in rows},
        period_start__in=days,
        **more,
    ).select_related("node")


def _current_figures(
    rows: Sequence[FigureRow], lock: bool = False
) -> dict[tuple[str, ...], ThroughputReport]:
    """The reporters' current figure of each row's key (locked for update with `lock`)."""
    found = _figures_of(rows, {r.period_start for r in rows}, current=True, source=Source.OPERATOR)
    if lock:
        found = found.select_for_update(of=("self",))
    return {figure_key(f): f for f in found}


def _references(rows: Sequence[FigureRow]) -> dict[tuple[str, ...], ThroughputReport]:
    """Figures to compare rows with (the previous period, the same period last year): the
    official figure of a key, else its last word."""
    days = {day for r in rows for day in _earlier(r)}
    found: dict[tuple[str, ...], ThroughputReport] = {}
    for figure in _figures_of(rows, days).filter(Q(official=True) | Q(current=True)):
        key = figure_key(figure)
        if key not in found or figure.official:
            found[key] = figure
    return found


def _jump(value: Decimal, reference: Decimal) -> Decimal | None:
    if reference <= 0:
        return None
    ratio = value / reference
    return ratio if ratio > JUMP_FACTOR or ratio < 1 / JUMP_FACTOR else None


def plan_submission(
    user: Any,
    numbered: Iterable[tuple[int, dict[str, str]]],
    today: date | None = None,
    problems: Sequence[Problem] = (),
) -> Plan:
    """Check rows (number, cells) for `user`: every error and warning, and what would
    change. Nothing is written."""
    today = today or timezone.now().date()
    rows, found = check_rows(numbered, today)
    found = [*problems, *found]
    plan = Plan(errors=[finding(p) for p in found if not p.warning])
    if len(rows) > MAX_ROWS:
        plan.errors.append(
            finding(Problem(None, None, str(len(rows)), "too_many_rows", {"most": MAX_ROWS}))
        )
        return plan
    allowed = reportable_nodes(user)
    known = set(Node.objects.filter(code__in={r.node for r in rows}).values_list("code", flat=True))
    kept = []
    for row in rows:
        if row.node not in known:
            plan.errors.append(finding(Problem(row.row, "node", row.node, "unknown_node")))
        elif allowed is not None and row.node not in allowed:
            plan.forbidden = True
            plan.errors.append(finding(Problem(row.row, "node", row.node, "not_your_node")))
        else:
            kept.append(row)
    current = _current_figures(kept)
    references = _references(kept)
    for row in kept:
        plan.changes.append(Change(row, current.get(row.key)))
        for first_day, code in zip(_earlier(row), ("jump_previous", "jump_last_year"), strict=True):
            reference = references.get((*row.key[:2], first_day.isoformat(), *row.key[3:]))
            ratio = _jump(row.value, reference.value) if reference else None
            if ratio is not None and reference is not None:
                plan.warnings.append(
                    finding(
                        Problem(
                            row.row,
                            "value",
                            str(row.value),
                            code,
                            {"ratio": f"{ratio:.2f}", "previous": f"{reference.value:,}"},
                            warning=True,
                        )
                    )
                )
                break
    return plan


@transaction.atomic
def submit_figures(
    user: Any,
    numbered: Iterable[tuple[int, dict[str, str]]],
    channel: str,
    confirm_warnings: bool = False,
    file_name: str = "",
    file_sha256: str = "",
    expected: dict[tuple[str, ...], int | None] | None = None,
    problems: Sequence[Problem] = (),
    batch: UploadBatch | None = None,
) -> tuple[UploadBatch, Plan]:
    """Store a batch of figures whole, or raise SubmissionRefused (nothing stored): errors,
    warnings not confirmed, or a figure changed by someone else since `expected` (row key
    -> the current figure's id the user saw; also raised when two users correct the same
    figure at once). Each changed figure becomes a new submitted revision."""
    plan = plan_submission(user, numbered, problems=problems)
    if plan.errors or (plan.warnings and not confirm_warnings):
        raise SubmissionRefused(plan)
    now = timezone.now()
    if batch is None:
        batch = UploadBatch(user=user, channel=channel, file_name=file_name[:200])
    batch.file_sha256 = file_sha256 or batch.file_sha256
    batch.rows, batch.state, batch.committed_at = plan.rows, UploadBatch.State.COMMITTED, now
    batch.warnings, batch.errors, batch.content = [w.as_dict() for w in plan.warnings], [], b""
    batch.save()
    nodes = {n.code: n for n in Node.objects.filter(code__in={c.row.node for c in plan.changes})}
    confirmed = {w.row: w.code for w in plan.warnings}
    try:
        with transaction.atomic():
            locked = _current_figures([c.row for c in plan.changes], lock=True)
            replaced: list[int] = []
            new: list[ThroughputReport] = []
            for change in plan.changes:
                row = change.row
                old = locked.get(row.key)
                seen = (expected or {}).get(row.key, old.pk if old else None)
                if (old.pk if old else None) != seen:
                    raise IntegrityError("changed meanwhile")
                if old is not None and old.value == row.value and not row.reason:
                    continue  # the same figure again: nothing to revise
                if old is not None:
                    replaced.append(old.pk)
                new.append(
                    ThroughputReport(
                        **key_of(row, nodes),
                        unit=row.unit,
                        value=row.value,
                        status=Status.SUBMITTED,
                        channel=channel,
                        note=row.note,
                        reason=row.reason,
                        submitted_by=user,
                        revision=(old.revision + 1) if old else 1,
                        supersedes=old,
                        current=True,
                        official=False,
                        upload=batch,
                        warnings_confirmed=[confirmed[row.row]] if row.row in confirmed else [],
                        origin="user",
                    )
                )
            ThroughputReport.objects.filter(pk__in=replaced).update(current=False)
            ThroughputReport.objects.bulk_create(new, batch_size=2000)
    except IntegrityError as exc:
        plan.errors.append(finding(Problem(None, None, "", "changed_meanwhile")))
        raise SubmissionRefused(plan, conflict=True) from exc
    audit.record(
        Action.UPLOAD,
        f"upload:{batch.pk}",
        {"channel": channel, "rows": plan.rows, "state": "stored"},
        user=user,
    )
    return batch, plan


def refusal_body(plan: Plan) -> dict[str, Any]:
    """What the API, the upload page and the form show of a refused submission."""
    return {
        "detail": _("Nothing was stored."),
        "errors": [e.as_dict() for e in plan.errors],
        "warnings": [w.as_dict() for w in plan.warnings],
        "needs_confirmation": bool(plan.warnings) and not plan.errors,
    }


@transaction.atomic
def review_figure(report_id: int, user: Any, approve: bool, comment: str = "") -> ThroughputReport:
    """An official approves or rejects a submitted figure (the last revision of its key).
    Approving makes it the official figure of its key (the one maps, KPIs and exports
    count); rejecting sends it back with the comment, and the earlier official figure, if
    any, stays official. ValidationError (naming the field) when it cannot be done."""
    if not user.has_perm("ports.review_throughputreport"):
        raise PermissionDenied("only officials review figures")
    report: ThroughputReport | None = (
        ThroughputReport.objects.select_for_update().filter(pk=report_id).first()
    )
    if report is None:
        raise ValidationError({"id": _("no such figure")})
    if not report.current or report.status != Status.SUBMITTED:
        raise ValidationError(
            {"status": _("only the last revision of a figure, still submitted, is reviewed")}
        )
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("say why the figure is rejected")})
    now = timezone.now()
    if approve:
        key = {name: getattr(report, name) for name in FIGURE_KEY}
        ThroughputReport.objects.filter(official=True, **key).update(official=False)
        report.official = True
    report.status = Status.APPROVED if approve else Status.REJECTED
    report.reviewed_by, report.reviewed_at, report.review_comment = user, now, comment.strip()
    report.save(
        update_fields=["official", "status", "reviewed_by", "reviewed_at", "review_comment"]
    )
    transaction.on_commit(lambda: notify_review(report))
    audit.record(
        Action.REVIEW,
        f"throughput:{report.pk}",
        {"decision": report.status, "node": report.node.code, "comment": comment[:200]},
        user=user,
    )
    return report


def notify_review(report: ThroughputReport) -> bool:
    """Mail the reporter the outcome of a review, where an SMTP server is configured and
    the reporter has an address (the operator's page shows it in any case)."""
    who = report.submitted_by
    if not settings.EMAIL_HOST or who is None or not who.email:
        return False
    verdict = _("approved") if report.status == Status.APPROVED else _("rejected")
    subject = _("Your figure %(node)s %(period)s was %(verdict)s") % {
        "node": report.node.code,
        "period": f"{report.period_start:%Y-%m}",
        "verdict": verdict,
    }
    body = f"{report.metric} = {report.value} {report.unit}\n{report.review_comment}"
    return bool(send_mail(subject, body, None, [who.email], fail_silently=True))


def reviews_of(user: Any, days: int = 30) -> list[ThroughputReport]:
    """The user's figures reviewed in the last `days` days, newest first."""
    since = timezone.now() - timedelta(days=days)
    found = ThroughputReport.objects.filter(submitted_by=user, reviewed_at__gte=since)
    return list(found.select_related("node").order_by("-reviewed_at")[:50])


def due_date(month_start: date) -> date:
    """When a month's figures are due: CW_REPORT_DUE_DAY of the following month."""
    following = add_months(month_start, 1)
    return following.replace(day=min(settings.CW_REPORT_DUE_DAY, 28))


def read_figures_file(
    data: bytes, name: str
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """The rows of an uploaded CSV/XLSX as (line, cells), and the problems of the file
    itself (what it is, its encoding, its header)."""
    try:
        table = read_table(data, name)
    except UnreadableFile as exc:
        params = {"most": MAX_ROWS} if exc.code == "too_many_rows" else {}
        return [], [Problem(None, None, name, exc.code, params)]
    columns, problems = header_map(table.header)
    if any(p.code == "missing_column" for p in problems):
        return [], problems
    return list(rows_as_dicts(table, columns)), problems


def plan_file(user: Any, data: bytes, name: str) -> Plan:
    """What committing an uploaded file would do (its preview): nothing is stored."""
    numbered, problems = read_figures_file(data, name)
    return plan_submission(user, numbered, problems=problems)


def expected_of(plan: Plan) -> dict[str, int | None]:
    """The figures a preview showed, as {row key: current figure id}: a commit refuses a
    figure someone changed in between."""
    return {"|".join(c.row.key): (c.previous.pk if c.previous else None) for c in plan.changes}


@transaction.atomic
def preview_upload(user: Any, data: bytes, name: str) -> tuple[UploadBatch, Plan]:
    """Keep an uploaded file (state previewed) with what it would change."""
    plan = plan_file(user, data, name)
    batch = UploadBatch.objects.create(
        user=user,
        channel=Channel.FILE,
        file_name=name[:200],
        file_sha256=hashlib.sha256(data).hexdigest(),
        rows=plan.rows,
        state=UploadBatch.State.PREVIEWED,
        errors=[e.as_dict() for e in plan.errors],
        warnings=[w.as_dict() for w in plan.warnings],
        content=data,
        expected=expected_of(plan),
    )
    audit.record(
        Action.UPLOAD,
        f"upload:{batch.pk}",
        {"file": name[:200], "rows": plan.rows, "errors": len(plan.errors), "state": "previewed"},
        user=user,
    )
    return batch, plan


def commit_upload(user: Any, batch_id: int, confirm_warnings: bool) -> tuple[UploadBatch, Plan]:
    """Store a previewed file's figures whole (SubmissionRefused otherwise: errors,
    unconfirmed warnings, a figure changed since the preview)."""
    batch = UploadBatch.objects.filter(
        pk=batch_id, user=user, state=UploadBatch.State.PREVIEWED
    ).first()
    if batch is None:
        raise ValidationError({"upload": _("no such upload waiting for you")})
    numbered, problems = read_figures_file(bytes(batch.content), batch.file_name)
    expected = {tuple(k.split("|")): v for k, v in (batch.expected or {}).items()}
    return submit_figures(
        user,
        numbered,
        Channel.FILE,
        confirm_warnings=confirm_warnings,
        expected=expected,
        problems=problems,
        batch=batch,
    )


def overdue_months(codes: Iterable[str], today: date, months: int = 3) -> dict[str, list[date]]:
    """Node code -> first days of the recent months past their due date with no reported
    container total."""
    due = [m for m in months_before(today, months) if due_date(m) < today]
    have = set(
        ThroughputReport.objects.filter(
            node__code__in=list(codes),
            period_kind="month",
            metric="teu",
            period_start__in=due,
            current=True,
            source=Source.OPERATOR,
        ).values_list("node__code", "period_start")
    )
    found = {code: [m for m in due if (code, m) not in have] for code in codes}
    return {code: late for code, late in found.items() if late}


def send_overdue_reminders(today: date | None = None) -> int:
    """Mail each operator with an address the months overdue at their nodes (where an SMTP
    server is configured); returns the mails sent. Run daily (`manage.py notify_overdue`)."""
    if not settings.EMAIL_HOST:
        return 0
    from django.contrib.auth import get_user_model

    today = today or timezone.now().date()
    sent = 0
    operators = (
        get_user_model().objects.filter(is_active=True, profile__role="operator").exclude(email="")
    )
    for user in operators.prefetch_related("profile__nodes"):
        codes = [n.code for n in user.profile.nodes.all()]
        late = overdue_months(codes, today)
        if not late:
            continue
        lines = [
            f"{code}: " + ", ".join(f"{m:%Y-%m}" for m in months) for code, months in late.items()
        ]
        subject = _("Corridor Watch: monthly figures overdue")
        sent += send_mail(subject, "\n".join(lines), None, [user.email], fail_silently=True)
    return sent
