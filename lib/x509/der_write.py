"""DER encoding (X.690) of the few types a certificate signing request needs."""
from x509.der import BIT_STRING, INTEGER, OID, SEQUENCE, SET

UTF8_STRING = 0x0C


def _bytes_for(value):
    # MicroPython's int has no bit_length().
    count = 1
    while value >> (8 * count):
        count += 1
    return count


def encode(tag, content):
    length = len(content)
    if length < 0x80:
        head = bytes((tag, length))
    else:
        size = _bytes_for(length)
        head = bytes((tag, 0x80 | size)) + length.to_bytes(size, "big")
    return head + content


def sequence(*parts):
    return encode(SEQUENCE, b"".join(parts))


def set_of(*parts):
    return encode(SET, b"".join(parts))


def integer(value):
    """A non-negative INTEGER (a leading zero byte keeps the top bit clear)."""
    content = value.to_bytes(_bytes_for(value), "big")
    if content[0] & 0x80:
        content = b"\x00" + content
    return encode(INTEGER, content)


def oid(dotted):
    numbers = [int(n) for n in dotted.split(".")]
    content = bytes([40 * numbers[0] + numbers[1]])
    for number in numbers[2:]:
        chunk = [number & 0x7F]  # base 128, most significant first, high bit = more
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7F))
            number >>= 7
        content += bytes(reversed(chunk))
    return encode(OID, content)


def bit_string(data):
    return encode(BIT_STRING, b"\x00" + data)


def utf8_string(text):
    return encode(UTF8_STRING, text.encode())
