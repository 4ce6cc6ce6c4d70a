"""The audit's one writer and its checks: `record` appends a row to the chain, `verify`
walks it, `retain` archives and then deletes what is older than the retention period."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .chain import FIELDS, GENESIS, first_break, row_hash
from .context import current
from .db import delete_through, lock_appends
from .models import AuditArchive, AuditEvent

log = logging.getLogger(__name__)
TARGET_MAX = 500


def _role(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    from accounts.roles import role_of

    return str(role_of(user) or "")


def _last() -> tuple[int, str]:
    """(seq, hash) of the newest row, kept or archived; (0, GENESIS) for an empty log."""
    row = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    if row is not None:
        return int(row[0]), str(row[1])
    archive = AuditArchive.objects.order_by("-last_seq").first()
    if archive is not None:
        return archive.last_seq, archive.last_hash
    return 0, GENESIS


def record(
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
    *,
    user: Any = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one row: `action` (audit.choices.Action) on `target`, by `user` from `ip`
    (default: the request being served, audit.context)."""
    acting = current.get()
    if user is None and acting is not None:
        user = acting.user
    if ip is None:
        ip = acting.ip if acting is not None else ""
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    with transaction.atomic():
        lock_appends()
        seq, previous = _last()
        row = {
            "seq": seq + 1,
            "at": timezone.now(),
            "actor": str(getattr(user, "username", "") or "") if authenticated else "",
            "role": _role(user),
            "action": action,
            "target": target[:TARGET_MAX],
            "detail": detail or {},
            "ip": ip or "",
        }
        return AuditEvent.objects.create(
            **row,
            actor_id=getattr(user, "pk", None) if authenticated else None,
            prev_hash=previous,
            hash=row_hash(previous, _canonical(row)),
        )


def _canonical(row: dict[str, Any]) -> dict[str, Any]:
    """A row's fields as hashed: the time in ISO form, the detail as JSON would store it."""
    out = {f: row[f] for f in FIELDS}
    out["at"] = row["at"].isoformat()
    out["detail"] = json.loads(json.dumps(row["detail"], default=str))
    return out


@dataclass(frozen=True)
class Verdict:
    rows: int
    broken_at: int | None  # the seq where the chain breaks; None: it holds

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _rows(after: int = 0) -> Iterator[dict[str, Any]]:
    for e in AuditEvent.objects.filter(seq__gt=after).order_by("seq").iterator(chunk_size=2000):
        row = {f: getattr(e, f) for f in FIELDS}
        yield {**_canonical(row), "prev_hash": e.prev_hash, "hash": e.hash}


def verify() -> Verdict:
    """Walk the chain from the last archive (or the start): every row's hash, its link to
    the row before, and no seq missing."""
    archive = AuditArchive.objects.order_by("-last_seq").first()
    previous = archive.last_hash if archive else GENESIS
    start = archive.last_seq if archive else 0
    counted = [0]

    def counting() -> Iterator[dict[str, Any]]:
        for row in _rows(start):
            counted[0] += 1
            yield row

    broken = first_break(counting(), previous)
    return Verdict(counted[0], broken)


def archive_dir() -> Path:
    return Path(getattr(settings, "CW_AUDIT_ARCHIVE_DIR", settings.BASE_DIR / ".var" / "audit"))


def retain(days: int | None = None, now: datetime | None = None) -> AuditArchive | None:
    """Archive the rows older than `days` (CW_AUDIT_RETENTION_DAYS, default 180) to a gzip
    JSON-lines file with its sha256, then delete them (the only deletion the database lets
    through); None when nothing is that old. The chain of the rows kept starts from the
    archive's last hash."""
    days = days if days is not None else int(getattr(settings, "CW_AUDIT_RETENTION_DAYS", 180))
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        lock_appends()
        old = AuditEvent.objects.filter(at__lt=cutoff).order_by("seq")
        last = old.values_list("seq", "hash").last()
        if last is None:
            return None
        first_seq = int(old.values_list("seq", flat=True).first() or last[0])
        directory = archive_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"audit-{first_seq:012d}-{last[0]:012d}.jsonl.gz"
        digest = hashlib.sha256()
        with gzip.open(path, "wt", encoding="utf-8") as out:
            for e in AuditEvent.objects.filter(seq__lte=last[0]).order_by("seq").iterator():
                line = json.dumps(
                    {
                        **_canonical({f: getattr(e, f) for f in FIELDS}),
                        "actor_id": e.actor_id,
                        "prev_hash": e.prev_hash,
                        "hash": e.hash,
                    },
                    ensure_ascii=False,
                )
                out.write(line + "\n")
        digest.update(path.read_bytes())
        archived = AuditArchive.objects.create(
            first_seq=first_seq,
            last_seq=last[0],
            last_hash=last[1],
            path=str(path),
            sha256=digest.hexdigest(),
        )
        delete_through(last[0])
    log.info("audit: archived rows %s-%s to %s", first_seq, last[0], path)
    return archived
