"""
Order Dutch numbers from Telnyx: search, one order for several numbers,
wait until every number is settled.

``TelnyxClient`` shares the Flireo client's core: the same transports,
retries, rate-limit handling and exactly-once rule.  ``create`` is never
retried blindly: every attempt carries one ``customer_reference`` (the SDK
makes one up unless you pass yours), and after an ambiguous failure the
order is looked up by it (``order.reconciled``) instead of placed twice.

Run it against the Telnyx mode of the local sandbox:

    flireo sandbox --telnyx --port 8766 --api-key KEY_test   # one shell
    TELNYX_BASE_URL=http://127.0.0.1:8766/v2 TELNYX_API_KEY=KEY_test \
        python examples/telnyx_order.py                      # another

Against Telnyx itself, set only ``TELNYX_API_KEY`` (numbers cost money).
"""

import asyncio
import sys

from flireo_async.telnyx import TelnyxClient


async def main(count: int = 2) -> None:
    async with TelnyxClient() as telnyx:  # key from $TELNYX_API_KEY
        found = await telnyx.available_phone_numbers.search(
            country_code="NL", phone_number_type="national", limit=count
        )
        numbers = [n.phone_number for n in found]
        print("available:", ", ".join(numbers))

        order = await telnyx.number_orders.create(phone_numbers=numbers)
        print(f"order {order.id} ({order.customer_reference}): {order.status}")

        order = await telnyx.number_orders.wait(order.id, timeout=120)
        for number in order.phone_numbers:  # an order can mix outcomes
            print(f"  {number.phone_number}: {number.status}")
        print(f"order {order.id}: {order.status}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2))
