"""A TCP NMEA feed server: sends lines to every connected client, like a shore station's
aggregator. Used by `simulate_ais --serve` and by tests (loopback only by default)."""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Iterable

log = logging.getLogger(__name__)


class FeedServer:
    """Broadcasts lines (str, without line end) to clients of host:port. A client that
    cannot keep up loses lines (its queue is bounded), never the others."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, client_queue: int = 100_000):
        self.sock = socket.create_server((host, port), reuse_port=False)
        self.host, self.port = self.sock.getsockname()[:2]
        self.client_queue = client_queue
        self.clients: list[queue.Queue] = []
        self.sent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        threading.Thread(target=self._accept, name="feed-accept", daemon=True).start()

    def _accept(self) -> None:
        self.sock.settimeout(0.5)
        while not self._stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            q: queue.Queue = queue.Queue(self.client_queue)
            with self._lock:
                self.clients.append(q)
            threading.Thread(target=self._serve, args=(conn, q), daemon=True).start()
            log.info("feed client %s connected", addr)

    def _serve(self, conn: socket.socket, q: queue.Queue) -> None:
        try:
            while not self._stop.is_set():
                try:
                    data = q.get(timeout=0.5)
                except queue.Empty:
                    continue
                conn.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                if q in self.clients:
                    self.clients.remove(q)
            conn.close()

    @property
    def client_count(self) -> int:
        with self._lock:
            return len(self.clients)

    def send(self, lines: Iterable[str]) -> None:
        data = "".join(f"{line}\r\n" for line in lines).encode()
        if not data:
            return
        with self._lock:
            clients = list(self.clients)
        for q in clients:
            try:
                q.put_nowait(data)
            except queue.Full:
                log.warning("a feed client is too slow: lines dropped")
        self.sent += data.count(b"\n")

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
