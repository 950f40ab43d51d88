"""One change in the making: the records it puts, adds and deletes, and the undo record it
leaves, written by the store as one journal line."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import InvalidInput, NotFound
from ..model import Change, Record, split_id, type_of_id
from .journal import SCHEMA_VERSION

if TYPE_CHECKING:
    from .store import Store

R = TypeVar("R", bound=Record)


# json.dumps with options builds an encoder for every call: one, made once, saves 1 us a record.
_RECORD_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_record(doc: dict[str, Any]) -> str:
    """A record's JSON text, as the journal, the cache and the snapshot hold it: each change
    encodes each record once, with this (an import's profile: 26 % of it was encoding each
    record three times, for the journal, the undo digest and the cache)."""
    return _RECORD_ENCODER.encode(doc)


def text_digest(text: str) -> str:
    """A short fingerprint of a record's JSON text (encode_record), so undo can tell whether it
    changed since. Raises UnicodeEncodeError for text that is not valid Unicode."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def state_digest(doc: dict[str, Any] | None) -> str | None:
    """text_digest of a record's state, or None for a record that does not exist."""
    return None if doc is None else text_digest(encode_record(doc))


def legacy_state_digest(doc: dict[str, Any] | None) -> str | None:
    """The fingerprint undo records held before encode_record (of the keys sorted): an older
    change can still be undone."""
    if doc is None:
        return None
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.blake2b(canonical, digest_size=16).hexdigest()


def same_state(doc: dict[str, Any] | None, digest: str | None) -> bool:
    """Whether a record's state is the one `digest` (new or legacy form) fingerprints."""
    return digest == state_digest(doc) or (doc is not None and digest == legacy_state_digest(doc))


class Encoded:
    """One change as the store writes it: the entry (its records as dicts, for memory), its
    journal line (UTF-8), and each op's record text (None for a delete), for the cache: all from
    one encoding of each record."""

    __slots__ = ("entry", "line", "texts")

    def __init__(self, entry: dict[str, Any], line: bytes, texts: list[str | None]):
        self.entry, self.line, self.texts = entry, line, texts


class Transaction:
    """The records one change puts, adds and deletes; written as one journal line."""

    def __init__(self, store: Store, label: str, origin: str, now: str, history: bool):
        self.store = store
        self.label = label
        self.origin = origin
        self.now = now
        self.history = history
        self._staged: dict[str, Record | None] = {}  # id -> new record (None = deleted)
        self._before: dict[str, Record | None] = {}
        self._next: dict[str, int] = {}
        self._quiet: set[str] = set()  # bookkeeping puts that undo should not replay
        self.change_fields: dict[str, Any] = {}  # extra fields of this change's history record

    @property
    def change_id(self) -> str:
        """The id this change's history record will get."""
        return f"{Change.PREFIX}-{self.store.next_number(Change.PREFIX)}"

    def get(self, record_id: str) -> Record | None:
        if record_id in self._staged:
            return self._staged[record_id]
        return self.store.get(record_id)

    def require(self, record_id: str) -> Record:
        record = self.get(record_id)
        if record is None:
            raise NotFound(f"no item {record_id}")
        return record

    def _remember_before(self, record_id: str) -> None:
        if record_id not in self._before:
            self._before[record_id] = self.store.get(record_id)

    def put(self, record: R, *, touch: bool = True, quiet: bool = False) -> R:
        """Store a new version of an existing record (or restore one by its id)."""
        if touch:
            record = replace(record, updated_at=self.now)
        self._remember_before(record.id)
        self._staged[record.id] = record
        if quiet:
            self._quiet.add(record.id)
        return record

    def add(self, record: R) -> R:
        """Store a new record under a fresh id that no other record ever had."""
        prefix = record.PREFIX
        number = self._next.get(prefix) or self.store.next_number(prefix)
        self._next[prefix] = number + 1
        record = replace(
            record,
            id=f"{prefix}-{number}",
            created_at=record.created_at or self.now,
            updated_at=self.now,
        )
        self._before[record.id] = None
        self._staged[record.id] = record
        return record

    def delete(self, record_id: str) -> None:
        self._remember_before(record_id)
        self._staged[record_id] = None

    def _entry(self, seq: int) -> dict[str, Any]:
        return self._encoded(seq).entry

    def _encoded(self, seq: int) -> Encoded:
        """The change as one journal line: each record encoded once (encode_record), its undo
        digest taken from that text, and the line put together from the texts."""
        ops: list[list[Any]] = []
        texts: list[str | None] = []
        history_ops: list[list[Any]] = []
        for record_id, record in self._staged.items():
            if record is not None:  # its class and number, without parsing its id twice (2 us a record)
                kind, number = record.KIND, record.number
            else:
                kind, number = type_of_id(record_id).KIND, split_id(record_id)[1]
            after = record.to_dict() if record is not None else None
            text = encode_record(after) if after is not None else None
            ops.append(["put" if after is not None else "del", kind, number, after])
            texts.append(text)
            if record_id in self._quiet:
                continue
            before = self._before.get(record_id)
            # The after-state is in this same journal line; undo only needs to recognise it.
            try:
                digest = text_digest(text) if text is not None else None
            except UnicodeEncodeError as exc:
                raise InvalidInput(f"{record_id} holds text that is not valid Unicode (U+{ord(exc.object[exc.start]):04X}, "
                                   "from bytes that are not UTF-8); nothing was stored") from None
            history_ops.append([record_id, before.to_dict() if before is not None else None, digest])
        if self.history and history_ops:
            number = self.store.next_number(Change.PREFIX)
            change = Change(
                id=self.change_id,
                created_at=self.now,
                updated_at=self.now,
                label=self.label,
                origin=self.origin,
                ops=history_ops,
                actor=self.store.actor,
                **self.change_fields,
            )
            doc = change.to_dict()
            ops.append(["put", Change.KIND, number, doc])
            texts.append(encode_record(doc))
        # What json.dumps(entry) gives (a test holds them equal), from the texts already made, as
        # UTF-8 op by op: one copy of an import batch's 10,000 records in the line, not three.
        try:
            pieces = [f'{{"seq":{seq},"v":{SCHEMA_VERSION},"at":{_string(self.now)},"ops":['.encode()]
            kinds = {kind: _string(kind) for kind in {op[1] for op in ops}}  # a few kinds, 10,000 ops
            pieces += [f'{"," if i else ""}["{op[0]}",{kinds[op[1]]},{op[2]},{"null" if text is None else text}]'.encode()
                       for i, (op, text) in enumerate(zip(ops, texts, strict=True))]
        except UnicodeEncodeError as exc:  # in a record undo does not fingerprint, or the label
            raise InvalidInput(f"the change holds text that is not valid Unicode (U+{ord(exc.object[exc.start]):04X}, "
                               "from bytes that are not UTF-8); nothing was stored") from None
        pieces.append(b"]}\n")
        return Encoded({"seq": seq, "v": SCHEMA_VERSION, "at": self.now, "ops": ops}, b"".join(pieces), texts)


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
