"""The sandbox's Flireo v1 mode: app, handlers, state and wire."""
