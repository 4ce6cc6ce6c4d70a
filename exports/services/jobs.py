"""Export jobs: asked for, run (at once when small, else by the worker), cancelled, expired.

The queue is the `ExportJob` table: `manage.py export_worker` (started by `make run`) takes
queued jobs one at a time with `SELECT ... FOR UPDATE SKIP LOCKED`, so more workers can be
started on other machines sharing the database and files; moving to an existing task system
means calling `run_job(id)` from it instead. Files live in CW_EXPORT_DIR and expire after
CW_EXPORT_DAYS; a failure keeps its reason on the job.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from audit import services as audit
from audit.choices import Action
from core.replica import read_long
from corridors.models import Route

from ..models import ExportJob, JobState
from .figures import default_period
from .layers import CRS_CHOICES, LAYERS, ExportParams
from .report import build, html_report, pdf_report
from .writer import FORMATS, Cancelled, ensure_dir, file_name, write_layer

log = logging.getLogger(__name__)
REPORT = "corridor_report"
REPORT_FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
# Layers an analyst may export; positions and tracks need the AIS view permission too.
PERMISSIONS = {
    "positions": "ais.view_vesselposition",
    "tracks": "ais.view_vesselposition",
    "latest_positions": "ais.view_vessellatest",
    "port_calls": "portcalls.view_portcall",
}


def export_dir() -> Path:
    return ensure_dir(Path(settings.CW_EXPORT_DIR))


def inline_limit() -> int:
    return int(getattr(settings, "CW_EXPORT_INLINE_ROWS", 20_000))


def check_request(
    user: Any, layer: str, fmt: str, crs: int, filters: dict[str, Any]
) -> ExportParams:
    """The filters of a valid request; ValidationError naming what is wrong."""
    errors: dict[str, Any] = {}
    if layer == REPORT:
        if fmt not in REPORT_FORMATS:
            errors["format"] = f"one of {list(REPORT_FORMATS)} for the report"
        params = ExportParams.parse(filters)
        if params.route and not Route.objects.filter(code=params.route).exists():
            errors["route"] = "unknown route"
        start, end = report_window(params)
        if (end - start).days > 3 * 366:
            errors["end"] = "a report covers at most three years"
        if errors:
            raise ValidationError(errors)
        return params
    if layer not in LAYERS:
        errors["layer"] = f"one of {sorted([*LAYERS, REPORT])}"
    if fmt not in FORMATS:
        errors["format"] = f"one of {sorted(FORMATS)}"
    if crs not in CRS_CHOICES:
        errors["crs"] = f"one of {list(CRS_CHOICES)}"
    if fmt == "kml" and crs != 4326:
        errors["crs"] = "KML is always EPSG:4326"
    if errors:
        raise ValidationError(errors)
    params = ExportParams.parse(filters)
    needed = PERMISSIONS.get(layer)
    if needed and not user.has_perm(needed):
        raise PermissionError(layer)
    LAYERS[layer].count(params)  # windows and other limits are checked here, before a job
    return params


class QuotaExceeded(Exception):
    """The user already has CW_EXPORT_QUEUED jobs waiting or running."""

    def __init__(self, most: int):
        super().__init__(
            gettext(
                "you already have %(most)s exports waiting or running: wait for one to "
                "finish or cancel one"
            )
            % {"most": most}
        )
        self.most = most


def check_quota(user: Any) -> None:
    """Refuse (QuotaExceeded) a new job of a user with CW_EXPORT_QUEUED jobs open; the
    worker also takes jobs in turn between users (take_next), so one user's pile never
    holds another's job behind it."""
    most = int(settings.CW_EXPORT_QUEUED)
    open_jobs = ExportJob.objects.filter(
        user=user, state__in=(JobState.QUEUED, JobState.RUNNING)
    ).count()
    if open_jobs >= most:
        raise QuotaExceeded(most)


