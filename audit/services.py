"""The audit's one writer and its checks: `record` appends a row to the chain, `verify`
walks it, `retain` archives and then deletes what is older than the retention period."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
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
    reason: str = ""

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
    if broken is not None:
        return Verdict(counted[0], broken, "a row removed, edited or slipped in")
    return _against_witness(Verdict(counted[0], None), start)


# -- the witness: checkpoints kept outside the table -------------------------------------
# A chain shows a row removed or edited in the middle, but not the newest rows cut off, nor
# a tail rewritten with fresh hashes by someone who can write the table. Every few minutes
# the newest (seq, hash) is appended to a file outside the database (and logged, for a log
# server): rows missing after a checkpoint, or a row no longer hashing as it was, are then a
# break.
def witness_path() -> Path:
    return Path(getattr(settings, "CW_AUDIT_WITNESS", archive_dir() / "witness.jsonl"))


def _witnesses(tail: bool = False) -> list[dict[str, Any]]:
    """The checkpoints in the witness file, oldest first; `tail`: only the last few (its
    last 4 KiB: a checkpoint compares itself with the newest, not the whole history)."""
    path = witness_path()
    if not path.exists():
        return []
    with path.open("rb") as fh:
        if tail:
            fh.seek(max(fh.seek(0, os.SEEK_END) - 4096, 0))
        text = fh.read().decode("utf-8", errors="replace")
    out = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
            out.append({"seq": int(item["seq"]), "hash": str(item["hash"])})
        except (ValueError, KeyError, TypeError):
            continue  # a torn line (the last one, or the first of a tail read): skipped
    return out


def checkpoint() -> dict[str, Any] | None:
    """Append the newest (seq, hash) to the witness file, unless it is already the last
    one there; None when the log is empty or unchanged."""
    seq, digest = _last()
    if seq == 0:
        return None
    seen = _witnesses(tail=True)
    if seen and seen[-1]["seq"] == seq and seen[-1]["hash"] == digest:
        return None
    item = {"at": timezone.now().isoformat(), "seq": seq, "hash": digest}
    path = witness_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(item) + "\n")
        out.flush()
        os.fsync(out.fileno())
    log.info("audit checkpoint: seq %s hash %s", seq, digest)
    return item


def _against_witness(verdict: Verdict, archived_through: int) -> Verdict:
    seen = _witnesses()
    if not seen:
        return verdict
    newest, _digest = _last()
    highest = max(seen, key=lambda w: w["seq"])
    if highest["seq"] > newest:
        return Verdict(
            verdict.rows,
            newest + 1,
            f"rows #{newest + 1}-#{highest['seq']} are missing (a checkpoint saw them)",
        )
    kept = {w["seq"]: w["hash"] for w in seen if w["seq"] > archived_through}
    if kept:
        stored = dict(AuditEvent.objects.filter(seq__in=kept).values_list("seq", "hash"))
        for seq in sorted(kept):
            if stored.get(seq) != kept[seq]:
                return Verdict(
                    verdict.rows, seq, f"row #{seq} no longer hashes as a checkpoint saw it"
                )
    return verdict


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
