"""
Answer Flireo tool calls, and talk back into the live call.

What it shows:

* an ``aiohttp.web`` app built on ``flireo_async.events.aiohttp.EventRouter``,
  which checks the webhook signature, parses the event (v1 flat or the
  newer ``{"message": ...}`` envelope), runs the handler registered for it
  and answers within the platform's deadline;
* the ``send_task`` tool of the v1 docs, answered with a result text;
* the "control live calls" workflow of the docs: the ``ask_email`` tool
  answers at once ("I sent you a text"), then a background task gets the
  caller's e-mail address out of band (stubbed here; in real life an SMS
  or WhatsApp reply) and injects it into the still running call with
  ``client.calls.control(call_id, InjectContext(...))``;
* end-of-call reports and status updates, logged.

How to run it against the sandbox (three shells):

1. ``flireo sandbox --port 8080`` — a local Flireo API; it prints its URL
   and API key (``fl_test_sandbox`` by default).
2. ``FLIREO_BASE_URL=http://127.0.0.1:8080 FLIREO_API_KEY=fl_test_sandbox
   FLIREO_WEBHOOK_SECRET=whsec_demo python examples/webhook_receiver.py
   serve --port 8000`` — this receiver, on ``/webhooks``.
3. ``FLIREO_WEBHOOK_SECRET=whsec_demo python examples/webhook_receiver.py
   send --url http://127.0.0.1:8000/webhooks`` — posts the docs' sample
   ``tool-calls`` event, signed, and prints the answer.  The receiver then
   logs the injection (the provisioning sandbox has no call-control
   endpoint, so against it the injection is logged as failed with a 404;
   against the real API, with a live call id, the agent reads the
   address).

For real calls, point the agent's ``webhook_url`` at ``/webhooks`` on a
public HTTPS host and set ``FLIREO_WEBHOOK_SECRET`` to its
``webhook_secret`` (leave it unset for the unsigned v1 platform).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from flireo_async import FlireoClient, FlireoError
from flireo_async.events import (
    EndOfCallReportEvent,
    InjectContext,
    StatusUpdateEvent,
    ToolCall,
    ToolCallsEvent,
    signature_headers,
)
from flireo_async.events.aiohttp import EventRouter


log = logging.getLogger("webhook_receiver")

PENDING = web.AppKey("pending", set[asyncio.Task[None]])

#: The docs' tool-calls example (spec §5.3) plus the ask_email task of
#: the "control live calls" page (§5.6).
SAMPLE_EVENT: dict[str, Any] = {
    "eventTime": 1756278882619,
    "callId": "875573b5-4458-45be-bac2-4d2b869f8297",
    "eventType": "tool-calls",
    "fromCaller": "+31601234567",
    "toAssistant": "+31850123456",
    "tasksInitiated": [
        {
            "taskId": "call_kLsrB3eFvT6bvo67BqTv7iXc",
            "taskName": "send_task",
            "taskPayload": {
                "message": "Bericht voor het team: Jonas wil graag "
                "teruggebeld worden op telefoonnummer 06 01 23 45 67."
            },
        },
        {"taskId": "call_kLsrD3eFvY6bko67BqTb7iXc", "taskName": "ask_email"},
    ],
    "userMetadata": None,
}


async def wait_for_email_reply(caller: str | None, delay: float) -> str:
    """Stand-in for texting the caller and waiting for the reply."""
    await asyncio.sleep(delay)
    return "jonas@example.com"


async def inject_email(
    client: FlireoClient, call_id: str, caller: str | None, delay: float
) -> None:
    """Get the caller's address out of band and tell the agent mid-call."""
    address = await wait_for_email_reply(caller, delay)
    command = InjectContext(
        content=f"Het e-mailadres van de beller is {address}. Bevestig het.",
        trigger_response=True,
    )
    try:
        await client.calls.control(call_id, command)
    except FlireoError as exc:
        # The caller may have hung up meanwhile (400: call not active).
        log.warning("could not inject into call %s: %s", call_id, exc)
    else:
        log.info("injected the e-mail address into call %s", call_id)


def build_app(
    client: FlireoClient, *, secret: str | None, reply_delay: float = 2.0
) -> web.Application:
    """The receiver: POST /webhooks, using *client* for call control."""
    router = EventRouter(secret=secret)
    pending: set[asyncio.Task[None]] = set()

    @router.on_tool_call("send_task")
    async def send_task(call: ToolCall, event: ToolCallsEvent) -> str:
        message = (call.arguments or {}).get("message", "")
        log.info("for the team, from %s: %s", event.from_caller, message)
        return "Bericht succesvol ontvangen, het team zal Jonas terugbellen."

    @router.on_tool_call("ask_email")
    async def ask_email(call: ToolCall, event: ToolCallsEvent) -> str:
        if event.call_id is None:
            return "Ik kan nu geen sms sturen; spel het adres alsjeblieft."
        # Answer now (the tool deadline is seconds); the reply comes later.
        task = asyncio.create_task(
            inject_email(client, event.call_id, event.from_caller, reply_delay)
        )
        pending.add(task)
        task.add_done_callback(pending.discard)
        return "Ik heb je een sms gestuurd; antwoord met je e-mailadres."

    @router.on_status_update
    async def status(event: StatusUpdateEvent) -> None:
        log.info("call %s is %s", event.call_id, event.status)

    @router.on_end_of_call_report
    async def report(event: EndOfCallReportEvent) -> None:
        log.info(
            "call %s ended after %ss: %s",
            event.call_id,
            event.duration_seconds,
            event.summary,
        )

    async def cancel_pending(app: web.Application) -> None:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    app = web.Application()
    app[PENDING] = pending
    app.on_shutdown.append(cancel_pending)
    router.add_to(app, "/webhooks")
    return app


async def make_app() -> web.Application:
    """The app for ``serve``: a client from the environment, closed last."""
    client = FlireoClient()
    app = build_app(client, secret=os.environ.get("FLIREO_WEBHOOK_SECRET"))

    async def close_client(app: web.Application) -> None:
        await client.aclose()

    app.on_cleanup.append(close_client)
    return app


async def send_sample(url: str, secret: str | None) -> tuple[int, Any]:
    """POST the sample event to *url*, signed when there is a secret."""
    body = orjson.dumps(SAMPLE_EVENT)
    headers = {
        "Content-Type": "application/json",
        "X-Webhook-Event": "tool-calls",
    }
    if secret:
        headers |= signature_headers(body, secret=secret)
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status, await response.json()


def main(argv: list[str] | None = None) -> None:
    """Command line: ``serve`` the receiver or ``send`` it the sample."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the receiver")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    send = sub.add_parser("send", help="post the signed sample event")
    send.add_argument("--url", default="http://127.0.0.1:8000/webhooks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    secret = os.environ.get("FLIREO_WEBHOOK_SECRET")
    if args.command == "serve":
        web.run_app(make_app(), host=args.host, port=args.port)
    else:
        status, answer = asyncio.run(send_sample(args.url, secret))
        print(
            status, orjson.dumps(answer, option=orjson.OPT_INDENT_2).decode()
        )


if __name__ == "__main__":
    main()
