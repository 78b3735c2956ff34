"""
Quickstart: search a number, order it exactly once, wait until it is live.

The README's tour as a program.  One ``FlireoClient`` is opened with
``async with`` (so its connections are closed on the way out), and every
call is awaited.

Run it against the local sandbox (``pip install 'flireo-async[cli]'``):

    flireo sandbox --port 8765          # in one shell
    FLIREO_BASE_URL=http://127.0.0.1:8765 FLIREO_API_KEY=fl_test_sandbox \
        python examples/quickstart.py   # in another

Against the real API, set only ``FLIREO_API_KEY`` (it costs 10 credits).
"""

import asyncio

import flireo_async as flireo


async def main() -> None:
    async with flireo.FlireoClient() as client:  # key from $FLIREO_API_KEY
        numbers = await client.phone_numbers.search(
            number_type="national", limit=5
        )
        print("available:", ", ".join(n.phone_number for n in numbers))

        receipt = await client.phone_numbers.order(numbers[0].phone_number)
        print(
            f"ordered {receipt.phone_number} (order {receipt.order_id}, "
            f"{receipt.remaining_credits} credits left)"
        )

        order = await client.orders.wait(receipt.order_id, timeout=60)
        print(f"order {order.id}: {order.status}")


if __name__ == "__main__":
    asyncio.run(main())
