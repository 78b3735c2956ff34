"""
flireo_async: an asyncio SDK for searching, ordering and tracking Dutch
phone numbers through the Flireo API.

Example:
    ```python
    import flireo_async as flireo

    async with flireo.FlireoClient(api_key="fl_live_...") as client:
        numbers = await client.phone_numbers.search(limit=20)
        receipt = await client.phone_numbers.order(numbers[0].phone_number)
        order = await client.orders.wait(receipt.order_id)
    ```
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._client import DEFAULT_BASE_URL, FlireoClient
from ._core._aiohttp import AiohttpTransport
from ._core._pager import AsyncPager, Page
from ._core._retry import RetryPolicy
from ._core._sansio import RateLimitInfo
from ._core._timeout import Timeout
from ._core._transport import Request, Response, Transport
from ._models import (
    AssistantPhoneNumber,
    AvailableNumber,
    Cost,
    Document,
    GroupPhoneNumber,
    LinkedAssistant,
    LinkedNumber,
    LinkResult,
    NumberType,
    Order,
    OrderReceipt,
    OrderStatus,
    PhoneNumber,
    UnlinkResult,
    VerificationGroup,
    VerificationGroupRef,
    VerificationGroupStatus,
)
from .exceptions import (
    AlreadyInUseError,
    AlreadyLinkedError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ConnectError,
    EventParseError,
    FlireoError,
    InsufficientCreditsError,
    InvalidParametersError,
    InvalidSignatureError,
    InvalidStatusError,
    JournalInUseError,
    MissingSignatureError,
    NoPhoneNumberError,
    NotFoundError,
    OrderOutcomeUnknownError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    RequestTimeoutError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ServerError,
    SignatureError,
    StaleSignatureError,
    TransportError,
    ValidationError,
    WaitTimeoutError,
)


if _TYPE_CHECKING:
    from ._bulk._models import (
        BulkProgress,
        BulkReport,
        BulkResult,
        OrderRequest,
        Outcome,
    )
    from ._calls import (
        ControlResult,
        EndCall,
        InjectContext,
        Say,
        Transfer,
    )


__all__ = [
    "APIError",
    "AiohttpTransport",
    "AlreadyInUseError",
    "AlreadyLinkedError",
    "AssistantPhoneNumber",
    "AsyncPager",
    "AuthenticationError",
    "AvailableNumber",
    "BadRequestError",
    "BulkProgress",
    "BulkReport",
    "BulkResult",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "ControlResult",
    "Cost",
    "DEFAULT_BASE_URL",
    "Document",
    "EndCall",
    "EventParseError",
    "FlireoClient",
    "FlireoError",
    "GroupPhoneNumber",
    "InjectContext",
    "InsufficientCreditsError",
    "InvalidParametersError",
    "InvalidSignatureError",
    "InvalidStatusError",
    "JournalInUseError",
    "LinkResult",
    "LinkedAssistant",
    "LinkedNumber",
    "MissingSignatureError",
    "NoPhoneNumberError",
    "NotFoundError",
    "NumberType",
    "Order",
    "OrderOutcomeUnknownError",
    "OrderReceipt",
    "OrderRequest",
    "OrderStatus",
    "Outcome",
    "Page",
    "PermissionDeniedError",
    "PhoneNumber",
    "ProviderError",
    "RateLimitError",
    "RateLimitInfo",
    "Request",
    "RequestTimeoutError",
    "Response",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "Say",
    "ServerError",
    "SignatureError",
    "StaleSignatureError",
    "Timeout",
    "Transfer",
    "Transport",
    "TransportError",
    "UnlinkResult",
    "ValidationError",
    "VerificationGroup",
    "VerificationGroupRef",
    "VerificationGroupStatus",
    "WaitTimeoutError",
    "__version__",
]


# Loaded on first use: the bulk values and call-control commands cost
# import time that most programs (a web app ordering one number at a time)
# never need.
_LAZY = {
    "BulkProgress": "._bulk._models",
    "BulkReport": "._bulk._models",
    "BulkResult": "._bulk._models",
    "OrderRequest": "._bulk._models",
    "Outcome": "._bulk._models",
    "ControlResult": "._calls",
    "EndCall": "._calls",
    "InjectContext": "._calls",
    "Say": "._calls",
    "Transfer": "._calls",
}


def __getattr__(name: str) -> _Any:
    # __version__ is looked up lazily: reading package metadata costs more
    # import time than the rest of this module.
    if name == "__version__":
        from ._core._version import version

        return version()
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
