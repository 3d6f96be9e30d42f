# A clock that moves only when the code under test waits (or a model says time passed), in
# microseconds so that character times at a bus's baud rate add up right.
import asyncio


class FakeClock:
    def __init__(self):
        self.now_us = 1000000

    def ticks_ms(self):
        return self.now_us // 1000

    def ticks_diff(self, a, b):
        return a - b

    def advance_us(self, us):
        self.now_us += us

    async def sleep_ms(self, ms):
        self.now_us += ms * 1000
        await asyncio.sleep(0)
