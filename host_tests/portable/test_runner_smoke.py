# The runner itself: sync and async tests are both collected and run.
import asyncio


def test_sync_runs():
    assert 1 + 1 == 2


async def test_async_runs():
    await asyncio.sleep(0)
    assert True
