"""``available_phone_numbers`` and ``requirement_groups``."""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping, Sequence

from .._core._converter import structure
from .._core._resource import Resource
from .._core._sansio import path_segment
from .._core._telemetry import operation
from .._core._validation import (
    check_bool,
    check_choice,
    check_id,
    check_limit,
    check_text,
)
from ..exceptions import ValidationError
from ._models import AvailablePhoneNumber, PhoneNumberType, RequirementGroup
from ._sansio import deep_object


__all__ = ["AvailablePhoneNumbers", "RequirementGroups", "check_country"]

FEATURES = (
    "sms",
    "mms",
    "voice",
    "fax",
    "emergency",
    "hd_voice",
    "international_sms",
    "local_calling",
)
_SEARCH_TYPES = (
    PhoneNumberType.LOCAL,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.NATIONAL,
    PhoneNumberType.SHARED_COST,
)
# ASCII only: "\d" would also take full-width and other Unicode digits.
_DIGITS = re.compile(r"[0-9]+")


def check_country(field: str, value: object) -> str:
    """Return *value* if it is an ISO 3166 alpha-2 code like ``"NL"``."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2}", value):
        msg = f"expected an ISO alpha-2 country code like 'NL', got {value!r}"
        raise ValidationError(field, msg)
    return value


def _digits(field: str, value: str | None) -> str | None:
    # Telnyx answers a wildcard or a "+" with zero results, not an error.
    if value is not None and (
        not isinstance(value, str) or not _DIGITS.fullmatch(value)
    ):
        msg = f"digits only (no '+', no wildcards), got {value!r}"
        raise ValidationError(field, msg)
    return value


class AvailablePhoneNumbers(Resource):
    """``GET /available_phone_numbers``."""

    __slots__ = ()

    @operation("telnyx.available_phone_numbers.search")
    async def search(
        self,
        *,
        country_code: str,
        phone_number_type: PhoneNumberType | str | None = None,
        locality: str | None = None,
        administrative_area: str | None = None,
        national_destination_code: str | None = None,
        features: Sequence[str] = (),
        starts_with: str | None = None,
        ends_with: str | None = None,
        contains: str | None = None,
        limit: int | None = None,
        best_effort: bool | None = None,
        quickship: bool | None = None,
        reservable: bool | None = None,
        exclude_held_numbers: bool | None = None,
    ) -> builtins.list[AvailablePhoneNumber]:
        """
        Search numbers to order (only searched numbers can be ordered).

        Every argument becomes a ``filter[...]`` parameter in the shape
        Telnyx reads; a filter it would silently ignore is refused here.

        Args:
            country_code: ISO alpha-2, required.
            phone_number_type: ``local``, ``toll_free``, ``mobile``,
                ``national`` or ``shared_cost``.
            locality: City.
            administrative_area: State or province.
            national_destination_code: Area code.
            features: Required capabilities (``sms``, ``voice`` …).
            starts_with: Digits the national number starts with.
            ends_with: Digits it ends with.
            contains: Digits it contains.
            limit: Most results (there is no paging on search).
            best_effort: Include near matches (US/CA).
            quickship: Pre-provisioned toll-free only (US).
            reservable: Only reservable numbers.
            exclude_held_numbers: Hide held or reserved numbers.

        Returns:
            The available numbers.

        Raises:
            ValidationError: A bad filter; nothing was sent.
        """
        check_country("country_code", country_code)
        kind = None
        if phone_number_type is not None:
            kind = check_choice(
                "phone_number_type", phone_number_type, _SEARCH_TYPES
            ).value
        if isinstance(features, str | bytes | Mapping) or not isinstance(
            features, Sequence
        ):
            msg = f"give a list of features, got {features!r}"
            raise ValidationError("features", msg)
        for feature in features:
            check_choice("features", feature, FEATURES)
        if limit is not None:
            check_limit("limit", limit, 1, 1000)
        filters = {
            "country_code": country_code,
            "phone_number_type": kind,
            "locality": _optional_text("locality", locality),
            "administrative_area": _optional_text(
                "administrative_area", administrative_area
            ),
            "national_destination_code": _digits(
                "national_destination_code", national_destination_code
            ),
            "features": list(features),
            "phone_number": {
                "starts_with": _digits("starts_with", starts_with),
                "ends_with": _digits("ends_with", ends_with),
                "contains": _digits("contains", contains),
            },
            "limit": limit,
            "best_effort": _optional_bool("best_effort", best_effort),
            "quickship": _optional_bool("quickship", quickship),
            "reservable": _optional_bool("reservable", reservable),
            "exclude_held_numbers": _optional_bool(
                "exclude_held_numbers", exclude_held_numbers
            ),
        }
        found = await self._one(
            tuple[AvailablePhoneNumber, ...],
            "GET",
            "/available_phone_numbers",
            query=deep_object("filter", filters),
        )
        return list(found)


def _optional_text(field: str, value: object) -> str | None:
    return None if value is None else check_text(field, value)


def _optional_bool(field: str, value: object) -> bool | None:
    return None if value is None else check_bool(field, value)


def _requirements(
    values: Sequence[Mapping[str, str]] | None,
) -> builtins.list[dict[str, str]] | None:
    if values is None:
        return None
    if isinstance(values, str | bytes | Mapping) or not isinstance(
        values, Sequence
    ):
        msg = (
            "give a list of {'requirement_id', 'field_value'} items, got "
            f"{type(values).__name__}"
        )
        raise ValidationError("regulatory_requirements", msg)
    out = []
    for item in values:
        if not isinstance(item, Mapping):
            msg = (
                "each item is a mapping with 'requirement_id' and "
                f"'field_value', got {item!r}"
            )
            raise ValidationError("regulatory_requirements", msg)
        out.append(
            {
                "requirement_id": check_id(
                    "requirement_id", item.get("requirement_id")
                ),
                "field_value": check_text(
                    "field_value", item.get("field_value")
                ),
            }
        )
    return out


class RequirementGroups(Resource):
    """``/requirement_groups`` (answers are bare objects and arrays)."""

    __slots__ = ()

    @operation("telnyx.requirement_groups.list")
    async def list(
        self,
        *,
        country_code: str | None = None,
        phone_number_type: PhoneNumberType | str | None = None,
        action: str | None = None,
        status: str | None = None,
        customer_reference: str | None = None,
    ) -> builtins.list[RequirementGroup]:
        """
        Requirement groups matching the filters.

        Args:
            country_code: Only groups for this ISO country.
            phone_number_type: Only groups for this number type.
            action: Only groups for this action (``ordering`` …).
            status: Only groups in this status.
            customer_reference: Only groups with this reference.

        Returns:
            The groups (the endpoint is not paginated).

        Raises:
            ValidationError: A bad filter; nothing was sent.
        """
        if country_code is not None:
            check_country("country_code", country_code)
        if phone_number_type is not None:
            phone_number_type = check_choice(
                "phone_number_type", phone_number_type, tuple(PhoneNumberType)
            ).value
        if action is not None:
            check_choice("action", action, ("ordering", "porting"))
        filters = {
            "country_code": country_code,
            "phone_number_type": phone_number_type,
            "action": action,
            "status": _optional_text("status", status),
            "customer_reference": _optional_text(
                "customer_reference", customer_reference
            ),
        }
        payload = await self._get(
            "/requirement_groups", deep_object("filter", filters)
        )
        return list(structure(payload, tuple[RequirementGroup, ...]))

    @operation("telnyx.requirement_groups.get")
    async def get(self, group_id: str) -> RequirementGroup:
        """
        One requirement group.

        Args:
            group_id: The group's id.

        Raises:
            NotFoundError: No such group.
        """
        check_id("group_id", group_id)
        payload = await self._get(
            f"/requirement_groups/{path_segment(group_id)}"
        )
        return structure(payload, RequirementGroup)

    @operation("telnyx.requirement_groups.create")
    async def create(
        self,
        *,
        country_code: str,
        phone_number_type: PhoneNumberType | str,
        action: str = "ordering",
        customer_reference: str | None = None,
        regulatory_requirements: Sequence[Mapping[str, str]] | None = None,
    ) -> RequirementGroup:
        """
        Create a requirement group (it starts ``unapproved``).

        Args:
            country_code: ISO alpha-2.
            phone_number_type: The number type it covers.
            action: ``ordering`` or ``porting``.
            customer_reference: Your reference.
            regulatory_requirements: ``{"requirement_id", "field_value"}``
                items.

        Returns:
            The new [`RequirementGroup`][flireo_async.telnyx.RequirementGroup].

        Raises:
            ValidationError: A bad argument; nothing was sent.
        """
        body: dict[str, object] = {
            "country_code": check_country("country_code", country_code),
            "phone_number_type": check_choice(
                "phone_number_type", phone_number_type, _SEARCH_TYPES
            ).value,
            "action": check_choice("action", action, ("ordering", "porting")),
        }
        if customer_reference is not None:
            body["customer_reference"] = check_text(
                "customer_reference", customer_reference
            )
        reqs = _requirements(regulatory_requirements)
        if reqs is not None:
            body["regulatory_requirements"] = reqs
        # A duplicate group is harmless, but a lost answer would hide the
        # id; only certainly-unsent attempts are retried.
        payload = await self._client._call(
            "POST", "/requirement_groups", json=body, repeatable=False
        )
        return structure(payload, RequirementGroup)
