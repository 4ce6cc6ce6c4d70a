"""The demo's history: simulated past traffic ingested as an archive, port calls detected,
done once per database."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import SetupRecord
from ais.models import VesselPosition
from portcalls.models import PortCall

pytestmark = pytest.mark.django_db(transaction=True)


def test_backfill_makes_history_once(ais_tables):
    out = StringIO()
    call_command("backfill_demo", "--weeks", "0.4", "--seed", "3", "--arrivals", "2", stdout=out)
    text = out.getvalue()
    assert "4/4" in text and "done" in text
    assert VesselPosition.objects.count() > 1000
    assert PortCall.objects.count() > 5
    assert SetupRecord.objects.filter(key="demo_history").exists()
    again = StringIO()
    call_command("backfill_demo", stdout=again)
    assert "nothing to do" in again.getvalue()
