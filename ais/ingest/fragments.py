"""The fragment buffer: multi-sentence AIS messages waiting for their other parts, keyed
by receiving station, radio channel, sequence id and fragment count. Open groups are capped
in all and per station (a flood stays its own station's problem), expire after a timeout,
and the oldest goes first in O(1). Pure (no Django)."""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterator

from pyais.exceptions import InvalidNMEAMessageException
from pyais.messages import NMEAMessage

from .reports import Count

FRAGMENT_TIMEOUT_S = 60.0
MAX_OPEN_GROUPS = 10_000  # multi-part messages waiting for their other parts, in all
MAX_GROUPS_PER_SOURCE = 1_000  # ... and per receiving station (a flood stays its own)
# (receiving station, radio channel, sequence id, fragment count) of a multi-part message
GroupKey = tuple[str, str, int | None, int]


class FragmentBuffer:
    """The open multi-sentence messages of one stream. `add` keeps a fragment and returns
    the assembled message when it completes; what never completes is counted in `counts`
    (`incomplete`, `orphan_fragment`, `chunk_boundary`, `undecodable`)."""

    def __init__(
        self,
        counts: Counter[str],
        timeout_s: float = FRAGMENT_TIMEOUT_S,
        max_open: int = MAX_OPEN_GROUPS,
        max_per_source: int = MAX_GROUPS_PER_SOURCE,
    ):
        self.counts = counts
        self.timeout_s = timeout_s
        self.max_open = max_open
        self.max_per_source = max_per_source
        # key -> (first seen, time of the first fragment, {fragment number: sentence}),
        # oldest first: eviction and expiry take from the front in O(1).
        self._groups: OrderedDict[GroupKey, tuple[float, float, dict[int, NMEAMessage]]] = (
            OrderedDict()
        )
        self._per_source: dict[str, OrderedDict[GroupKey, None]] = {}
        self._last_sweep = 0.0

    def __len__(self) -> int:
        """How many messages are open."""
        return len(self._groups)

    def __contains__(self, key: object) -> bool:
        return key in self._groups

    def __iter__(self) -> Iterator[GroupKey]:
        """The open messages' keys, oldest first."""
        return iter(self._groups)

    def open_per_source(self) -> dict[str, int]:
        """How many messages each station has open."""
        return {source: len(keys) for source, keys in self._per_source.items()}

    def add(
        self, sentence: NMEAMessage, when: float, source: str, now: float, chunk_head: bool = False
    ) -> tuple[NMEAMessage, float] | None:
        """Keep a fragment; return (assembled message, time of its first fragment) when the
        message is complete. `chunk_head`: a continuation without its first part belongs to
        the previous chunk of a split file (skipped, counted apart)."""
        counts = self.counts
        if now - self._last_sweep > self.timeout_s / 4:
            self.expire(now)
        key = (source, sentence.channel, sentence.seq_id, sentence.frag_cnt)
        group = self._groups.get(key)
        if group is not None and sentence.frag_num in group[2]:
            # The same fragment again: the earlier message never completed.
            counts[Count.INCOMPLETE] += 1
            self._drop(key)
            group = None
        if group is None:
            if sentence.frag_num != 1 and chunk_head:
                counts[Count.CHUNK_BOUNDARY] += 1
                return None
            if sentence.frag_num != 1 and sentence.seq_id is None:
                counts[Count.ORPHAN_FRAGMENT] += 1
                return None
            own = self._per_source.setdefault(source, OrderedDict())
            if len(own) >= self.max_per_source:
                self._drop(next(iter(own)))
                counts[Count.INCOMPLETE] += 1
            if len(self._groups) >= self.max_open:
                self._drop(next(iter(self._groups)))
                counts[Count.INCOMPLETE] += 1
            group = (now, when, {})
            self._groups[key] = group
            own[key] = None
        parts = group[2]
        parts[sentence.frag_num] = sentence
        if len(parts) < sentence.frag_cnt:
            return None
        self._drop(key)
        try:
            assembled = NMEAMessage.assemble_from_iterable([parts[i] for i in sorted(parts)])
        except (InvalidNMEAMessageException, ValueError):
            counts[Count.UNDECODABLE] += 1
            return None
        return assembled, group[1]

    def _drop(self, key: GroupKey) -> None:
        del self._groups[key]
        own = self._per_source[key[0]]
        del own[key]
        if not own:
            del self._per_source[key[0]]

    def expire(self, now: float) -> None:
        """Drop groups older than the timeout (counted as `incomplete`): the oldest are at
        the front."""
        self._last_sweep = now
        limit = now - self.timeout_s
        while self._groups:
            key, group = next(iter(self._groups.items()))
            if group[0] >= limit:
                break
            self._drop(key)
            self.counts[Count.INCOMPLETE] += 1

    def close(self) -> None:
        """End of stream: what is still open will never complete."""
        self.counts[Count.INCOMPLETE] += len(self._groups)
        self._groups.clear()
        self._per_source.clear()
