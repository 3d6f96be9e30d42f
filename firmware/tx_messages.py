"""Transaction-related messages (StartTransaction, MeterValues, StopTransaction), delivered
to the Central System in the order they happened, whatever the link does meanwhile.

A StopTransaction or MeterValues queued before its StartTransaction was answered gets the
transactionId the Central System assigned, at the moment it is sent.
"""
import asyncio

# How often a message the Central System refuses (CALLERROR) is tried before it is dropped.
MAX_ATTEMPTS = 3
RETRY_S = 5
# The oldest MeterValues give way first when the queue is full; Start/Stop are never dropped.
MAX_QUEUED = 200


class Pending:
    def __init__(self, action, payload, transaction, on_answer):
        self.action = action
        self.payload = payload
        self.transaction = transaction
        self.on_answer = on_answer
        self.attempts = 0

    def payload_to_send(self):
        if self.action == "StartTransaction" or self.transaction is None:
            return self.payload
        payload = dict(self.payload)
        payload["transactionId"] = self.transaction.transaction_id
        return payload


class TransactionMessages:
    def __init__(self, log):
        self._log = log
        self._queue = []
        self._wake = asyncio.Event()

    def __len__(self):
        return len(self._queue)

    def __iter__(self):
        return iter(list(self._queue))

    def push(self, action, payload, transaction=None, on_answer=None):
        if len(self._queue) >= MAX_QUEUED:
            for i in range(len(self._queue)):
                if self._queue[i].action == "MeterValues":
                    self._log("tx: queue full, oldest MeterValues dropped")
                    del self._queue[i]
                    break
        self._queue.append(Pending(action, payload, transaction, on_answer))
        self._wake.set()

    async def send_forever(self, call):
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            message = self._queue[0]
            try:
                answer = await call(message.action, message.payload_to_send())
            except Exception as error:  # refused, timed out or offline: retry, bounded
                message.attempts += 1
                self._log("tx: %s attempt %d: %s: %s" % (message.action, message.attempts,
                                                         type(error).__name__, error))
                if message.attempts >= MAX_ATTEMPTS and type(error).__name__ == "CallErrorReceived":
                    self._queue.pop(0)
                    self._log("tx: %s dropped after %d refusals" % (message.action,
                                                                   message.attempts))
                else:
                    await asyncio.sleep(RETRY_S)
                continue
            self._queue.pop(0)
            if message.on_answer is not None:
                message.on_answer(answer)
