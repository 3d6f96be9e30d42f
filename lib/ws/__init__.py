"""WebSocket client (RFC 6455) for the station: a sans-I/O core plus one asyncio adapter.

Modules: url, handshake, frames, utf8, protocol (the core), client (opens a connection),
connection (asyncio), tls, backoff, clock, errors. Import the module you need; this package
imports nothing on its own so a board only pays for what it uses.
"""
