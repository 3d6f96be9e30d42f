"""Server-side byte builders shared by the ws tests (no tests here): frames as a server
sends them (unmasked unless asked) and upgrade responses."""
import struct

from ws.handshake import accept_value
from ws.protocol import Protocol


def server_frame(opcode, payload=b"", fin=True, rsv=0, mask=None, length=None):
    """`length` overrides the announced payload length (for oversize announcements)."""
    n = len(payload) if length is None else length
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    mask_bit = 0x80 if mask else 0
    if n < 126:
        header = struct.pack("!BB", first, mask_bit | n)
    elif n < 65536:
        header = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        header += mask
    return header + payload


def upgrade_response(key, status=101, protocol="ocpp1.6", accept=None, extra=()):
    lines = ["HTTP/1.1 %d %s" % (status, "Switching Protocols" if status == 101 else "Nope")]
    if status == 101:
        lines.append("Upgrade: websocket")
        lines.append("Connection: Upgrade")
        lines.append("Sec-WebSocket-Accept: " + (accept or accept_value(key)))
        if protocol:
            lines.append("Sec-WebSocket-Protocol: " + protocol)
    lines.extend(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def client_frames(data):
    """Decodes what the client sent: a list of (fin, opcode, unmasked payload, mask)."""
    from ws import frames

    out = []
    pos = 0
    while pos < len(data):
        header = frames.parse_header(data, pos)
        start = pos + header.size
        payload = frames.apply_mask(data[start:start + header.length], header.mask)
        out.append((header.fin, header.opcode, payload, header.mask))
        pos = start + header.length
    return out


def feed(protocol, data, chunk=None):
    """receive_data in chunks of `chunk` bytes (all at once when None); the events."""
    step = chunk or len(data) or 1
    for i in range(0, len(data), step):
        protocol.receive_data(data[i:i + step])
    return protocol.events_received()


def new_protocol(**kwargs):
    return Protocol(**kwargs)
