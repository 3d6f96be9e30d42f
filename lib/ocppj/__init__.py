"""OCPP-J 1.6 RPC: frames (frames), error codes (errors), payload checks against the
official schemas (check, schemas), call correlation (rpc) and an asyncio adapter
(session). Import the submodules you need; this package imports nothing itself, so a
board only pays for what it uses.
"""