def create_job(
    user: Any, layer: str, fmt: str, crs: int, filters: dict[str, Any], language: str = "en"
) -> ExportJob:
    """A queued job (checked first, and the user's quota); small ones are run at once by
    the caller's choice."""
    params = check_request(user, layer, fmt, crs, filters)
    check_quota(user)
    job = ExportJob.objects.create(
        user=user,
        kind="report" if layer == REPORT else "layer",
        layer=layer,
        fmt=fmt,
        crs=crs,
        params=params.as_dict(),
        language=language,
    )
    audit.record(
        Action.EXPORT,
        f"export:{job.pk}",
        {"layer": layer, "format": fmt, "crs": crs, "params": job.params},
        user=user,
    )
    return job


def report_window(params: ExportParams) -> tuple[date, date]:
    period = default_period()
    first, last = period.first, period.last
    start = params.start.date() if params.start else first
    end = (
        params.end.date() if params.end else (last if not params.start else start + (last - first))
    )
    return start, end


def estimated_rows(job: ExportJob) -> int:
    if job.layer == REPORT:
        return 10**9  # always in the background: it draws maps and charts
    spec = LAYERS[job.layer]
    try:
        return int(spec.count(ExportParams.parse(job.params)))
    except ValidationError:
        return 0


def run_job(job_id: int) -> ExportJob:
    """Run a job to the end (done, failed with its reason, or cancelled)."""
    job = ExportJob.objects.get(pk=job_id)
    if job.layer == REPORT:
        return _run_report(job)
    spec = LAYERS[job.layer]
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, started_at=now)
    total = max(estimated_rows(job), 1)
    name = file_name(spec, job.fmt, now)
    out = export_dir() / f"{job.pk}-{name}"
    last = [0.0]

    def progress(rows: int) -> None:
        if time.monotonic() - last[0] > 1.0:
            last[0] = time.monotonic()
            ExportJob.objects.filter(pk=job.pk).update(progress=min(rows / total, 0.99), rows=rows)

    def cancelled() -> bool:
        return ExportJob.objects.filter(pk=job.pk, cancel_requested=True).exists()

    try:
        with translation.override(job.language):
            params = ExportParams.parse(job.params)
            rows = read_long(
                lambda: write_layer(
                    spec,
                    spec.rows(params, job.crs, job.language),
                    job.fmt,
                    job.crs,
                    out,
                    progress,
                    cancelled,
                ),
                job.user_id,
            )
    except Cancelled:
        out.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            state=JobState.CANCELLED, finished_at=timezone.now(), message="cancelled by the user"
        )
    except ValidationError as exc:
        out.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            state=JobState.FAILED, finished_at=timezone.now(), message="; ".join(exc.messages)
        )
    except Exception as exc:  # a failure is reported on the job, never silent
        log.exception("export %s failed", job.pk)
        out.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            message=f"{type(exc).__name__}: {exc}"[:2000],
        )
    else:
        days = int(getattr(settings, "CW_EXPORT_DAYS", 7))
        ExportJob.objects.filter(pk=job.pk).update(
            state=JobState.DONE,
            progress=1.0,
            rows=rows,
            file_name=out.name,
            size_bytes=out.stat().st_size,
            finished_at=timezone.now(),
            expires_at=timezone.now() + timedelta(days=days),
        )
    return ExportJob.objects.get(pk=job.pk)


def _run_report(job: ExportJob) -> ExportJob:
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, started_at=now)
    out = export_dir() / f"{job.pk}-corridor-watch-report-{now:%Y%m%dT%H%M%SZ}.{job.fmt}"
    try:
        with translation.override(job.language):
            params = ExportParams.parse(job.params)
            start, end = report_window(params)
            data = read_long(lambda: build(params.route, start, end, job.language), job.user_id)
            ExportJob.objects.filter(pk=job.pk).update(progress=0.3)
            if job.fmt == "html":
                out.write_text(html_report(data), encoding="utf-8")
            else:
                out.write_bytes(pdf_report(data))
    except Exception as exc:  # reported on the job, never silent
        log.exception("report %s failed", job.pk)
        out.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            message=f"{type(exc).__name__}: {exc}"[:2000],
        )
    else:
        days = int(getattr(settings, "CW_EXPORT_DAYS", 7))
        ExportJob.objects.filter(pk=job.pk).update(
            state=JobState.DONE,
            progress=1.0,
            rows=len(data.nodes),
            file_name=out.name,
            size_bytes=out.stat().st_size,
            finished_at=timezone.now(),
            expires_at=timezone.now() + timedelta(days=days),
        )
    return ExportJob.objects.get(pk=job.pk)


