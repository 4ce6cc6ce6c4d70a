"""Where NMEA lines come from: files (plain, .gz, stdin, or a byte range of a file), a TCP
feed, a UDP listener.

Each transport yields blocks: (list of lines as bytes, unix receive time, byte offset of
the first line or None). Blocks keep the decoder's loop tight. For a file the "receive
time" is its modification time and the offset lets the decoder give untimed lines a
deterministic time (see AisDecoder.decode_into). Stream transports stop when `stop` is
set; the TCP client reconnects with backoff when the feed drops.

Every source is read in bounded pieces: a line longer than MAX_LINE_BYTES is cut (the
decoder counts it as `overlong`) and the rest of it skipped, so a peer that never sends a
newline costs a fixed amount of memory; a .gz file may not expand beyond its cap.
"""

from __future__ import annotations

import gzip
import ipaddress
import logging
import os
import socket
import sys
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, urlparse

from .ais import MAX_LINE_BYTES

log = logging.getLogger(__name__)
Block = tuple[list[bytes], float, int | None]
BLOCK_BYTES = 1 << 20
# A .gz may expand to GZ_MAX_RATIO times its size (at least GZ_MIN_CAP): real AIS logs
# compress 5-10 times; a "zip bomb" of newline-free bytes is stopped.
GZ_MAX_RATIO = 100
GZ_MIN_CAP = 256 << 20


class InputTooLarge(ValueError):
    """A compressed file expands beyond its cap."""


class LineBuffer:
    """Splits a byte stream into lines (each with its newline). A line longer than
    `max_line` is cut to `max_line + 1` bytes (so the decoder sees it is too long) and the
    rest of it is dropped; the buffer never holds more than `max_line` bytes."""

    def __init__(self, max_line: int = MAX_LINE_BYTES):
        self.max_line = max_line
        self.rest = b""
        self.skipping = False  # inside the tail of an overlong line

    def feed(self, chunk: bytes) -> tuple[list[bytes], int]:
        """Complete lines in `chunk` (with what came before), and the number of input bytes
        they stand for (skipped tails included)."""
        data = self.rest + chunk
        pieces = data.split(b"\n")
        self.rest = pieces.pop()
        consumed = 0
        lines = []
        for piece in pieces:
            consumed += len(piece) + 1
            if self.skipping:
                self.skipping = False
                continue
            lines.append(piece[: self.max_line + 1] + b"\n")
        if len(self.rest) > self.max_line:
            consumed += len(self.rest)
            if not self.skipping:
                lines.append(self.rest[: self.max_line + 1])
            self.skipping = True
            self.rest = b""
        return lines, consumed

    def finish(self) -> tuple[list[bytes], int]:
        """The last line, when the stream ends without a newline."""
        rest, self.rest = self.rest, b""
        if not rest or self.skipping:
            return [], len(rest)
        return [rest], len(rest)


class BadArchive(ValueError):
    """An archive that cannot be read as one file (a zip of several)."""


def open_file(path: str) -> BinaryIO:
    """A file's bytes: plain, gzipped, or the one data file of a zip archive (a zip
    holding several files is refused: which one is meant?)."""
    if path == "-":
        return sys.stdin.buffer
    if path.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if path.endswith(".zip"):
        archive = zipfile.ZipFile(path)
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir() and not m.filename.startswith(("__MACOSX/", "."))
        ]
        if len(members) != 1:
            archive.close()
            raise BadArchive(
                f"{path}: a zip archive of {len(members)} files; give one file per archive"
            )
        return archive.open(members[0])  # type: ignore[return-value]
    return open(path, "rb")


def first_line(path: str, limit: int = 65536) -> bytes:
    """A file's first line (at most `limit` bytes), read through its compression."""
    with open_file(path) as fh:
        return fh.readline(limit)


def expand_cap(path: str) -> int | None:
    """How many bytes a file may expand to (None: a plain file, read as it is)."""
    if path.endswith((".gz", ".zip")):
        return max(GZ_MIN_CAP, GZ_MAX_RATIO * os.path.getsize(path))
    return None


