"""A TLS terminator for the tests, as nginx, HAProxy or a cloud load balancer front a Central
System: it takes TLS on 127.0.0.1 with a given server context and relays the plaintext to a
TCP backend (the bundled Central System's ws:// port). Its handshakes run on blocking
sockets, so a refused one ends with the alert that says why, as those terminators send it;
an asyncio TLS server (websockets, the bundled Central System itself) drops the alert and
closes instead.
"""
import socket
import threading

_HANDSHAKE_TIMEOUT_S = 10


class TlsTerminator:
    def __init__(self, context, backend_port):
        self.context = context
        self.backend_port = backend_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # so that the accept loop sees the stop in time
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stopping.set()
        self._thread.join(5)
        self._listener.close()

    def _accept(self):
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        client.settimeout(_HANDSHAKE_TIMEOUT_S)
        try:
            tls = self.context.wrap_socket(client, server_side=True)
        except OSError:  # refused: the alert is out, the station reads it
            client.close()
            return
        tls.settimeout(None)  # an idle OCPP link stays open
        try:
            backend = socket.create_connection(("127.0.0.1", self.backend_port), 5)
        except OSError:  # no backend: the client sees the connection end
            tls.close()
            return
        threading.Thread(target=_relay, args=(backend, tls), daemon=True).start()
        _relay(tls, backend)


def _relay(source, sink):
    """Copies until either side ends, then ends both, so the other relay stops too."""
    try:
        while True:
            data = source.recv(16384)
            if not data:
                break
            sink.sendall(data)
    except (OSError, ValueError):  # ValueError: the other relay has just unwrapped it
        pass
    for sock in (source, sink):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
