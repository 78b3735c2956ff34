"""The sandbox's Telnyx v2 mode: app, handlers, state and wire."""
