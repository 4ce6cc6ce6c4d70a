"""The audit log (issue 18, item 4): each audited action writes one row saying who, what,
when and from where; the chain finds a row edited or removed; the database refuses changes;
retention archives, then deletes; the three administrators can each do only their part."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import Profile
from audit.models import AuditArchive, AuditEvent
from audit.services import checkpoint, record, retain, verify
from tests.support import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def rows(action=None, **match):
    found = AuditEvent.objects.order_by("seq")
    if action:
        found = found.filter(action=action)
    return list(found.filter(**match))


def user_with(role: str, name: str):
    user = get_user_model().objects.create_user(name, password=DEMO_PASSWORD)
    Profile.objects.create(user=user, role=role)
    return get_user_model().objects.get(pk=user.pk)


def test_logins_failed_logins_and_logouts_say_who_and_from_where():
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post("/accounts/login/", {"username": "analyst", "password": "wrong one"})
    client.post("/accounts/login/", {"username": "analyst", "password": DEMO_PASSWORD})
    client.post("/accounts/logout/")
    failed, login, logout = rows("login_failed"), rows("login"), rows("logout")
    assert [(r.detail["username"], r.ip, r.actor) for r in failed] == [("analyst", "10.1.2.3", "")]
    assert [(r.actor, r.role, r.ip) for r in login] == [("analyst", "analyst", "10.1.2.3")]
    assert [r.actor for r in logout] == ["analyst"]
    assert "wrong one" not in json.dumps([r.detail for r in failed])


def test_api_and_page_reads_and_writes_are_recorded_once_each(login_as):
    api = login_as(APIClient(REMOTE_ADDR="10.9.9.9"), "official")
    before = AuditEvent.objects.count()
    assert api.get("/api/nodes/", {"limit": 2}).status_code == 200
    [read] = rows("read", target="/api/nodes/")
    assert (read.actor, read.role, read.ip) == ("official", "official", "10.9.9.9")
    assert read.detail["query"] == "limit=2" and read.detail["status"] == 200
    api.post("/api/alerts/999999/close/")
    [write] = rows("write", target="/api/alerts/999999/close/")
    assert write.detail["status"] == 404
    assert AuditEvent.objects.count() == before + 2
    # Anonymous and public requests are not the audit's business; health probes neither.
    Client().get("/healthz")
    assert AuditEvent.objects.count() == before + 2


def test_exports_uploads_reviews_tokens_and_role_changes_are_recorded(login_as, settings, tmp_path):
    settings.CW_EXPORT_DIR = tmp_path
    analyst = login_as(APIClient(), "analyst")
    analyst.post("/api/exports/", {"layer": "nodes", "format": "csv"}, format="json")
    [export] = rows("export")
    assert export.actor == "analyst" and export.detail["layer"] == "nodes"
    operator = login_as(APIClient(), "operator")
    figure = {"node": "QZ_PORT", "period": "2026-09", "metric": "teu", "unit": "teu"}
    assert (
        operator.post(
            "/api/throughput/", {"figures": [{**figure, "value": "812345"}]}, format="json"
        ).status_code
        == 201
    )
    [upload] = rows("upload")
    assert upload.actor == "operator" and upload.detail["rows"] == 1
    from ports.models import ThroughputReport

    pending = ThroughputReport.objects.get(source="operator")
    official = login_as(APIClient(), "official")
    official.post(f"/api/throughput/{pending.pk}/review/", {"decision": "approve"}, format="json")
    [review] = rows("review")
    assert review.actor == "official" and review.target == f"throughput:{pending.pk}"
    client = login_as(Client(), "analyst")
    client.post("/accounts/token/", {"action": "create"})
    assert [r.detail["token"] for r in rows("token", actor="analyst")] == ["issued"]
    someone = user_with(Role.ANALYST, "someone")
    profile = someone.profile
    profile.role = Role.OFFICIAL
    profile.save()
    changes = rows("role", target="user:someone")
    assert any(r.detail.get("created") for r in changes)
    assert any(r.detail.get("changed", {}).get("is_staff") == [False, True] for r in changes)


def test_the_chain_finds_an_edited_or_removed_row_and_the_database_refuses_both():
    for i in range(5):
        record("read", f"/api/test/{i}")
    assert verify().ok and verify().rows >= 5
    third = AuditEvent.objects.order_by("seq")[2]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=third.pk).update(target="/elsewhere")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=third.pk).delete()
    # Who gets past the trigger (the table's owner turning it off) is still found out.
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_append_only")
        cursor.execute(f"UPDATE {table} SET target = '/elsewhere' WHERE id = %s", [third.pk])
    assert verify().broken_at == third.seq
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET target = %s WHERE id = %s", [third.target, third.pk])
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [third.pk])
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_append_only")
    assert verify().broken_at == third.seq  # missing: the next row no longer links


def test_the_witness_finds_the_newest_rows_cut_off_or_a_tail_rewritten(settings, tmp_path):
    """What a chain alone cannot show: the newest rows deleted, or rows edited with every
    later hash computed again. A checkpoint outside the database shows both."""
    settings.CW_AUDIT_WITNESS = tmp_path / "witness.jsonl"
    for i in range(4):
        record("read", f"/api/witness/{i}")
    seen = checkpoint()
    assert seen is not None and checkpoint() is None  # nothing new: no second line
    assert verify().ok
    table = AuditEvent._meta.db_table
    last = AuditEvent.objects.order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_append_only")
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [last.pk])
    verdict = verify()
    assert verdict.broken_at == last.seq and "missing" in verdict.reason
    # Put back with a changed target and a recomputed hash: the chain holds, the witness not.
    from audit.chain import first_break, row_hash
    from audit.services import _canonical

    forged = {f: getattr(last, f) for f in ("seq", "at", "actor", "role", "action", "ip")}
    forged.update(target="/elsewhere", detail=last.detail)
    digest = row_hash(last.prev_hash, _canonical(forged))
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                **forged,
                actor_id=last.actor_id,
                prev_hash=last.prev_hash,
                hash=digest,
            )
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_append_only")
    from audit.services import _rows

    assert first_break(_rows()) is None  # the chain alone is fooled
    verdict = verify()
    assert verdict.broken_at == last.seq and "checkpoint" in verdict.reason


def test_retention_archives_then_deletes_and_the_chain_goes_on(settings, tmp_path):
    settings.CW_AUDIT_ARCHIVE_DIR = tmp_path
    for i in range(4):
        record("read", f"/api/old/{i}")
    old = list(AuditEvent.objects.order_by("seq"))
    with connection.cursor() as cursor:  # make them old, as the owner could: trigger off
        table = AuditEvent._meta.db_table
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_append_only")
        cursor.execute(f"UPDATE {table} SET at = at - interval '200 days'")
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_append_only")
    # Ageing rewrote `at`: rebuild the expected rows' hashes as if they had been written then.
    from audit.chain import GENESIS, row_hash
    from audit.services import _canonical

    previous = GENESIS
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_append_only")
        for e in AuditEvent.objects.order_by("seq"):
            fields = {
                f: getattr(e, f)
                for f in ("seq", "at", "actor", "role", "action", "target", "detail", "ip")
            }
            digest = row_hash(previous, _canonical(fields))
            cursor.execute(
                f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s",
                [previous, digest, e.pk],
            )
            previous = digest
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_append_only")
    assert verify().ok
    record("read", "/api/new")
    archived = retain(days=180)
    assert archived is not None and archived.last_seq == old[-1].seq
    assert not AuditEvent.objects.filter(seq__lte=archived.last_seq).exists()
    with gzip.open(archived.path, "rt", encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    assert [line["target"] for line in lines] == [e.target for e in old]
    assert verify().ok  # the kept rows chain on from the archive's last hash
    assert retain(days=180) is None
    assert AuditArchive.objects.count() == 1


def test_the_three_administrators_each_do_only_their_part(login_as):
    auditor = user_with(Role.AUDITOR, "auditor1")
    security = user_with(Role.SECURITY, "security1")
    record("read", "/api/something")
    audit_api = APIClient()
    audit_api.force_authenticate(auditor)
    listed = audit_api.get("/api/audit/")
    assert listed.status_code == 200 and listed.json()["count"] >= 1
    csv = audit_api.get("/api/audit/export/")
    assert csv.status_code == 200 and b"seq,at,actor" in csv.content
    assert rows("audit", actor="auditor1")  # reading the audit is audited
    # The auditor reads no corridor data and changes nothing.
    assert audit_api.get("/api/nodes/").status_code == 403
    assert audit_api.post("/api/alerts/1/close/").status_code == 403
    assert audit_api.delete("/api/audit/1/").status_code in (403, 405)
    # The security administrator manages accounts, reads neither data nor audit.
    sec_api = APIClient()
    sec_api.force_authenticate(security)
    assert sec_api.get("/api/audit/").status_code == 403
    assert sec_api.get("/api/nodes/").status_code == 403
    assert security.has_perm("auth.change_user") and not security.has_perm("geo.change_node")
    site = Client()
    site.force_login(security)
    assert site.get("/admin/auth/user/").status_code == 200
    page = site.get(f"/admin/auth/user/{security.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page  # cannot make itself a superuser
    assert (
        '<option value="admin"'
        not in site.get(f"/admin/auth/user/{auditor.pk}/change/").content.decode()
    )
    # The system administrator (a superuser) neither reads nor erases the audit.
    admin = login_as(APIClient(), "admin")
    assert admin.get("/api/audit/").status_code == 403
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()


def test_records_wait_their_turn_and_never_share_a_place():
    seqs = [record("read", f"/api/{i}").seq for i in range(20)]
    assert seqs == list(range(seqs[0], seqs[0] + 20)) and verify().ok


def test_audit_rows_age_past_retention_only_by_time(settings, tmp_path):
    settings.CW_AUDIT_ARCHIVE_DIR = tmp_path
    record("read", "/api/recent")
    assert retain(days=180, now=timezone.now() + timedelta(days=10)) is None
    assert retain(days=180, now=timezone.now() + timedelta(days=181)) is not None


def test_dash_refuses_the_data_less_roles_and_records_the_pages_read(login_as, app):
    auditor = user_with(Role.AUDITOR, "auditor2")
    security = user_with(Role.SECURITY, "security2")
    from werkzeug.test import Client as WsgiClient

    for who in (auditor, security):
        session = Client()
        session.force_login(who)
        dash = WsgiClient(app)
        dash.set_cookie("sessionid", session.cookies["sessionid"].value)
        answer = dash.get("/dash/")
        assert answer.status_code == 403, answer.get_data(as_text=True)[:500]
    session = login_as(Client(), "official")
    dash = WsgiClient(app)
    dash.set_cookie("sessionid", session.cookies["sessionid"].value)
    assert dash.get("/dash/port/QZ_PORT?from=2026-01").status_code == 200
    [page] = rows("read", target="/dash/port/QZ_PORT")
    assert page.actor == "official" and page.detail["query"] == "from=2026-01"


def test_the_commands_verify_and_retain(settings, tmp_path, monkeypatch):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.CW_AUDIT_ARCHIVE_DIR = tmp_path
    # The periodic loop closes stale connections between turns: not the test's own.
    monkeypatch.setattr("django.db.close_old_connections", lambda: None)
    record("read", "/api/x")
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "the chain holds" in out.getvalue()
    out, err = StringIO(), StringIO()
    call_command("audit_retain", stdout=out, stderr=err)
    assert "nothing older" in out.getvalue(), err.getvalue()
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_append_only")
        cursor.execute(f"UPDATE {table} SET actor = 'someone else'")
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_append_only")
    with pytest.raises(CommandError, match="breaks at row"):
        call_command("audit_verify", stdout=StringIO())
    out = StringIO()
    call_command("audit_retain", "--days", "0", stdout=out)
    assert "nothing archived" in out.getvalue() and not AuditArchive.objects.exists()
