"""
The Telnyx mode's in-memory account: searches, orders, requirement groups.

Status changes are time based and applied lazily by `TelnyxState.settle`
(every operation calls it first), from heaps of due times: a sub-order is
due ``order_completion_delay`` seconds after its requirements are met
(at once for numbers that need none), so due times are not monotonic in
creation order.  Ids come from seeded generators, one per kind, so the
n-th order of a seed always has the same id.

Orders that reach a final status are queued on `TelnyxState.completed`
for the ``number_order.complete`` webhook; ``on_schedule`` is called
whenever a new due time is set, so a deliverer can sleep until then.
"""

from __future__ import annotations

import heapq
import random
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from .._core._config import SandboxConfig
from ._entities import (
    CANCELLED,
    FAILURE,
    PENDING,
    RELEASED,
    SUCCESS,
    GroupRecord,
    NumberRecord,
    OrderRecord,
    SubOrderRecord,
    requirements_of,
)
from ._inventory import PoolSpec, Search, TelnyxInventory
from ._wire import (
    TelnyxError,
    bad_request,
    entry,
    refusal,
    timestamp,
)


def _uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class OrderItem:
    """One ``phone_numbers[]`` item, syntactically valid."""

    __slots__ = ("bundle_id", "group_id", "index", "phone_number")

    def __init__(
        self,
        index: int,
        phone_number: str,
        group_id: str | None,
        bundle_id: str | None,
    ) -> None:
        self.index = index
        self.phone_number = phone_number
        self.group_id = group_id
        self.bundle_id = bundle_id


