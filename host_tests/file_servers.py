"""Real file servers on loopback for the transfer tests: FTP and FTPS (pyftpdlib, passive
mode; its TLS handler runs on pyOpenSSL) and HTTP (http.server taking PUT and serving GET), each in its own thread, storing in a folder;
and a raw TCP server that answers anything with the same bytes, for servers that misbehave."""
import base64
import http.server
import logging
import os
import socket
import threading
import time
import warnings

with warnings.catch_warnings():  # pyftpdlib still imports asyncore and asynchat
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
    from pyftpdlib.ioloop import IOLoop
    from pyftpdlib.servers import FTPServer

logging.getLogger("pyftpdlib").setLevel(logging.WARNING)


def free_port():
    """A loopback port nothing listens on now."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def forwards(*servers, ports=()):
    """The launcher options (--forward) that let an emulated board reach these servers' ports
    and `ports` on the host's loopback; the sim board reaches every one anyway."""
    options = []
    for port in [p for server in servers for p in server.ports] + list(ports):
        options += ["--forward", str(port)]
    return options


class FtpServer:
    """ftp://USER:PASSWORD@127.0.0.1:port/ with write access to `folder`. With `tls`, the
    (certificate, key) files of a server for localhost, it is ftps://USER:PASSWORD@localhost:
    port/, explicit FTPS (RFC 4217) that refuses any command but AUTH before TLS and any
    data connection without it. With `disk_full`, every STOR is answered as a full server
    answers it (552, RFC 959's "exceeded storage allocation")."""

    def __init__(self, folder, user="station", password="secret", tls=None, disk_full=False):
        authorizer = DummyAuthorizer()
        authorizer.add_user(user, password, folder, perm="elradfmw")
        # One known passive port, so that an emulated board can be given it (forwards()).
        self.passive_port = free_port()
        attributes = {"authorizer": authorizer, "passive_ports": [self.passive_port]}
        if tls is not None:
            attributes.update(certfile=tls[0], keyfile=tls[1], tls_control_required=True,
                              tls_data_required=True)
        if disk_full:
            attributes["ftp_STOR"] = lambda handler, path, mode="w": handler.respond(
                "552 Requested file action aborted: exceeded storage allocation.")
        handler = type("Handler", (TLS_FTPHandler if tls else FTPHandler,), attributes)
        # Its own loop: on the shared one, closing a server would close every other's.
        self._server = FTPServer(("127.0.0.1", 0), handler, ioloop=IOLoop())
        self.port = self._server.address[1]
        self.ports = [self.port, self.passive_port]
        self.scheme, self.host = ("ftps", "localhost") if tls else ("ftp", "127.0.0.1")
        self.user, self.password, self.folder = user, password, folder
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"timeout": 0.1}, daemon=True)

    def url(self, path="/", user=None, password=None, scheme=None):
        return "%s://%s:%s@%s:%d%s" % (scheme or self.scheme, user or self.user,
                                       password or self.password, self.host, self.port, path)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.close_all()
        self._thread.join(5)


class HttpServer:
    """http://127.0.0.1:port/: PUT stores the body under `folder` (401 without the right
    Basic credentials when a password is set), GET serves what was stored. With an
    ssl_context (a server one) it is https://localhost:port/."""

    def __init__(self, folder, user=None, password=None, ssl_context=None):
        expected = None
        if password is not None:
            expected = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _path(self):
                return os.path.join(folder, os.path.basename(self.path))

            def do_PUT(self):
                if expected is not None and self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.end_headers()
                    return
                length = int(self.headers.get("Content-Length", "0"))
                with open(self._path(), "wb") as f:
                    f.write(self.rfile.read(length))
                self.send_response(201)
                self.end_headers()

            def do_GET(self):
                try:
                    with open(self._path(), "rb") as f:
                        body = f.read()
                except OSError:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if ssl_context is not None:
            self._server.socket = ssl_context.wrap_socket(self._server.socket,
                                                          server_side=True)
        self.scheme, self.host = ("https", "localhost") if ssl_context else ("http", "127.0.0.1")
        self.port = self._server.server_address[1]
        self.ports = [self.port]
        self.folder = folder
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path="/", user=None, password=None):
        auth = "%s:%s@" % (user, password) if user else ""
        return "%s://%s%s:%d%s" % (self.scheme, auth, self.host, self.port, path)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


class RawServer:
    """A misbehaving server on 127.0.0.1:port: every connection is answered with `head`,
    then `filler` over and over (`pause_s` apart) until `filler_bytes` went out or the client
    hung up, then closed -- whatever the client asked. `silent`: not closed but left open
    without a word more (a stall) until the client hangs up."""

    def __init__(self, head, filler=b"", filler_bytes=0, pause_s=0, silent=False):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.ports = [self.port]
        self._head, self._filler, self._filler_bytes = head, filler, filler_bytes
        self._pause_s, self._silent = pause_s, silent
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, scheme, path="/file.bin"):
        return "%s://127.0.0.1:%d%s" % (scheme, self.port, path)

    def _serve(self):
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed by __exit__
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        with connection:
            try:
                connection.sendall(self._head)
                sent = 0
                while sent < self._filler_bytes:
                    time.sleep(self._pause_s)
                    connection.sendall(self._filler)
                    sent += len(self._filler)
                if not self._silent:
                    # End with a FIN, not a reset: what the client sent is read to its end.
                    connection.shutdown(socket.SHUT_WR)
                connection.settimeout(60 if self._silent else 5)
                while connection.recv(4096):
                    pass
            except OSError:  # the client hung up, as it should
                pass

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept(); close alone does not
        self._listener.close()
        self._thread.join(5)
