"""
Telnyx v2 number ordering on the same core as ``FlireoClient``.

Example:
    ```python
    from flireo_async.telnyx import TelnyxClient

    async with TelnyxClient() as telnyx:        # key from $TELNYX_API_KEY
        found = await telnyx.available_phone_numbers.search(
            country_code="NL", phone_number_type="national", limit=5
        )
        order = await telnyx.number_orders.create(
            phone_numbers=[n.phone_number for n in found[:2]]
        )
        order = await telnyx.number_orders.wait(order.id)
    ```
"""

from __future__ import annotations

from ._client import DEFAULT_TELNYX_BASE_URL, TelnyxClient
from ._models import (
    AvailablePhoneNumber,
    CostInformation,
    Feature,
    NumberOrder,
    NumberOrderEvent,
    NumberOrderPhoneNumber,
    NumberOrderStatus,
    PhoneNumberType,
    RegionInformation,
    RegulatoryRequirement,
    RequirementGroup,
    RequirementGroupStatus,
    SubNumberOrder,
)
from ._webhooks import parse_number_order_event, verify_webhook


__all__ = [
    "AvailablePhoneNumber",
    "CostInformation",
    "DEFAULT_TELNYX_BASE_URL",
    "Feature",
    "NumberOrder",
    "NumberOrderEvent",
    "NumberOrderPhoneNumber",
    "NumberOrderStatus",
    "PhoneNumberType",
    "RegionInformation",
    "RegulatoryRequirement",
    "RequirementGroup",
    "RequirementGroupStatus",
    "SubNumberOrder",
    "TelnyxClient",
    "parse_number_order_event",
    "verify_webhook",
]
