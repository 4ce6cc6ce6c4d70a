"""Transports on real sockets and pipes: the TCP client reconnects after a drop, the UDP
listener splits datagrams into lines, stdin is read as a stream (`ingest_ais -`)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ..ingest.transports import file_blocks, tcp_blocks, udp_blocks

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "ais_sample.nmea"


def test_tcp_client_reconnects_after_the_feed_drops():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        for batch in ([b"one\n", b"two\n"], [b"three\n", b"four\n"]):
            conn, _ = server.accept()
            with conn:
                for line in batch:
                    conn.sendall(line)
            # the connection is closed: the client must come back for the next batch

    threading.Thread(target=serve, daemon=True).start()
    stop = threading.Event()
    got: list[bytes] = []
    started = time.monotonic()
    for lines, _, _ in tcp_blocks("127.0.0.1", port, stop, max_backoff_s=0.5):
        got += [line.strip() for line in lines if line.strip()]
        if len(got) >= 4 or time.monotonic() - started > 20:
            stop.set()
    server.close()
    assert got == [b"one", b"two", b"three", b"four"]


def test_udp_datagrams_become_lines():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stop = threading.Event()
    got: list[bytes] = []

    def read():
        for lines, _, offset in udp_blocks("127.0.0.1", port, stop):
            assert offset is None
            got.extend(line for line in lines if line)
            if len(got) >= 3:
                stop.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.3)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"first\nsecond", ("127.0.0.1", port))
        sender.sendto(b"third", ("127.0.0.1", port))
    reader.join(5)
    stop.set()
    assert got == [b"first", b"second", b"third"]


def test_stdin_is_read_in_pieces_as_it_comes(monkeypatch):
    stream = io.BufferedReader(io.BytesIO(b"a\nb\nc"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))
    blocks = list(file_blocks("-"))
    assert [line for lines, _, _ in blocks for line in lines] == [b"a\n", b"b\n", b"c"]
    assert all(offset is None for _, _, offset in blocks)  # a stream: times are arrivals


@pytest.mark.django_db
def test_ingest_ais_reads_stdin(ais_tables, tmp_path):
    """`ingest_ais -` in a real process fed through a pipe, writing to the test database."""
    from django.db import connection

    from ..models import VesselPosition

    params = connection.get_connection_params()
    url = (
        f"postgis://{params['user']}:{params['password']}@{params['host']}:{params['port']}/"
        f"{params['dbname']}"
    )
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "manage.py", "ingest_ais", "-", "--spill-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        input=FIXTURE.read_bytes(),
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert b"10 positions" in result.stdout
    assert VesselPosition.objects.filter(mmsi=413000001).exists()
