"""
A ready ``aiohttp.web`` endpoint for Flireo webhooks.

`EventRouter` verifies the signature (when given a secret), parses
the event, runs the coroutine registered for it and answers in time: an
``assistant-request`` gets its answer within 5 s and ``tool-calls``
within 10 s (both configurable), or a fallback — the default assistant,
a "not available" tool result — and a log line.  A body that is not an
event is a 400, a bad signature a 401; neither answer says more.

Example:
    ```python
    from aiohttp import web
    from flireo_async.events.aiohttp import EventRouter

    router = EventRouter(secret=os.environ["FLIREO_WEBHOOK_SECRET"])

    @router.on_tool_call("send_task")
    async def send_task(call, event):
        await notify_team(call.arguments["message"])
        return "Bericht succesvol ontvangen."

    app = web.Application()
    router.add_to(app, "/webhooks")
    ```
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias, TypeVar

import orjson
from aiohttp import web

from ..exceptions import ConfigurationError, EventParseError, SignatureError
from ._answers import tool_call_results
from ._models import (
    AnyEvent,
    AssistantRequestEvent,
    EndOfCallReportEvent,
    StatusUpdateEvent,
    ToolCall,
    ToolCallsEvent,
    WireFormat,
)
from ._parse import parse_event
from ._signature import check_tolerance, signing_key, verify_signature


__all__ = [
    "ASSISTANT_REQUEST_DEADLINE",
    "AssistantRequestHandler",
    "DefaultHandler",
    "EndOfCallReportHandler",
    "EventRouter",
    "StatusUpdateHandler",
    "TOOL_CALLS_DEADLINE",
    "TOOL_FALLBACK",
    "ToolHandler",
]

log = logging.getLogger("flireo_async.events")

#: Seconds the platform waits for an ``assistant-request`` answer.
ASSISTANT_REQUEST_DEADLINE = 5.0
#: Seconds the platform waits for a synchronous ``tool-calls`` answer.
TOOL_CALLS_DEADLINE = 10.0
#: The result sent for a tool call whose handler failed or was too slow.
TOOL_FALLBACK = "This tool is not available right now; please try later."

ToolHandler: TypeAlias = Callable[[ToolCall, ToolCallsEvent], Awaitable[Any]]
AssistantRequestHandler: TypeAlias = Callable[
    [AssistantRequestEvent], Awaitable[Mapping[str, Any] | None]
]
StatusUpdateHandler: TypeAlias = Callable[[StatusUpdateEvent], Awaitable[Any]]
EndOfCallReportHandler: TypeAlias = Callable[
    [EndOfCallReportEvent], Awaitable[Any]
]
DefaultHandler: TypeAlias = Callable[
    [AnyEvent], Awaitable[Mapping[str, Any] | None]
]

_TH = TypeVar("_TH", bound=ToolHandler)
_AH = TypeVar("_AH", bound=AssistantRequestHandler)
_SH = TypeVar("_SH", bound=StatusUpdateHandler)
_EH = TypeVar("_EH", bound=EndOfCallReportHandler)
_DH = TypeVar("_DH", bound=DefaultHandler)


def _positive(name: str, value: float) -> float:
    # An infinite deadline would let a slow handler hold the platform's
    # request (and the call) forever.
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value < math.inf
    ):
        msg = f"{name} must be a positive number of seconds, got {value!r}"
        raise ConfigurationError(msg)
    return float(value)


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(body), status=status, content_type="application/json"
    )


class EventRouter:
    """
    Dispatch webhook events to coroutines, and answer in time.

    Register handlers with the decorators, then mount `handle()`
    (``router.add_to(app, path)`` or ``app.add_routes([router.route()])``).
    Handlers are cancelled at their deadline, so they must not swallow
    ``CancelledError``; work that should outlive the answer belongs in a
    task of its own.

    Args:
        secret: The agent's ``webhook_secret``; ``None`` accepts unsigned
            webhooks (the v1 platform does not sign).
        tolerance: Seconds a signature's timestamp may be off.
        assistant_request_deadline: Seconds an ``assistant-request``
            handler gets before the default assistant (``{}``) is sent.
        tool_calls_deadline: Seconds all tool handlers of one event get
            before unfinished ones are answered with *tool_fallback*.
        tool_fallback: The result for a tool call whose handler is
            missing, failed or too slow.

    Raises:
        ConfigurationError: An empty secret, a negative or NaN tolerance,
            or a deadline that is not a finite positive number.
        TypeError: *secret* is neither text nor bytes.
    """

    def __init__(
        self,
        *,
        secret: str | bytes | None = None,
        tolerance: float = 300.0,
        assistant_request_deadline: float = ASSISTANT_REQUEST_DEADLINE,
        tool_calls_deadline: float = TOOL_CALLS_DEADLINE,
        tool_fallback: str = TOOL_FALLBACK,
    ) -> None:
        if secret is not None and not secret:
            msg = "the webhook secret is empty; pass None for unsigned hooks"
            raise ConfigurationError(msg)
        if secret is not None:
            # A secret that cannot be a key fails here, not per delivery.
            signing_key(secret)
        self._secret = secret
        # Checked now: a bad tolerance must fail at startup, not turn
        # every delivery into a 500.
        self._tolerance = check_tolerance(tolerance)
        self._assistant_deadline = _positive(
            "assistant_request_deadline", assistant_request_deadline
        )
        self._tool_deadline = _positive(
            "tool_calls_deadline", tool_calls_deadline
        )
        self._tool_fallback = tool_fallback
        self._tools: dict[str | None, ToolHandler] = {}
        self._assistant: AssistantRequestHandler | None = None
        self._status: StatusUpdateHandler | None = None
        self._report: EndOfCallReportHandler | None = None
        self._default: DefaultHandler | None = None

    def __repr__(self) -> str:
        # Never the secret: reprs end up in logs and tracebacks.
        tools = sorted(name for name in self._tools if name is not None)
        return f"<EventRouter signed={self._secret is not None} tools={tools}>"

    # --- registration -------------------------------------------------

    def on_tool_call(self, name: str | None = None) -> Callable[[_TH], _TH]:
        """
        Register ``async def handler(call, event) -> result`` for a tool.

        The result is the text (or, on the newer API, any JSON value) the
        model gets back for that one call.

        Args:
            name: The function name; ``None`` for every tool without a
                handler of its own.

        Returns:
            A decorator returning the handler unchanged.

        Raises:
            ConfigurationError: *name* already has a handler.
        """

        def register(handler: _TH) -> _TH:
            if name in self._tools:
                what = f"tool {name!r}" if name else "any tool"
                msg = f"{what} already has a handler"
                raise ConfigurationError(msg)
            self._tools[name] = handler
            return handler

        return register

    def _only(self, current: object, what: str) -> None:
        if current is not None:
            msg = f"{what} already has a handler"
            raise ConfigurationError(msg)

    def on_assistant_request(self, handler: _AH) -> _AH:
        """
        Register ``async def handler(event) -> answer | None``.

        Args:
            handler: Returns an `assistant_config()`,
                `default_assistant()` or `reject_call()` answer;
                ``None`` means the default assistant.

        Returns:
            *handler*.

        Raises:
            ConfigurationError: One is already registered.
        """
        self._only(self._assistant, "assistant-request")
        self._assistant = handler
        return handler

    def on_status_update(self, handler: _SH) -> _SH:
        """
        Register ``async def handler(event)`` for ``status-update``.

        Args:
            handler: Its return value is ignored; an exception answers 500.

        Returns:
            *handler*.

        Raises:
            ConfigurationError: One is already registered.
        """
        self._only(self._status, "status-update")
        self._status = handler
        return handler

    def on_end_of_call_report(self, handler: _EH) -> _EH:
        """
        Register ``async def handler(event)`` for ``end-of-call-report``.

        Args:
            handler: Its return value is ignored; an exception answers 500.

        Returns:
            *handler*.

        Raises:
            ConfigurationError: One is already registered.
        """
        self._only(self._report, "end-of-call-report")
        self._report = handler
        return handler

    def on_default(self, handler: _DH) -> _DH:
        """
        Register ``async def handler(event) -> answer | None`` for events
        without a handler of their own (unknown types included; tool
        calls are always answered per tool).

        Args:
            handler: A returned mapping is the answer body; ``None``
                answers ``{}``.

        Returns:
            *handler*.

        Raises:
            ConfigurationError: One is already registered.
        """
        self._only(self._default, "the default")
        self._default = handler
        return handler

    # --- dispatch -----------------------------------------------------

    async def dispatch(self, event: AnyEvent) -> dict[str, Any]:
        """
        Run the handler for *event* and build the answer body.

        Args:
            event: A parsed event.

        Returns:
            The JSON answer.

        Raises:
            Exception: Whatever a ``status-update``,
                ``end-of-call-report`` or default handler raised (the
                answering events fall back instead of raising).
        """
        if isinstance(event, ToolCallsEvent):
            return await self._tool_calls(event)
        if isinstance(event, AssistantRequestEvent):
            return await self._assistant_request(event)
        if isinstance(event, StatusUpdateEvent) and self._status:
            await self._status(event)
            return {}
        if isinstance(event, EndOfCallReportEvent) and self._report:
            await self._report(event)
            return {}
        if self._default is not None:
            return dict(await self._default(event) or {})
        return {}

    async def _assistant_request(
        self, event: AssistantRequestEvent
    ) -> dict[str, Any]:
        handler = self._assistant or self._default
        if handler is None:
            return {}
        scope = asyncio.timeout(self._assistant_deadline)
        try:
            async with scope:
                answer = await handler(event)
        except Exception:
            if scope.expired():
                log.warning(
                    "assistant-request for call %s missed its %gs deadline;"
                    " answered the default assistant",
                    event.call_id,
                    self._assistant_deadline,
                )
            else:
                log.exception(
                    "assistant-request handler failed for call %s;"
                    " answered the default assistant",
                    event.call_id,
                )
            return {}
        if answer is None:
            return {}
        if not isinstance(answer, Mapping):
            log.error(
                "assistant-request handler returned a %s, not a mapping;"
                " answered the default assistant",
                type(answer).__name__,
            )
            return {}
        return dict(answer)

    async def _tool_calls(self, event: ToolCallsEvent) -> dict[str, Any]:
        # One deadline for the whole event: the platform waits for one
        # answer holding every result.
        deadline_at = asyncio.get_running_loop().time() + self._tool_deadline
        results = await asyncio.gather(
            *(
                self._tool(call, event, deadline_at)
                for call in event.tool_calls
            )
        )
        return tool_call_results(
            event,
            {
                call.id: result
                for call, result in zip(event.tool_calls, results, strict=True)
            },
        )

    async def _tool(
        self, call: ToolCall, event: ToolCallsEvent, deadline_at: float
    ) -> Any:
        handler = self._tools.get(call.name) or self._tools.get(None)
        if handler is None:
            log.warning(
                "no handler for tool %r (call %s); answered the fallback",
                call.name,
                event.call_id,
            )
            return self._tool_fallback
        scope = asyncio.timeout_at(deadline_at)
        try:
            async with scope:
                result = await handler(call, event)
        except Exception:
            if scope.expired():
                log.warning(
                    "tool %r (call %s) missed its %gs deadline;"
                    " answered the fallback",
                    call.name,
                    event.call_id,
                    self._tool_deadline,
                )
            else:
                log.exception(
                    "tool %r (call %s) failed; answered the fallback",
                    call.name,
                    event.call_id,
                )
            return self._tool_fallback
        if event.format is WireFormat.FLAT and not isinstance(result, str):
            log.error(
                "tool %r returned a %s; v1 tool-calls answers take text;"
                " answered the fallback",
                call.name,
                type(result).__name__,
            )
            return self._tool_fallback
        return result

    # --- aiohttp ------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        """
        The aiohttp.web handler: verify, parse, dispatch, answer.

        Args:
            request: The webhook POST.

        Returns:
            200 with the answer; 401 for a missing, stale or wrong
            signature; 400 for a body that is not an event; 500 when a
            non-answering handler raised (details are logged, never
            sent).
        """
        body = await request.read()
        if self._secret is not None:
            try:
                verify_signature(
                    body,
                    request.headers,
                    secret=self._secret,
                    tolerance=self._tolerance,
                )
            except SignatureError as exc:
                log.warning("rejected a webhook: %s", exc)
                return _json({"error": "invalid signature"}, status=401)
        try:
            event = parse_event(body, request.headers)
        except EventParseError as exc:
            log.warning("rejected a malformed webhook: %s", exc)
            return _json({"error": "malformed event"}, status=400)
        try:
            return _json(await self.dispatch(event))
        except Exception:
            log.exception(
                "%s handler failed for call %s", event.type, event.call_id
            )
            return _json({"error": "internal error"}, status=500)

    def route(self, path: str = "/webhooks") -> web.RouteDef:
        """
        A ``POST path`` route for ``app.add_routes([...])``.

        Args:
            path: Where the platform's webhook URL points.

        Returns:
            The route definition.
        """
        return web.post(path, self.handle)

    def add_to(self, app: web.Application, path: str = "/webhooks") -> None:
        """
        Mount `handle()` on *app* as ``POST path``.

        Args:
            app: The application.
            path: Where the platform's webhook URL points.
        """
        app.router.add_post(path, self.handle)
