"""DataTransfer (OCPP 1.6 sections 4.3 and 5.6) both ways: vendor-specific extensions.

Board or application code adds a handler per vendorId to `handlers`; it takes the
DataTransfer.req payload and returns the DataTransfer.conf payload (it decides Accepted,
Rejected, UnknownMessageId and the data). A vendorId without a handler is answered
UnknownVendorId without data. `send()` is the Charge Point's own DataTransfer.req.
"""
UNKNOWN_VENDOR_ID = "UnknownVendorId"


class VendorExtensions:
    def __init__(self, *, call):
        self._call = call
        self.handlers = {}  # vendorId -> handler(payload) -> DataTransfer.conf payload

    def data_transfer(self, payload):
        handler = self.handlers.get(payload["vendorId"])
        if handler is None:
            return {"status": UNKNOWN_VENDOR_ID}
        return handler(payload)

    async def send(self, vendor_id, message_id=None, data=None):
        """Sends a DataTransfer.req; returns the Central System's DataTransfer.conf payload.
        Raises like every call does (not connected, CALLERROR, time-out)."""
        payload = {"vendorId": vendor_id}
        if message_id is not None:
            payload["messageId"] = message_id
        if data is not None:
            payload["data"] = data
        return await self._call("DataTransfer", payload)

    def register(self, handlers):
        handlers["DataTransfer"] = self.data_transfer
