"""
The sandbox's in-memory account: credits, orders, groups, numbers.

Status changes are time based and evaluated lazily: every operation first
calls `SandboxState.settle`, which moves orders and groups whose delay has
passed out of ``pending``.  Delays are constant per sandbox, so the pending
records are due in creation order and two FIFO queues make settling O(1)
per record; there are no background tasks to cancel on shutdown.

Each kind of id comes from its own seeded `random.Random`, so the n-th
order always gets the same id for a given seed, whatever else happened in
between.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator

from .._core._config import SandboxConfig
from ._entities import (
    APPROVED,
    FAILED,
    PENDING,
    REJECTED,
    SUCCESS,
    Assistant,
    Group,
    Order,
    OwnedNumber,
)
from ._inventory import SHARED_NUMBERS, Inventory, Pool, locality_for_city
from ._wire import ORDER_COST, ApiError, Clock, invalid, not_found


_ASSISTANT_NAMES = (
    "Customer Support Agent",
    "Sales Agent",
    "After-hours Agent",
)


def _rng(seed: int, kind: str) -> random.Random:
    return random.Random(f"flireo-sandbox-{kind}:{seed}")


def _uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class SandboxState:
    """
    Everything the sandbox knows; one instance per reset.

    Args:
        config: The sandbox configuration.
    """

    def __init__(self, config: SandboxConfig) -> None:
        seed = config.seed
        self.config = config
        self.credits = config.credits
        self.inventory = Inventory(seed, config.inventory_size)
        self.clock = Clock()
        self._order_ids = _rng(seed, "orders")
        self._outcomes = _rng(seed, "outcomes")
        self._group_ids = _rng(seed, "groups")
        self._number_ids = _rng(seed, "numbers")
        self.orders: list[Order] = []
        self.orders_by_id: dict[str, Order] = {}
        self.latest_by_number: dict[str, Order] = {}
        self._pending_orders: deque[Order] = deque()
        self.groups: list[Group] = []
        self.groups_by_id: dict[str, Group] = {}
        self._pending_groups: deque[Group] = deque()
        self.numbers: list[OwnedNumber] = []
        self.numbers_by_id: dict[str, OwnedNumber] = {}
        self.shared = [
            OwnedNumber(
                ident, number, "national", None, "2025-01-01T00:00:00Z"
            )
            for ident, number in SHARED_NUMBERS
        ]
        for shared in self.shared:
            shared.shared = True
            self.numbers_by_id[shared.id] = shared
        assistant_ids = _rng(seed, "assistants")
        self.assistants = {
            a.id: a
            for a in (
                Assistant(_uuid4(assistant_ids), name)
                for name in _ASSISTANT_NAMES
            )
        }

    # -- time --------------------------------------------------------------

    def settle(self) -> None:
        """Apply every status change whose delay has passed."""
        pending = self._pending_orders
        groups = self._pending_groups
        if not pending and not groups:
            return
        now = time.monotonic()
        while pending and pending[0].due <= now:
            self._finish(pending.popleft(), now)
        while groups and groups[0].due <= now:
            group = groups.popleft()
            # A group decided by hand keeps its status.
            if group.status == PENDING:
                group.status = group.outcome

    def _finish(self, order: Order, now: float) -> None:
        order.status = order.outcome
        pool = self._pool_of(order.phone_number)
        if order.status == FAILED:
            pool.release(order.phone_number)
            return
        # The number exists from the moment its order succeeded.
        done_at = time.time() - (now - order.due)
        number = OwnedNumber(
            _uuid4(self._number_ids),
            order.phone_number,
            order.number_type,
            pool.locality,
            self.clock.format(done_at),
            order.group,
        )
        self.numbers.append(number)
        self.numbers_by_id[number.id] = number
        if order.group is not None:
            order.group.numbers.append(number)

    def _pool_of(self, number: str) -> Pool:
        pool = self.inventory.pool_of(number)
        if pool is None:  # pragma: no cover - orders only take pool numbers
            raise RuntimeError(f"{number} is not in the inventory")
        return pool

    # -- numbers -----------------------------------------------------------

    def is_taken(self, number: str) -> bool:
        """
        Tell whether *number* has an order that did not fail.

        Args:
            number: An E.164 number.

        Returns:
            ``True`` when it is pending or owned.
        """
        order = self.latest_by_number.get(number)
        return order is not None and order.status != FAILED

    def search(
        self,
        number_type: str,
        locality: str | None,
        digits: str,
        limit: int,
    ) -> list[str]:
        """
        Return free inventory numbers.

        Args:
            number_type: Pool type.
            locality: City for local pools.
            digits: Digits the number must contain.
            limit: Most numbers to return.

        Returns:
            Free numbers, in pool order.
        """
        self.settle()
        pool = self.inventory.pool(number_type, locality)
        return pool.search(self.is_taken, digits, limit)

    def peek(
        self, number_type: str, limit: int, locality: str | None = None
    ) -> list[str]:
        """
        Return free numbers of any type, for inspection.

        Raises:
            ValueError: Unknown *number_type*.
        """
        if number_type not in ("national", "mobile", "local"):
            raise ValueError(f"unknown number_type {number_type!r}")
        return self.search(number_type, locality, "", limit)

    # -- orders ------------------------------------------------------------

    def place_order(
        self, phone_number: str, number_type: str, group: Group | None
    ) -> Order:
        """
        Order *phone_number* and charge 10 credits.

        Args:
            phone_number: A valid E.164 number.
            number_type: ``national``, ``mobile`` or ``local``.
            group: The approved group the order goes through, if any.

        Returns:
            The new, pending order.

        Raises:
            ApiError: ``invalid_parameters`` when the number is not an
                offered number of that type (and the group's locality),
                ``already_in_use`` when it has a live order,
                ``insufficient_credits`` below 10 credits.
        """
        self.settle()
        pool = self.inventory.pool_of(phone_number)
        if (
            pool is None
            or pool.number_type != number_type
            or (
                group is not None
                and number_type == "local"
                and pool.locality != group.locality
            )
        ):
            where = "" if group is None else f" in {group.locality}"
            raise invalid(
                "phone_number",
                f"{phone_number} is not an available {number_type} "
                f"number{where}",
            )
        if self.is_taken(phone_number):
            raise ApiError(
                400,
                "already_in_use",
                f"Phone number {phone_number} is already in use",
                {"phone_number": phone_number},
            )
        if self.credits < ORDER_COST:
            raise ApiError(
                402,
                "insufficient_credits",
                f"Insufficient credits: need {ORDER_COST}, "
                f"have {self.credits}",
                {"required": ORDER_COST, "available": self.credits},
            )
        self.credits -= ORDER_COST
        previous = self.latest_by_number.get(phone_number)
        failed = self._outcomes.random() < self.config.order_failure_rate
        order = Order(
            ident=_uuid4(self._order_ids),
            phone_number=phone_number,
            number_type=number_type,
            group=group,
            ordered_at=self.clock.format(time.time()),
            due=time.monotonic() + self.config.order_completion_delay,
            outcome=FAILED if failed else SUCCESS,
            previous=previous,
        )
        self.orders.append(order)
        self.orders_by_id[order.id] = order
        self.latest_by_number[phone_number] = order
        self._pending_orders.append(order)
        return order

    def order(self, order_id: str) -> Order:
        """
        Return one order.

        Raises:
            ApiError: ``not_found``.
        """
        self.settle()
        order = self.orders_by_id.get(order_id)
        if order is None:
            raise not_found("Order", order_id)
        return order

    def orders_of(self, number: str) -> list[Order]:
        """Return every order of *number*, oldest first."""
        self.settle()
        found: list[Order] = []
        order = self.latest_by_number.get(number)
        while order is not None:
            found.append(order)
            order = order.previous
        found.reverse()
        return found

    def order_counts(self) -> dict[str, int]:
        """Return phone number → number of orders placed for it."""
        return dict(Counter(o.phone_number for o in self.orders))

    def order_status_counts(self) -> dict[str, int]:
        """Return how many orders are in each status."""
        self.settle()
        counts = dict.fromkeys((PENDING, SUCCESS, FAILED), 0)
        for order in self.orders:
            counts[order.status] += 1
        return counts

    # -- verification groups -------------------------------------------------

    def create_group(self, fields: dict[str, str]) -> Group:
        """
        Create a pending verification group from validated *fields*.

        Args:
            fields: The documented body fields, already checked.

        Returns:
            The new group.
        """
        self.settle()
        prefix = self.config.reject_groups_named
        rejected = prefix is not None and fields["name"].lower().startswith(
            prefix.lower()
        )
        group = Group(
            ident=_uuid4(self._group_ids),
            fields=fields,
            locality=locality_for_city(fields["city"]),
            created_at=self.clock.format(time.time()),
            due=time.monotonic() + self.config.group_approval_delay,
            outcome=REJECTED if rejected else APPROVED,
        )
        self.groups.append(group)
        self.groups_by_id[group.id] = group
        self._pending_groups.append(group)
        return group

    def group(self, group_id: str, *, approved: bool = False) -> Group:
        """
        Return one verification group.

        Args:
            group_id: Its id.
            approved: Require status ``approved``.

        Raises:
            ApiError: ``not_found``, or ``invalid_status`` when *approved*
                is asked for and the group is not.
        """
        self.settle()
        group = self.groups_by_id.get(group_id)
        if group is None:
            raise not_found("Verification group", group_id)
        if approved and group.status != APPROVED:
            raise ApiError(
                400,
                "invalid_status",
                f"Verification group is {group.status}, not approved",
                {"status": group.status},
            )
        return group

    def decide_group(self, group_id: str, status: str) -> None:
        """
        Set a group's status by hand, whatever its delay.

        Raises:
            KeyError: Unknown group.
        """
        self.settle()
        self.groups_by_id[group_id].status = status

    def groups_matching(
        self, status: str | None, number_type: str | None
    ) -> Iterator[Group] | None:
        """Return the groups matching the filters newest first, or None."""
        self.settle()
        if status is None and number_type is None:
            return None
        return (
            g
            for g in reversed(self.groups)
            if (status is None or g.status == status)
            and (number_type is None or g.phone_number_type == number_type)
        )
