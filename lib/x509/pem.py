"""PEM (RFC 7468) to DER and back, on MicroPython and CPython (binascii: there is no base64
module on MicroPython, and its ssl does not load PEM)."""
import binascii


def pem_to_der(pem):
    """Every block of a PEM text (str or bytes), decoded to DER, in order."""
    if type(pem) is not str:
        pem = bytes(pem).decode()
    blocks = []
    body = None
    for line in pem.split("\n"):
        line = line.strip()
        if line.startswith("-----BEGIN "):
            body = []
        elif line.startswith("-----END "):
            if body is None:
                raise ValueError("PEM END without BEGIN")
            blocks.append(binascii.a2b_base64("".join(body)))
            body = None
        elif body is not None and line:
            body.append(line)
    if body is not None or not blocks:
        raise ValueError("no complete PEM block")
    return blocks


def der_to_pem(der, label):
    b64 = binascii.b2a_base64(der).decode().replace("\n", "")
    lines = ["-----BEGIN %s-----" % label]
    for i in range(0, len(b64), 64):
        lines.append(b64[i:i + 64])
    lines.append("-----END %s-----\n" % label)
    return "\n".join(lines)
