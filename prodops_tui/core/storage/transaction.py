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


def state_digest(doc: dict[str, Any] | None) -> str | None:
    """A short fingerprint of a record's state, so undo can tell whether it changed since."""
    if doc is None:
        return None
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.blake2b(canonical, digest_size=16).hexdigest()


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
        ops: list[list[Any]] = []
        history_ops: list[list[Any]] = []
        for record_id, record in self._staged.items():
            _prefix, number = split_id(record_id)
            kind = type_of_id(record_id).KIND
            after = record.to_dict() if record is not None else None
            ops.append(["put" if after is not None else "del", kind, number, after])
            if record_id in self._quiet:
                continue
            before = self._before.get(record_id)
            # The after-state is in this same journal line; undo only needs to recognise it.
            try:
                digest = state_digest(after)
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
            ops.append(["put", Change.KIND, number, change.to_dict()])
        return {"seq": seq, "v": SCHEMA_VERSION, "at": self.now, "ops": ops}
