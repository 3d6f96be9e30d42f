"""The record of one transaction: what must survive a power cut to stop it afterwards
(connector, idTag, meterStart, start time, its meter's serial number when the board tells
it, the Central System's transactionId once known, the last meter reading and its time) and
the meter values its StopTransaction carries.
"""
# StopTransactionMaxMeterValues: transactionData holds at most this many MeterValue
# elements, Transaction.Begin and Transaction.End included.
STOP_TXN_MAX_METER_VALUES = 10


class Transaction:
    def __init__(self, connector_id, id_tag, meter_start, timestamp, ref=None, started_s=0):
        self.ref = ref                  # the station's own number for it, kept in flash
        self.connector_id = connector_id
        self.id_tag = id_tag
        self.meter_start = meter_start
        self.started_at = timestamp
        self.started_s = started_s
        self.transaction_id = None      # the Central System's; -1 when it never answered
        self.meter_serial = None        # of the meter that read meter_start, when known
        self.last_wh = meter_start
        self.last_s = started_s
        self.stop_data = []             # MeterValue elements for StopTransaction
        self.ended = False
        # Not kept: a transaction does not outlive a power cut (it is stopped at boot).
        self.next_sample_s = None       # when the next Sample.Periodic is due
        self.authorized = True
        self.suspended = False
        self.stopping = None            # (reason, idTag) from a stop until its meter reading

    def metered(self, wh, unix_s):
        self.last_wh = wh
        self.last_s = unix_s

    def keep_stop_value(self, meter_value):
        """Adds a MeterValue for transactionData. Past the bound every other intermediate one
        is dropped (1st, 3rd, ...: errata 3.91), keeping Transaction.Begin and room for End."""
        self.stop_data.append(meter_value)
        if len(self.stop_data) < STOP_TXN_MAX_METER_VALUES:
            return
        begin = self.stop_data[:1] if _context(self.stop_data[0]) == "Transaction.Begin" else []
        intermediate = self.stop_data[len(begin):]
        self.stop_data = begin + [intermediate[i] for i in range(len(intermediate)) if i % 2]


def _context(meter_value):
    values = meter_value.get("sampledValue") or [{}]
    return values[0].get("context")