class TelnyxState:
    """
    Everything the Telnyx mode knows; one instance per reset.

    Args:
        config: The sandbox configuration.
        on_schedule: Called when a new due time is set.
    """

    def __init__(
        self,
        config: SandboxConfig,
        on_schedule: Callable[[], None] | None = None,
    ) -> None:
        seed = config.seed
        self.config = config
        self.on_schedule = on_schedule
        self.inventory = TelnyxInventory(seed, config.inventory_size)
        self._ids = {
            kind: random.Random(f"flireo-sandbox-telnyx-{kind}:{seed}")
            for kind in (
                "orders",
                "subs",
                "numbers",
                "groups",
                "events",
                "phone_numbers",
            )
        }
        self._outcomes = random.Random(f"flireo-sandbox-telnyx-out:{seed}")
        self.user_id = _uuid4(random.Random(f"flireo-sandbox-user:{seed}"))
        self.orders: list[OrderRecord] = []
        self.orders_by_id: dict[str, OrderRecord] = {}
        self.subs_by_id: dict[str, SubOrderRecord] = {}
        self.numbers_by_id: dict[str, NumberRecord] = {}
        #: ``GET /v2/phone_numbers/{id}`` ids: one per ordered number.
        self.phone_numbers_by_id: dict[str, NumberRecord] = {}
        self.history: dict[str, list[NumberRecord]] = {}
        self.searched: set[str] = set()
        self.groups: list[GroupRecord] = []
        self.groups_by_id: dict[str, GroupRecord] = {}
        self.completed: deque[OrderRecord] = deque()
        self._due: list[tuple[float, int, SubOrderRecord]] = []
        self._group_due: list[tuple[float, int, GroupRecord]] = []
        self._seq = 0

    def new_id(self, kind: str) -> str:
        """The next seeded id of *kind* (``"events"`` for webhooks)."""
        return _uuid4(self._ids[kind])

    def _phone_number_id(self) -> str:
        # Telnyx's phone number ids are 19-digit numbers, not UUIDs.
        return str(self._ids["phone_numbers"].randrange(10**18, 10**19))

    # -- time --------------------------------------------------------------

    def settle(self) -> None:
        """Apply every status change whose time has come."""
        due, groups = self._due, self._group_due
        if not due and not groups:
            return
        now = time.monotonic()
        while due and due[0][0] <= now:
            when, _, sub = heapq.heappop(due)
            if sub.status == PENDING and sub.due == when:
                self._finish(sub, sub.outcome)
        while groups and groups[0][0] <= now:
            when, _, group = heapq.heappop(groups)
            # A status set by hand, an edit or a later submission in the
            # meantime wins.
            if group.status == "pending-approval" and group.due == when:
                group.status = "approved"
                group.updated_at = timestamp(datetime.now(UTC))

    def next_due_in(self) -> float | None:
        """Seconds until the next sub-order is due, ``None`` if none is."""
        if not self._due:
            return None
        return max(0.0, self._due[0][0] - time.monotonic())

    def _schedule(self, sub: SubOrderRecord) -> None:
        self._seq += 1
        sub.due = time.monotonic() + self.config.order_completion_delay
        heapq.heappush(self._due, (sub.due, self._seq, sub))
        if self.on_schedule is not None:
            self.on_schedule()

    def _finish(self, sub: SubOrderRecord, status: str) -> None:
        sub.status = status
        sub.updated_at = timestamp(datetime.now(UTC))
        for number in sub.numbers:
            number.status = status
        order = sub.order
        statuses = {s.status for s in order.subs}
        if PENDING in statuses:
            return
        if SUCCESS in statuses:
            order.status = SUCCESS
        elif statuses == {CANCELLED}:
            order.status = CANCELLED
        else:
            order.status = FAILURE
        order.updated_at = sub.updated_at
        self.completed.append(order)

    # -- numbers -------------------------------------------------------------

    def is_taken(self, number: str) -> bool:
        """Whether *number* has an order that did not fail or end."""
        records = self.history.get(number)
        return records is not None and records[-1].status not in RELEASED

    def search(
        self, search: Search, limit: int
    ) -> tuple[list[tuple[PoolSpec, str]], int]:
        """Search free numbers; what is returned may then be ordered."""
        self.settle()
        found, total = self.inventory.search(search, self.is_taken, limit)
        self.searched.update(number for _, number in found)
        return found, total

    # -- orders --------------------------------------------------------------

    def place_order(
        self, items: list[OrderItem], fields: dict[str, str | None]
    ) -> OrderRecord:
        """
        Place one order for every item, or none at all.

        Raises:
            TelnyxError: One entry per refused number: ``85001`` (taken),
                ``85000`` (never offered by a search) or ``10015`` (a
                requirement group that cannot be used); 400 when every
                entry is a ``10015``, else 422.
        """
        self.settle()
        errors = []
        specs: list[PoolSpec] = []
        groups: list[GroupRecord | None] = []
        for item in items:
            wanted, at = item.phone_number, f"/phone_numbers/{item.index}"
            spec = self.inventory.spec_of(wanted)
            group = None
            if self.is_taken(wanted):
                detail = f"{wanted} is no longer available"
                errors.append(entry("85001", detail, pointer=at))
            elif spec is None or wanted not in self.searched:
                detail = f"{wanted} must be found by a search first"
                errors.append(entry("85000", detail, pointer=at))
            elif item.group_id is not None:
                group, problem = self._usable_group(item.group_id, spec)
                if problem:
                    pointer = f"{at}/requirement_group_id"
                    errors.append(entry("10015", problem, pointer=pointer))
            if spec is not None:
                specs.append(spec)
                groups.append(group)
        if errors:
            raise refusal(*errors)
        self._seq += 1
        order = OrderRecord(
            self.new_id("orders"),
            self._seq,
            datetime.now(UTC),
            fields,
            self.user_id,
        )
        subs: dict[tuple[str, str], SubOrderRecord] = {}
        for item, spec, group in zip(items, specs, groups, strict=True):
            key = (spec.country, spec.number_type)
            sub = subs.get(key)
            if sub is None:
                failed = (
                    self._outcomes.random() < self.config.order_failure_rate
                )
                sub = subs[key] = SubOrderRecord(
                    self.new_id("subs"),
                    order,
                    *key,
                    FAILURE if failed else SUCCESS,
                )
            number = NumberRecord(
                self.new_id("numbers"),
                item.phone_number,
                spec,
                order,
                item.bundle_id,
                item.group_id,
                {} if group is None else dict(group.values),
                self._phone_number_id(),
            )
            number.sub = sub
            sub.numbers.append(number)
            order.numbers.append(number)
            self.history.setdefault(number.phone_number, []).append(number)
            self.numbers_by_id[number.id] = number
            self.phone_numbers_by_id[number.resource_id] = number
        order.subs = list(subs.values())
        self.orders.append(order)
        self.orders_by_id[order.id] = order
        for sub in order.subs:
            self.subs_by_id[sub.id] = sub
            if sub.requirements_met:
                self._schedule(sub)
        return order

    def _usable_group(
        self, group_id: str, spec: PoolSpec
    ) -> tuple[GroupRecord | None, str | None]:
        group = self.groups_by_id.get(group_id)
        if group is None:
            return None, f"requirement group {group_id!r} was not found"
        if group.status == "no-longer-eligible":
            return None, f"requirement group {group_id} is no-longer-eligible"
        if (group.country_code, group.phone_number_type) != (
            spec.country,
            spec.number_type,
        ):
            return None, (
                f"requirement group {group_id} covers "
                f"{group.country_code} {group.phone_number_type} numbers"
            )
        return group, None

    def order(self, order_id: str) -> OrderRecord | None:
        """One order, or ``None``."""
        self.settle()
        return self.orders_by_id.get(order_id)

    def sub_order(self, sub_id: str) -> SubOrderRecord | None:
        """One sub-order, or ``None``."""
        self.settle()
        return self.subs_by_id.get(sub_id)

    def number(self, number_id: str) -> NumberRecord | None:
        """One number of an order (``number_order_phone_number``)."""
        self.settle()
        return self.numbers_by_id.get(number_id)

    def phone_number(self, resource_id: str) -> NumberRecord | None:
        """One number of the account (``GET /v2/phone_numbers/{id}``):
        ``None`` when unknown or back on sale."""
        self.settle()
        number = self.phone_numbers_by_id.get(resource_id)
        if number is None or not number.owned:
            return None
        return number

    def account_numbers(self) -> Iterator[NumberRecord]:
        """The account's numbers, newest order first: every number whose
        latest order did not fail or end (``GET /v2/phone_numbers``)."""
        self.settle()
        for order in reversed(self.orders):
            for number in order.numbers:
                if number.owned:
                    yield number

    def supply(
        self, numbers: Iterable[NumberRecord], values: dict[str, str]
    ) -> None:
        """
        Set requirement values; sub-orders now complete become due.

        Raises:
            TelnyxError: 422 ``85003`` when every requirement is already
                met, 400 ``10015`` for a requirement id that does not
                apply.
        """
        numbers = self._unmet(numbers)
        known = {r.id for n in numbers for r in n.requirements}
        for i, ident in enumerate(values):
            if ident not in known:
                detail = f"requirement {ident!r} does not apply here"
                at = f"/regulatory_requirements/{i}/requirement_id"
                raise bad_request(detail, pointer=at)
        for number in numbers:
            for req in number.requirements:
                if req.id in values:
                    number.values[req.id] = values[req.id]
        self._schedule_met(numbers)

    def attach_group(
        self, numbers: Iterable[NumberRecord], group_id: object
    ) -> None:
        """
        Copy a requirement group's values onto *numbers* (``POST
        .../requirement_group``); a requirement that already has a value
        keeps it, as only values not yet approved are overwritten.

        Raises:
            TelnyxError: 422 ``85003`` when every requirement is already
                met, 400 ``10015`` for a group that is not a string id,
                unknown, ``no-longer-eligible`` or of another country or
                number type.
        """
        if not isinstance(group_id, str) or not group_id:
            raise bad_request(
                "requirement_group_id must be a requirement group id",
                pointer="/requirement_group_id",
            )
        numbers = self._unmet(numbers)
        # Every number is checked before any changes: all or nothing.
        usable: list[tuple[NumberRecord, GroupRecord]] = []
        for number in numbers:
            group, problem = self._usable_group(group_id, number.spec)
            if group is None:
                raise bad_request(
                    str(problem), pointer="/requirement_group_id"
                )
            usable.append((number, group))
        for number, group in usable:
            for req in number.requirements:
                value = group.values.get(req.id)
                if value is not None and req.id not in number.values:
                    number.values[req.id] = value
            number.group_id = group.id
        self._schedule_met(numbers)

    def _unmet(self, numbers: Iterable[NumberRecord]) -> list[NumberRecord]:
        # Values can change only while some requirement lacks one.
        self.settle()
        numbers = list(numbers)
        if all(n.requirements_met for n in numbers):
            detail = "requirements can no longer be updated: all are met"
            raise TelnyxError(422, entry("85003", detail))
        return numbers

    def _schedule_met(self, numbers: list[NumberRecord]) -> None:
        # Sub-orders whose requirements are now all met become due.
        subs = {n.sub.id: n.sub for n in numbers if n.sub is not None}
        for sub in subs.values():
            if (
                sub.status == PENDING
                and sub.due is None
                and sub.requirements_met
            ):
                self._schedule(sub)

    def cancel(self, sub: SubOrderRecord) -> None:
        """
        Cancel a pending sub-order; its numbers go back on sale.

        Raises:
            TelnyxError: 400 ``10015`` when it is no longer pending.
        """
        self.settle()
        if sub.status != PENDING:
            raise bad_request(f"sub number order {sub.id} is {sub.status}")
        self._finish(sub, CANCELLED)

    def orders_of(self, number: str) -> list[OrderRecord]:
        """Every order of *number*, oldest first."""
        self.settle()
        return [n.order for n in self.history.get(number, ())]

    def order_counts(self) -> dict[str, int]:
        """Phone number → how many orders included it."""
        return dict(
            Counter(n.phone_number for o in self.orders for n in o.numbers)
        )

    # -- requirement groups --------------------------------------------------

    def create_group(
        self, fields: dict[str, str | None], values: dict[str, str]
    ) -> GroupRecord:
        """
        Create an ``unapproved`` group from checked *fields*.

        Raises:
            TelnyxError: 400 ``10015`` for a requirement id that does not
                apply to the group's country and type.
        """
        self.settle()
        self._check_applies(
            str(fields["country_code"]),
            str(fields["phone_number_type"]),
            values,
        )
        group = GroupRecord(
            self.new_id("groups"),
            fields,
            values,
            timestamp(datetime.now(UTC)),
        )
        self.groups.append(group)
        self.groups_by_id[group.id] = group
        return group

    @staticmethod
    def _check_applies(
        country: str, number_type: str, values: dict[str, str]
    ) -> None:
        known = {r.id for r in requirements_of(country, number_type)}
        for i, ident in enumerate(values):
            if ident not in known:
                detail = f"requirement {ident!r} does not apply here"
                at = f"/regulatory_requirements/{i}/requirement_id"
                raise bad_request(detail, pointer=at)

    def group(self, group_id: str) -> GroupRecord | None:
        """One group, or ``None``."""
        self.settle()
        return self.groups_by_id.get(group_id)

    def submit(self, group: GroupRecord) -> None:
        """
        Submit a group: ``pending-approval``, then ``approved`` after the
        configured ``group_approval_delay``.

        Raises:
            TelnyxError: 400 ``10015`` unless unapproved or declined; 422
                ``10004`` naming each requirement that has no value (a
                group must be fulfilled to be reviewed).
        """
        self.settle()
        if group.status not in ("unapproved", "declined"):
            raise bad_request(
                f"requirement group {group.id} is {group.status}"
            )
        missing = [
            entry(
                "10004",
                f"requirement {r.id} ({r.name}) needs a value before the "
                "group can be submitted",
                pointer="/regulatory_requirements",
            )
            for r in requirements_of(
                group.country_code, group.phone_number_type
            )
            if r.id not in group.values
        ]
        if missing:
            raise TelnyxError(422, *missing)
        group.status = "pending-approval"
        group.updated_at = timestamp(datetime.now(UTC))
        self._seq += 1
        group.due = time.monotonic() + self.config.group_approval_delay
        heapq.heappush(self._group_due, (group.due, self._seq, group))

    def update_group(
        self,
        group: GroupRecord,
        reference: str | None,
        values: dict[str, str] | None,
    ) -> None:
        """
        Edit a group (``PATCH``).  Changed values need a new review: the
        group is ``unapproved`` again until submitted.

        Raises:
            TelnyxError: 400 ``10015`` for a requirement id that does not
                apply to the group's country and type.
        """
        self.settle()
        if values:
            self._check_applies(
                group.country_code, group.phone_number_type, values
            )
            if any(group.values.get(k) != v for k, v in values.items()):
                group.values.update(values)
                group.status = "unapproved"
                group.due = None
        if reference is not None:
            group.customer_reference = reference
        group.updated_at = timestamp(datetime.now(UTC))

    def delete_group(self, group: GroupRecord) -> None:
        """Delete a group; orders that used it keep the values they got."""
        self.settle()
        del self.groups_by_id[group.id]
        self.groups.remove(group)
