"""A Reset's way down (firmware.core.reset): every transaction stopped, the queued messages
given a bounded time to go out, then the board's restart, tried ResetRetries more times.
Loaded for an accepted Reset only (firmware.on_demand): a station seldom runs it.
"""
HARD = "Hard"
# How long the queued messages may take to go out before the restart. A hard reset is a
# last resort (errata 3.36: queued information may get lost), so it waits less.
DRAIN_S = {"Soft": 20, HARD: 5}
DRAIN_POLL_S = 0.1
RETRY_S = 5


async def restart(service):
    """`service`: the ResetService whose `pending` reset this carries out."""
    kind = service.pending
    reason = "HardReset" if kind == HARD else "SoftReset"
    for connector_id in list(service._transactions.active):
        service._transactions.stop(connector_id, reason)
    waited_s = 0
    while not service._drained() and waited_s < DRAIN_S[kind]:
        await service._sleep(DRAIN_POLL_S)
        waited_s += DRAIN_POLL_S
    attempts = 1 + service._config.get("ResetRetries")
    for attempt in range(1, attempts + 1):
        service._log("reset: %s reset, attempt %d of %d" % (kind, attempt, attempts))
        service._board_reset(kind == HARD)
        await service._sleep(RETRY_S)
    service._log("reset: the board did not restart; %s reset given up" % kind)
    service.pending = None
