# DataTransfer both ways (OCPP 1.6 4.3, 5.6; TC_062): vendor handlers by vendorId, the
# station's own DataTransfer.req.
from firmware.core.vendor import VendorExtensions


class Recorder:
    def __init__(self):
        self.sent = []

    async def call(self, action, payload):
        self.sent.append((action, payload))
        return {"status": "Accepted", "data": "pong"}


def test_unknown_vendor_id_answered_without_data():
    vendor = VendorExtensions(call=None)
    handlers = {}
    vendor.register(handlers)
    assert handlers["DataTransfer"]({"vendorId": "com.example", "data": "x"}) == \
        {"status": "UnknownVendorId"}


def test_a_registered_vendor_handler_answers_its_vendor_id():
    vendor = VendorExtensions(call=None)
    seen = []

    def handler(payload):
        seen.append(payload)
        if payload.get("messageId") != "Ping":
            return {"status": "UnknownMessageId"}
        return {"status": "Accepted", "data": "pong"}

    vendor.handlers["com.openvolt"] = handler
    assert vendor.data_transfer({"vendorId": "com.openvolt", "messageId": "Ping"}) == \
        {"status": "Accepted", "data": "pong"}
    assert vendor.data_transfer({"vendorId": "com.openvolt"}) == {"status": "UnknownMessageId"}
    assert vendor.data_transfer({"vendorId": "com.other"}) == {"status": "UnknownVendorId"}
    assert len(seen) == 2


async def test_the_station_sends_its_own_data_transfer():
    recorder = Recorder()
    vendor = VendorExtensions(call=recorder.call)
    assert await vendor.send("com.openvolt", "Hello", "{}") == {"status": "Accepted",
                                                               "data": "pong"}
    await vendor.send("com.openvolt")
    assert recorder.sent == [("DataTransfer", {"vendorId": "com.openvolt", "messageId": "Hello",
                                               "data": "{}"}),
                             ("DataTransfer", {"vendorId": "com.openvolt"})]
