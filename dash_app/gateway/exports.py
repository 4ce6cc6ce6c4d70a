"""The export page: layers and formats offered, asking for an export, the user's jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError

from exports.services import jobs as export_jobs
from exports.services import layers as export_layers
from exports.services import writer as export_writer

from .common import parse_id

if TYPE_CHECKING:  # a type only: the gateway reads no model
    from exports.models import ExportJob

EXPORT_FORMATS = list(export_writer.FORMATS)
EXPORT_CRS = list(export_layers.CRS_CHOICES)


@dataclass(frozen=True)
class ExportView:
    id: int
    layer: str
    format: str
    crs: int
    params: dict[str, Any]
    state: str
    state_label: str
    progress: float
    rows: int | None
    message: str
    created_at: datetime
    download: str | None


def _export_view(job: ExportJob) -> ExportView:
    return ExportView(
        id=job.pk,
        layer=job.layer,
        format=job.fmt,
        crs=job.crs,
        params=dict(job.params),
        state=job.state,
        state_label=job.get_state_display(),
        progress=job.progress,
        rows=job.rows,
        message=job.message,
        created_at=job.created_at,
        download=f"/api/exports/{job.pk}/download/" if job.state == "done" else None,
    )


def export_layer_options() -> list[dict[str, str]]:
    return [
        {"label": f"{name} · {spec.title}", "value": name}
        for name, spec in export_layers.LAYERS.items()
    ]


def request_export(
    user: Any, layer: str, fmt: str, crs: int, filters: dict[str, Any], lang: str
) -> ExportView | str:
    """Ask for an export (run at once when small); the reason as text when refused."""
    try:
        job = export_jobs.create_job(user, layer, fmt, crs, filters, lang)
    except DjangoValidationError as exc:
        details = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return "; ".join(f"{k}: {', '.join(v)}" if k else ", ".join(v) for k, v in details.items())
    except PermissionError:
        return "no permission to export this layer"
    except export_jobs.QuotaExceeded as exc:
        return str(exc)
    return _export_view(export_jobs.start_job(job))


def user_exports(user: Any, limit: int = 15) -> list[ExportView]:
    return [_export_view(j) for j in export_jobs.user_jobs(user)[:limit]]


def export_status(user: Any, job_id: Any) -> ExportView | None:
    job = export_jobs.user_job(user, parse_id(job_id))
    return _export_view(job) if job else None


def rerun_export(user: Any, job_id: Any) -> ExportView | str | None:
    """Run a job of the user's again; None: no such job; the reason as text when refused."""
    job = export_jobs.user_job(user, parse_id(job_id))
    if job is None:
        return None
    try:
        again = export_jobs.rerun_job(job)
    except export_jobs.QuotaExceeded as exc:
        return str(exc)
    return _export_view(export_jobs.start_job(again))


def cancel_export(user: Any, job_id: Any) -> ExportView | None:
    job = export_jobs.user_job(user, parse_id(job_id))
    return _export_view(export_jobs.cancel_job(job)) if job else None