def file_of(job: ExportJob) -> Path | None:
    if job.state != JobState.DONE or not job.file_name:
        return None
    path = export_dir() / job.file_name
    return path if path.is_file() else None


def cancel_job(job: ExportJob) -> ExportJob:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        if job.state == JobState.QUEUED:
            job.state, job.finished_at = JobState.CANCELLED, timezone.now()
            job.message = "cancelled by the user"
        elif job.state == JobState.RUNNING:
            job.cancel_requested = True
        job.save()
    return job


def rerun_job(job: ExportJob) -> ExportJob:
    check_quota(job.user)
    return ExportJob.objects.create(
        user=job.user,
        kind=job.kind,
        layer=job.layer,
        fmt=job.fmt,
        crs=job.crs,
        params=job.params,
        language=job.language,
    )


def start_job(job: ExportJob) -> ExportJob:
    """A new job as its asker gets it back: run at once when small (at most
    `inline_limit()` rows estimated), else left queued for the worker."""
    return run_job(job.pk) if estimated_rows(job) <= inline_limit() else job


def user_jobs(user: Any) -> QuerySet[ExportJob]:
    """A user's export jobs, newest first (nobody sees another's)."""
    return ExportJob.objects.filter(user=user).order_by("-created_at", "-id")


def user_job(user: Any, pk: int | None) -> ExportJob | None:
    """One of the user's jobs, None when it is no job of theirs."""
    return user_jobs(user).filter(pk=pk).first() if pk else None


FAIR_WINDOW = 500  # queued jobs looked at to choose the next one


def take_next() -> int | None:
    """The next queued job, marked running (one worker each: SKIP LOCKED), in turn between
    users: a user's n-th waiting job (counting their running ones) comes after every other
    user's (n-1)-th, oldest first among equals. 40 reports queued by one user hold another
    user's job behind one of theirs at most."""
    queued = list(
        ExportJob.objects.filter(state=JobState.QUEUED)
        .order_by("created_at", "id")
        .values_list("id", "user_id")[:FAIR_WINDOW]
    )
    if not queued:
        return None
    turn: dict[int, int] = dict(
        ExportJob.objects.filter(state=JobState.RUNNING)
        .values_list("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    order = []
    for position, (job_id, user_id) in enumerate(queued):
        rank = turn.get(user_id, 0)
        turn[user_id] = rank + 1
        order.append((rank, position, job_id))
    for _rank, _position, job_id in sorted(order):
        with transaction.atomic():
            job = (
                ExportJob.objects.select_for_update(skip_locked=True)
                .filter(pk=job_id, state=JobState.QUEUED)
                .first()
            )
            if job is None:
                continue  # another worker took it, or it was cancelled
            job.state, job.started_at = JobState.RUNNING, timezone.now()
            job.save(update_fields=["state", "started_at"])
            return job.pk
    return None


def expire_files() -> int:
    """Delete files past their expiry; their jobs say expired."""
    n = 0
    for job in ExportJob.objects.filter(state=JobState.DONE, expires_at__lt=timezone.now()):
        (export_dir() / job.file_name).unlink(missing_ok=True)
        job.state = JobState.EXPIRED
        job.save(update_fields=["state"])
        n += 1
    return n


def recover_interrupted() -> int:
    """Jobs left running by a worker that died go back to the queue."""
    return ExportJob.objects.filter(state=JobState.RUNNING, cancel_requested=False).update(
        state=JobState.QUEUED, progress=0.0
    )
