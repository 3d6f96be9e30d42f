"""The board's input callables (boards/README.md), read so that none of them can stop the
station: an exception is counted, logged (once, until that read works again: it is polled
every second) and answered with the value that keeps the station safe:
    read_tag()    None: no card was presented
    plugged()     what it said last: a failing read is not an unplug (that would stop the
                  transaction) nor a plug
    error_code()  InternalError: a connector whose fault state is unknown is Faulted, and
                  delivers no energy, until the read works again
    ev_demand()   False: no energy asked for
"""
INTERNAL_ERROR = "InternalError"


class BoardReads:
    # Each read calls the board directly: a bound method passed around would be one more
    # allocation per read, and they run every second.
    def __init__(self, *, board, log):
        self._board = board
        self._log = log
        self.failures = 0  # reads that raised, since the start
        self._failing = []  # [read, connector id] of the reads failing now, each logged once

    def read_tag(self):
        try:
            tag = self._board.read_tag()
        except Exception as error:  # the board's code or its hardware: never the station's
            return self._failed("read_tag", 0, error, None)
        self._worked("read_tag", 0)
        return tag

    def plugged(self, io, last):
        try:
            plugged = io.plugged()
        except Exception as error:
            return self._failed("plugged", io.connector_id, error, last)
        self._worked("plugged", io.connector_id)
        return plugged

    def error_code(self, io):
        try:
            code = io.error_code()
        except Exception as error:
            return self._failed("error_code", io.connector_id, error, INTERNAL_ERROR)
        self._worked("error_code", io.connector_id)
        return code

    def ev_demand(self, io):
        try:
            demand = io.ev_demand()
        except Exception as error:
            return self._failed("ev_demand", io.connector_id, error, False)
        self._worked("ev_demand", io.connector_id)
        return demand

    def _failed(self, read, connector_id, error, fallback):
        self.failures += 1
        if self._find(read, connector_id) is None:
            self._failing.append([read, connector_id])
            self._log("board: %s()%s raised %s: %s" % (read, _of(connector_id),
                                                       type(error).__name__, error))
        return fallback

    def _worked(self, read, connector_id):
        if self._failing:  # nothing to look up while every read works
            found = self._find(read, connector_id)
            if found is not None:
                self._failing.remove(found)
                self._log("board: %s()%s works again" % (read, _of(connector_id)))

    def _find(self, read, connector_id):
        for entry in self._failing:
            if entry[0] == read and entry[1] == connector_id:
                return entry
        return None


def _of(connector_id):
    return " of connector %d" % connector_id if connector_id else ""  # 0: the card reader
