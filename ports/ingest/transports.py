"""Where NMEA lines come from: files (plain, .gz, stdin, or a byte range of a file), a TCP
feed, a UDP listener.

Each transport yields blocks: (list of lines as bytes, unix receive time, byte offset of
the first line or None). Blocks keep the decoder's loop tight. For a file the "receive
time" is its modification time and the offset lets the decoder give untimed lines a
deterministic time (see AisDecoder.decode_into). Stream transports stop when `stop` is
set; the TCP client reconnects with backoff when the feed drops.
"""

from __future__ import annotations

import gzip
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

log = logging.getLogger(__name__)
Block = tuple[list[bytes], float, int | None]
BLOCK_BYTES = 1 << 20


def open_file(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    if path.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def file_blocks(path: str, on_progress: Callable[[int], None] | None = None) -> Iterator[Block]:
    """Blocks of lines of a whole file; `on_progress(bytes read)` after each block."""
    fh = open_file(path)
    stamp = time.time() if path == "-" else os.path.getmtime(path)
    try:
        done = 0
        while lines := fh.readlines(BLOCK_BYTES):
            if path == "-":
                yield lines, time.time(), None
            else:
                yield lines, stamp, done
            done += sum(map(len, lines))
            if on_progress:
                on_progress(done)
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


def split_file(path: str, parts: int) -> list[tuple[int, int]]:
    """Byte ranges [start, end) of about equal size covering the file."""
    size = os.path.getsize(path)
    step = max(size // max(parts, 1), 1)
    bounds = [min(i * step, size) for i in range(parts)] + [size]
    return [(a, b) for a, b in pairwise(bounds) if b > a]


def chunk_blocks(path: str, start: int, end: int) -> tuple[Iterator[Block], Iterator[bytes]]:
    """The lines that start in [start, end) of a plain file, in blocks, and an iterator of
    the lines after it (for completing multi-sentence messages across the boundary)."""
    fh = open(path, "rb")  # noqa: SIM115 - closed by the tail iterator
    if start > 0:
        fh.seek(start - 1)
        fh.readline()  # to the first line that starts at or after `start`

    stamp = os.path.getmtime(path)

    def blocks() -> Iterator[Block]:
        while (at := fh.tell()) < end:
            lines = fh.readlines(min(BLOCK_BYTES, max(end - at, 1)))
            if not lines:
                return
            yield lines, stamp, at

    def tail() -> Iterator[bytes]:
        try:
            for _ in range(500):
                line = fh.readline()
                if not line:
                    return
                yield line
        finally:
            fh.close()

    return blocks(), tail()


def tcp_blocks(
    host: str, port: int, stop: threading.Event, max_backoff_s: float = 30.0
) -> Iterator[Block]:
    """Lines from a TCP feed (client). A dropped or refused connection is retried with
    exponential backoff; a partial line at a drop is discarded (it cannot be completed)."""
    delay = 0.5
    while not stop.is_set():
        try:
            sock = socket.create_connection((host, port), timeout=5)
        except OSError as exc:
            log.warning("tcp://%s:%s: %s; retrying in %.1f s", host, port, exc, delay)
            stop.wait(delay)
            delay = min(delay * 2, max_backoff_s)
            continue
        delay = 0.5
        sock.settimeout(0.5)
        buffer = b""
        try:
            while not stop.is_set():
                try:
                    chunk = sock.recv(1 << 16)
                except TimeoutError:
                    yield [], time.time(), None  # let the consumer flush on time
                    continue
                if not chunk:
                    log.warning("tcp://%s:%s closed the connection", host, port)
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                yield lines, time.time(), None
        except OSError as exc:
            log.warning("tcp://%s:%s: %s", host, port, exc)
        finally:
            sock.close()


def udp_blocks(host: str, port: int, stop: threading.Event) -> Iterator[Block]:
    """Lines from UDP datagrams (one or more sentences each) sent to host:port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    sock.bind((host or "0.0.0.0", port))
    sock.settimeout(0.5)
    try:
        while not stop.is_set():
            try:
                data, _ = sock.recvfrom(65536)
            except TimeoutError:
                yield [], time.time(), None
                continue
            yield data.splitlines(), time.time(), None
    finally:
        sock.close()


def parse_source(source: str) -> tuple[str, str, int | None]:
    """('file', path, None) | ('tcp', host, port) | ('udp', host, port)."""
    if source.startswith(("tcp://", "udp://")):
        url = urlparse(source)
        if url.port is None:
            raise ValueError(f"{source}: a port is required")
        return url.scheme, url.hostname or "", url.port
    if source != "-" and not Path(source).is_file():
        raise ValueError(f"{source}: no such file")
    return "file", source, None
