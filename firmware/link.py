"""The station's link to the Central System: one WebSocket at a time, reconnected forever.

It owns the connection and the OCPP-J session on it; services send requests through
`call()` and register handlers in the shared dict. Every frame is logged, which is the
OCPP traffic an operator reads on the console.
"""
import asyncio
import gc

from firmware.config import INTEGER, Key
from ocppj.session import Session
from ws import clock
from ws.backoff import Backoff
# Resident, not loaded per attempt: loaded and freed at each reconnect, its code left holes
# between the new connection's long-lived objects, and after a reconnect a 6 KB frame found
# no piece of heap to be decoded in (host_tests/test_large_frames.py).
from ws.client import connect

# The console shows at most this much of one OCPP frame.
TRAFFIC_LOG_CHARS = 600
_WRITE_ONLY_KEY = '"AuthorizationKey"'

OFFLINE = "offline"
CONNECTING = "connecting"
ONLINE = "online"


def _is_call(text):
    # A CALL frame opens with message type 2: "[2," with optional JSON whitespace.
    return text.lstrip()[1:].lstrip()[:1] == "2"


class NotConnected(Exception):
    """A request was made while there is no connection to the Central System."""


async def _not_connected(action):
    raise NotConnected(action)


class Link:
    def __init__(self, *, board, config, handlers, on_online, response_timeout_s=30,
                 ssl_context=None, password=None, silent=None, url=None,
                 on_connect_failed=None, on_security_event=None):
        self._board = board
        self.url = url  # which one: the security profile decides (firmware.security)
        # The reference station pings every 10 s; 0 switches client pings off (OCPP-J 1.6).
        self._config = config
        config.declare(Key("WebSocketPingInterval", INTEGER, 10, minimum=0, maximum=3600,
                           on_change=self._ping_interval_changed))
        # While silent() is true the Central System's requests go unanswered (a Rejected
        # registration, OCPP 1.6 section 4.2); its answers to our requests still count.
        self._silent = silent or (lambda: False)
        self._handlers = handlers
        self._on_online = on_online
        self._response_timeout_s = response_timeout_s
        self.ssl_context = ssl_context
        self.password = password
        self.state = OFFLINE
        self.last_error = None
        self._session = None
        self._connection = None
        self._backoff = Backoff()
        # Set by a board that knows its Ethernet link whenever the link goes up or down
        # (boards/README.md); None: the board cannot tell, the backoff alone paces attempts.
        self._link_changed = getattr(board, "link_changed", None)
        self._reconnect_at_once = False
        self._link_cut = False  # the board's link went down under the open connection
        self._closing = None
        self._fallback = None
        # Told every error that ended a connection attempt (security events).
        self._on_connect_failed = on_connect_failed
        # on_security_event(type, techInfo): messages that are not valid OCPP, handlers
        # out of heap.
        self._on_security_event = on_security_event

    def call(self, action, payload):
        """A coroutine: the answer's payload. The session's own, not one that awaits it: such
        a coroutine would hold the payload while the answer is awaited (1.1 KB for a
        MeterValues of five values), which the session lets go once the frame is made."""
        session = self._session
        if session is None:
            return _not_connected(action)
        return session.call(action, payload)

    def _ping_interval_changed(self, interval_s):
        connection = self._connection
        if connection is not None and not connection.closed:
            connection.protocol.set_ping_interval(interval_s, clock.now_ms())

    def _log_frame(self, direction, text):
        # A frame that names a write-only key is cut after the name: the AuthorizationKey's
        # value never goes to the log (security whitepaper A01.FR.12).
        secret = text.find(_WRITE_ONLY_KEY)
        if secret >= 0:
            text = text[:secret + len(_WRITE_ONLY_KEY)] + "... (value hidden)"
        # Neither are a URL's user and password (GetLog's remoteLocation, a firmware's
        # location): the log goes to whoever asks for it (GetLog, the field console). The
        # code for it is loaded for such a frame alone: a function resident takes heap.
        if "@" in text:
            from firmware.on_demand import loaded

            with loaded("transfer.url") as url:
                text = url.without_credentials(text)
        # Long frames are cut: a full copy of a large answer would double its peak heap. The
        # line is formatted once (each intermediate str was another copy of the cut).
        if len(text) > TRAFFIC_LOG_CHARS:
            self._board.log("%s %s %s... (%d chars)" % (self._board.identity_name, direction,
                                                        text[:TRAFFIC_LOG_CHARS], len(text)))
        else:
            self._board.log("%s %s %s" % (self._board.identity_name, direction, text))

    async def _receive(self, text):
        self._log_frame("<-", text)
        if self._silent() and _is_call(text):
            return
        try:
            await self._session.on_text(text)
        except MemoryError:
            # A large answer met a fragmented heap. Nothing half-built went out (a frame is
            # queued whole or not at all), so the connection stays usable: free what can be
            # freed and carry on; the Central System's request goes unanswered.
            gc.collect()
            self._board.log("link: out of memory handling a message; dropped")

    def _send_text(self, text):
        """The session's way out: the frame logged, then the send to await (returned, not
        awaited in a coroutine of its own: one object less for every message sent)."""
        self._log_frame("->", text)
        return self._connection.send(text)

    def reconnect(self):
        """Ends the connection (normal closure) so that the next one, made at once, uses new
        credentials; what is queued stays queued. A handler's answer is queued before the
        close goes out: it runs no earlier than the handler's reply is handed over."""
        connection = self._connection
        if connection is not None and not connection.closed:
            self._reconnect_at_once = True
            self._closing = asyncio.create_task(connection.close(1000, "reconnecting"))

    def switch(self, url, ssl_context, password, on_failure):
        """Reconnects at once to `url` with these credentials (a raised SecurityProfile). If
        that first connection fails the previous ones come back, and on_failure() is told."""
        self._fallback = (self.url, self.ssl_context, self.password, on_failure)
        self.url, self.ssl_context, self.password = url, ssl_context, password
        self.reconnect()

    async def run(self):
        while True:
            await self._network_up()
            try:
                await self._run_one_connection()
            except asyncio.CancelledError:
                # The link went down just as the connection ended on its own: the cut
                # reached the task after its receiving, in the close.
                if not self._link_cut:
                    raise
                try:
                    await self._connection.abort()
                except Exception:  # already gone
                    pass
            if self._reconnect_at_once:
                self._reconnect_at_once = False
                self._board.log("link: reconnecting (%s)" % self.last_error)
                continue
            if self._network_down():  # no backoff step: nothing is tried until it is back
                self._board.log("link: offline (%s)" % self.last_error)
                continue
            delay_ms = self._backoff.next_delay_ms()
            self._board.log("link: offline (%s); retry in %d ms" % (self.last_error, delay_ms))
            await self._pause(delay_ms / 1000)

    async def _end_when_link_down(self, receiving):
        """Ends the connection's receiving when the board's network link goes down: a socket
        over a dead link may wait until the next ping's time-out to fail (a board that does
        not cut its connections, or a cut that does not wake the read)."""
        changed = self._link_changed
        changed.clear()
        while self._board.link_up():
            await changed.wait()
            changed.clear()
        self._link_cut = True
        receiving.cancel()

    def _network_down(self):
        return self._link_changed is not None and not self._board.link_up()

    async def _network_up(self):
        """Returns once the board's network link is up: a connect over a link that is down
        can only fail, and would grow the backoff that delays the first one after it."""
        changed = self._link_changed
        if changed is None:
            return
        changed.clear()  # from here every change is news to _pause
        if self._board.link_up():
            return
        self._board.log("link: waiting for the network link")
        while not self._board.link_up():
            await changed.wait()
            changed.clear()

    async def _pause(self, delay_s):
        """Waits out a backoff delay, which paces attempts at a Central System that does not
        answer. A change of the network link ends it early: link down, nothing is tried until
        it is up again; link up (again), the Central System is tried at once."""
        changed = self._link_changed
        if changed is None:
            await asyncio.sleep(delay_s)
            return
        try:
            await asyncio.wait_for(changed.wait(), delay_s)
        except asyncio.TimeoutError:
            pass

    async def _connect(self):
        return await connect(self.url, password=self.password, ssl_context=self.ssl_context,
                             ping_interval_s=self._config.get("WebSocketPingInterval"),
                             open_connection=self._board.open_connection)

    async def _run_one_connection(self):
        self.state = CONNECTING
        try:
            self._connection = await self._connect()
        except Exception as error:  # every way a connect can fail ends in a retry
            self.state = OFFLINE
            self.last_error = "%s: %s" % (type(error).__name__, error)
            if self._on_connect_failed is not None:
                self._on_connect_failed(error)
            if self._fallback is not None:
                self.url, self.ssl_context, self.password, on_failure = self._fallback
                self._fallback = None
                self._reconnect_at_once = True
                on_failure()
            return
        self._fallback = None
        self._backoff.reset()
        self._session = Session(self._send_text, self._handlers,
                                response_timeout_s=self._response_timeout_s, log=self._board.log)
        if self._on_security_event is not None:  # its kinds are the events' types
            self._session.rpc.on_problem = self._on_security_event
        self.state = ONLINE
        self._board.log("link: online %s" % self.url)
        online_task = asyncio.create_task(self._on_online())
        self._link_cut = False
        watch = None
        if self._link_changed is not None:
            watch = asyncio.create_task(self._end_when_link_down(asyncio.current_task()))
        try:
            while True:
                await self._receive(await self._connection.recv())
        except asyncio.CancelledError:
            if not self._link_cut:
                raise  # not ours: the link itself is being stopped
            self.last_error = "network link down"
        except Exception as error:
            self.last_error = "%s: %s" % (type(error).__name__, error)
        finally:
            if watch is not None:
                watch.cancel()
            online_task.cancel()
            self._session.connection_lost()
            self._session = None
            self.state = OFFLINE
            try:
                if self._link_cut:  # no close handshake over a link that is down
                    await self._connection.abort()
                else:
                    await self._connection.close()
            except Exception:  # already gone: nothing more to release
                pass

