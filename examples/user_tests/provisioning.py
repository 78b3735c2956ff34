"""
The code under test: one function of a user's application.

``provision_number`` gives a new customer a national number: it searches,
orders the first number that is still free (another customer may have
taken one since the search) and waits until the order has gone through.
``test_provisioning.py`` tests it three ways: against a recorded cassette,
against a mock transport, and against the sandbox with injected faults.
"""

import flireo_async as flireo


class ProvisioningError(Exception):
    """No number could be provisioned."""


async def provision_number(
    client: flireo.FlireoClient, *, query: str | None = None
) -> str:
    """
    Order a free national number and wait until it is live.

    Args:
        client: The application's client.
        query: Digits the number should contain.

    Returns:
        The E.164 number now owned by the account.

    Raises:
        ProvisioningError: None was free, or the order failed.
        InsufficientCreditsError: The account ran out of credits.
    """
    candidates = await client.phone_numbers.search(
        number_type="national", query=query, limit=5
    )
    for candidate in candidates:
        try:
            receipt = await client.phone_numbers.order(candidate.phone_number)
        except flireo.AlreadyInUseError:
            continue  # taken since the search: try the next one
        order = await client.orders.wait(receipt.order_id, timeout=120)
        if order.status != flireo.OrderStatus.SUCCESS:
            msg = f"the order of {order.phone_number} ended {order.status}"
            raise ProvisioningError(msg)
        return order.phone_number
    msg = f"no free national number matches {query!r}"
    raise ProvisioningError(msg)