def file_blocks(
    path: str,
    on_progress: Callable[[int], None] | None = None,
    max_bytes: int | None = None,
) -> Iterator[Block]:
    """Blocks of lines of a whole file; `on_progress(bytes read)` after each block.
    `max_bytes` caps the (decompressed) bytes read (default: `expand_cap`)."""
    fh = open_file(path)
    stamp = time.time() if path == "-" else os.path.getmtime(path)
    cap = max_bytes if max_bytes is not None else (None if path == "-" else expand_cap(path))
    read = getattr(fh, "read1", fh.read)
    lines_of = LineBuffer()
    try:
        done = total = 0
        while chunk := read(BLOCK_BYTES):
            total += len(chunk)
            if cap is not None and total > cap:
                raise InputTooLarge(f"{path} expands beyond {cap:,} bytes: not read further")
            lines, consumed = lines_of.feed(chunk)
            if lines:
                yield (
                    lines,
                    (time.time() if path == "-" else stamp),
                    (None if path == "-" else done),
                )
            done += consumed
            if on_progress:
                on_progress(done)
        lines, consumed = lines_of.finish()
        if lines:
            yield lines, (time.time() if path == "-" else stamp), (None if path == "-" else done)
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
    stamp = os.path.getmtime(path)
    at = start
    if start > 0:
        # To the first line that starts at or after `start`: past the next newline at or
        # after start - 1, read in bounded pieces.
        fh.seek(start - 1)
        at = start - 1
        while piece := fh.read(1 << 16):
            cut = piece.find(b"\n")
            if cut >= 0:
                at += cut + 1
                break
            at += len(piece)
        fh.seek(at)
    lines_of = LineBuffer()

    def blocks() -> Iterator[Block]:
        nonlocal at
        offset = at
        while offset < end:
            chunk = fh.read(min(BLOCK_BYTES, end - at)) if at < end else b""
            if not chunk:
                break
            at += len(chunk)
            lines, consumed = lines_of.feed(chunk)
            if lines:
                yield lines, stamp, offset
            offset += consumed
        # The line that straddles `end` starts in this range: read on to its newline (an
        # overlong one was already cut and marked). What follows belongs to the next range.
        while lines_of.rest and not lines_of.skipping:
            chunk = fh.read(4096)
            if not chunk:
                lines, _ = lines_of.finish()
                if lines:
                    yield lines, stamp, offset
                return
            cut = chunk.find(b"\n")
            if cut >= 0:
                fh.seek(fh.tell() - (len(chunk) - cut - 1))  # the tail starts after it
                chunk = chunk[: cut + 1]
            lines, _ = lines_of.feed(chunk)
            if lines:
                yield lines[:1], stamp, offset
                return

    def tail() -> Iterator[bytes]:
        try:
            rest = LineBuffer()
            count = 0
            while count < 500 and (chunk := fh.read(1 << 16)):
                lines, _ = rest.feed(chunk)
                for line in lines:
                    yield line
                    count += 1
                    if count >= 500:
                        return
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
        lines_of = LineBuffer()
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
                lines, _ = lines_of.feed(chunk)
                yield lines, time.time(), None
        except OSError as exc:
            log.warning("tcp://%s:%s: %s", host, port, exc)
        finally:
            sock.close()


@dataclass
class UdpOptions:
    """Who may send to a UDP listener: `allow` networks (empty: anyone who can reach the
    address it binds, which is the loopback unless an address is given)."""

    allow: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = field(default_factory=list)

    def permits(self, address: str) -> bool:
        if not self.allow:
            return True
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in self.allow)


def udp_blocks(
    host: str,
    port: int,
    stop: threading.Event,
    options: UdpOptions | None = None,
    counts: Counter[str] | None = None,
) -> Iterator[Block]:
    """Lines from UDP datagrams (one or more sentences each) sent to host:port. Datagrams
    from senders outside `options.allow` are dropped and counted (`udp_refused`)."""
    options = options or UdpOptions()
    counts = counts if counts is not None else Counter()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    sock.bind((host, port))
    sock.settimeout(0.5)
    try:
        while not stop.is_set():
            try:
                data, sender = sock.recvfrom(65536)
            except TimeoutError:
                yield [], time.time(), None
                continue
            if not options.permits(sender[0]):
                counts["udp_refused"] += 1
                continue
            yield data.split(b"\n"), time.time(), None
    finally:
        sock.close()


def parse_source(source: str) -> tuple[str, str, int | None]:
    """('file', path, None) | ('tcp', host, port) | ('udp', host, port) |
    ('http', url, None) (a provider's HTTP feed, polled: ais.ingest.http_feed).

    A UDP listener binds the loopback (`udp://:10110`) unless an address is given
    (`udp://0.0.0.0:10110` listens on every interface); `?allow=10.0.0.0/8,192.0.2.7`
    accepts datagrams from those senders only (see `udp_options`)."""
    if source.startswith(("http://", "https://")):
        url = urlparse(source)
        if not url.hostname:
            raise ValueError(f"{source}: a host is required")
        return "http", source, None
    if source.startswith(("tcp://", "udp://")):
        url = urlparse(source)
        try:
            port = url.port
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from exc
        if port is None:
            raise ValueError(f"{source}: a port is required")
        host = url.hostname or ""
        if url.scheme == "udp":
            host = host or "127.0.0.1"
            udp_options(source)  # a bad allow-list fails here, before anything starts
        return url.scheme, host, port
    if source != "-" and not Path(source).is_file():
        raise ValueError(f"{source}: no such file")
    return "file", source, None


def udp_options(source: str) -> UdpOptions:
    """The sender allow-list of a udp:// source (`?allow=net,net`)."""
    query = parse_qs(urlparse(source).query)
    networks = []
    for item in ",".join(query.get("allow", [])).split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"{source}: allow: {exc}") from exc
    return UdpOptions(networks)
