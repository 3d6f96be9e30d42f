"""For the code firmware.security loads per call and unloads after it (its `loaded`): a task
that such code starts must not outlive its use, or it keeps that code in the heap.
"""
import asyncio


async def forgotten_when_done(holder, coroutine):
    """Runs `coroutine` as the task `holder[0]` (a list its caller keeps, to cancel it) and
    empties the holder when it ends: a finished task still holds the code it ran."""
    try:
        return await coroutine
    finally:
        if holder and holder[0] is asyncio.current_task():
            del holder[:]
