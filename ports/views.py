"""Site pages of reporting (server-rendered, with CSRF): an operator's page (nodes, missing
and rejected months, template, upload with preview, API token) and the officials' review
queue. The rules are the reporting services'; these views only show and forward."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from accounts.services import new_token_key
from core.ingest.spreadsheets import MAX_UPLOAD_BYTES, write_csv, write_xlsx
from core.periods import months_before

from .choices import METRIC_UNITS, Channel, Unit
from .ingest.figures import COLUMNS, parse_period, template_header
from .models import ThroughputReport, UploadBatch
from .services.estimates import check_figure
from .services.reporting import (
    SubmissionRefused,
    commit_upload,
    due_date,
    preview_upload,
    refusal_body,
    reportable_nodes,
    review_figure,
    reviews_of,
    submit_figures,
    template_choices,
    template_help,
)

MONTHS_SHOWN = 12


def stored_text(n: int) -> str:
    return ngettext(
        "%(n)s figure stored, waiting for review.",
        "%(n)s figures stored, waiting for review.",
        n,
    ) % {"n": n}


def _operator(request: HttpRequest) -> set[str] | None:
    nodes = reportable_nodes(request.user)
    if nodes is not None and not nodes:
        raise PermissionDenied(_("Only port operators report figures."))
    return nodes


def _months(today: date, count: int) -> list[date]:
    return months_before(today, count)


@login_required
def report_home(request: HttpRequest) -> HttpResponse:
    """The operator's page: per node and month, what is reported, pending, rejected or
    missing; the template; the upload form; the API token."""
    nodes = _operator(request)
    codes = sorted(nodes) if nodes is not None else []
    months = _months(timezone.now().date(), MONTHS_SHOWN)
    figures = ThroughputReport.objects.filter(
        node__code__in=codes,
        period_kind="month",
        metric="teu",
        current=True,
        period_start__in=months,
        source="operator",
    ).select_related("node")
    by_cell = {(f.node.code, f.period_start): f for f in figures}
    today = timezone.now().date()
    overdue = {m for m in months if due_date(m) < today}
    grid = [
        {
            "node": code,
            "cells": [(m, by_cell.get((code, m)), m in overdue) for m in months],
        }
        for code in codes
    ]
    rejected = [f for f in by_cell.values() if f.status == "rejected"]
    token = Token.objects.filter(user=request.user).first()
    uploads = UploadBatch.objects.filter(user=request.user)[:10]
    return render(
        request,
        "ports/report.html",
        {
            "grid": grid,
            "months": months,
            "rejected": rejected,
            "token": token,
            "new_key": new_token_key(request, token),
            "uploads": uploads,
            "max_mib": MAX_UPLOAD_BYTES // 2**20,
            "reviews": reviews_of(request.user),
            "overdue_count": sum(
                1 for line in grid for _m, figure, late in line["cells"] if late and not figure
            ),
        },
    )


@login_required
def download_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The upload template: Chinese and English headers, a row per node and metric for last
    month with the value left blank (the structure of the period to report)."""
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    nodes = _operator(request)
    month = _months(timezone.now().date(), 1)[0]
    rows = [
        [
            code,
            f"{month:%Y-%m}",
            metric,
            metric if metric != "rail_teu" else "teu",
            "",
            "total",
            "total",
            "all",
            "total",
            "",
            "",
        ]
        for code in sorted(nodes or [])
        for metric in ("teu", "tonnes")
    ]
    if fmt == "xlsx":
        columns = list(COLUMNS)
        lists = {columns.index(c): v for c, v in template_choices().items()}
        lists[columns.index("node")] = sorted(nodes or [])
        body = write_xlsx(
            template_header(),
            rows,
            title="throughput",
            choices=lists,
            sheets=[("说明 help", template_help())],
        )
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, kind = write_csv(template_header(), rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="throughput-template.{fmt}"'
    return response


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """A file posted from the operator's page: its preview (nothing is stored yet)."""
    _operator(request)
    sent = request.FILES.get("file")
    if sent is None:
        messages.error(request, _("Choose a CSV or XLSX file."))
        return redirect("report-home")
    if sent.size > MAX_UPLOAD_BYTES:
        messages.error(request, _("The file is too large."))
        return redirect("report-home")
    batch, plan = preview_upload(request.user, sent.read(MAX_UPLOAD_BYTES + 1), sent.name)
    return render(request, "ports/preview.html", {"batch": batch, "plan": plan})


@login_required
@require_POST
def upload_commit(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    try:
        batch, plan = commit_upload(request.user, pk, request.POST.get("confirm") == "on")
    except SubmissionRefused as refused:
        batch = UploadBatch.objects.get(pk=pk)
        return render(
            request,
            "ports/preview.html",
            {"batch": batch, "plan": refused.plan, "refused": refusal_body(refused.plan)},
            status=409 if refused.conflict else 400,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("report-home")
    messages.success(request, stored_text(plan.rows))
    return redirect("report-home")


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Officials: figures waiting for review, with the change against the official figure
    of the period before."""
    if not request.user.has_perm("ports.review_throughputreport"):
        raise PermissionDenied(_("Only officials review figures."))
    pending = list(
        ThroughputReport.objects.pending().select_related("node", "submitted_by", "supersedes")
    )
    for figure in pending:
        previous = (
            ThroughputReport.objects.effective()
            .filter(
                node=figure.node,
                metric=figure.metric,
                period_kind=figure.period_kind,
                period_end__lt=figure.period_start,
                trade=figure.trade,
                direction=figure.direction,
                cargo_class=figure.cargo_class,
                laden=figure.laden,
            )
            .order_by("-period_end")
            .first()
        )
        figure.previous_official = previous
        figure.change_pct = (
            round(100 * (figure.value - previous.value) / previous.value, 1)
            if previous and previous.value
            else None
        )
        figure.ais = check_figure(figure)
    return render(request, "ports/review.html", {"pending": pending})


@login_required
@require_POST
def review_action(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review_figure(
            pk,
            request.user,
            approve=request.POST.get("decision") == "approve",
            comment=request.POST.get("comment", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Review saved."))
    return redirect("review-queue")


STRUCTURE_FIELDS = ("metric", "trade", "direction", "cargo_class", "laden")
DEFAULT_STRUCTURE = [
    {
        "metric": "teu",
        "trade": "total",
        "direction": "total",
        "cargo_class": "all",
        "laden": "total",
    },
    {
        "metric": "tonnes",
        "trade": "total",
        "direction": "total",
        "cargo_class": "all",
        "laden": "total",
    },
]


def _structure(node: str, month: date) -> list[dict[str, str]]:
    """The figures a node reported for the month before `month` (what it usually
    reports), else TEU and tonnes totals."""
    earlier = (month - timedelta(days=1)).replace(day=1)
    found = ThroughputReport.objects.filter(
        node__code=node,
        period_kind="month",
        period_start=earlier,
        current=True,
        source="operator",
    ).order_by("metric", "trade", "direction", "cargo_class", "laden")
    structure = [{f: getattr(r, f) for f in STRUCTURE_FIELDS} for r in found]
    return structure or [dict(s) for s in DEFAULT_STRUCTURE]


@login_required
def report_form(request: HttpRequest) -> HttpResponse:
    """One node and month by hand: the lines the node reported last month, values to fill
    (or correct); the same rules as a file or the API."""
    nodes = _operator(request)
    code = request.GET.get("node") or request.POST.get("node") or ""
    if not code and nodes is not None and len(nodes) == 1:
        code = next(iter(nodes))
    if nodes is not None and code not in nodes:
        raise PermissionDenied(_("You do not report for this node."))
    period = request.GET.get("period") or request.POST.get("period") or ""
    parsed = parse_period(period) if period else None
    last_month = _months(timezone.now().date(), 1)[0]
    if parsed is None or parsed[0] != "month" or parsed[1] > last_month:
        month = last_month  # any ended month may be reported; else the last one
        period = f"{month:%Y-%m}"
    else:
        month = parsed[1]
    structure = _structure(code, month)
    current = {
        tuple(getattr(r, f) for f in STRUCTURE_FIELDS): r
        for r in ThroughputReport.objects.filter(
            node__code=code,
            period_kind="month",
            period_start=month,
            current=True,
            source="operator",
        )
    }
    lines = [
        {
            **line,
            "index": i,
            "unit": Unit(METRIC_UNITS[line["metric"]]).label,
            "current": current.get(tuple(line[f] for f in STRUCTURE_FIELDS)),
        }
        for i, line in enumerate(structure, start=1)
    ]
    refused = None
    if request.method == "POST":
        numbered = []
        for line in lines:
            value = request.POST.get(f"value-{line['index']}", "").strip()
            if value:
                cells = {f: line[f] for f in STRUCTURE_FIELDS}
                numbered.append(
                    (
                        line["index"],
                        {
                            **cells,
                            "node": code,
                            "period": period,
                            "value": value,
                            "unit": METRIC_UNITS.get(line["metric"], ""),
                            "reason": request.POST.get("reason", ""),
                        },
                    )
                )
                line["entered"] = value
        try:
            _batch, plan = submit_figures(
                request.user,
                numbered,
                Channel.FORM,
                confirm_warnings=request.POST.get("confirm") == "on",
            )
        except SubmissionRefused as exc:
            refused = exc.plan
        else:
            messages.success(request, stored_text(plan.rows))
            return redirect("report-home")
    return render(
        request,
        "ports/report_form.html",
        {
            "node": code,
            "nodes": sorted(nodes) if nodes is not None else [code],
            "period": period,
            "last_month": f"{last_month:%Y-%m}",
            "lines": lines,
            "plan": refused,
        },
        status=400 if refused else 200,
    )
