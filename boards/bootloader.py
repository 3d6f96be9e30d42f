"""What the boards' bootloaders check of a firmware image before they boot it, and the version
it then runs: the image's first line "version=X" gives X. A bootloader that verifies what it
boots (a board with accepts_unsigned_firmware) refuses an image without that line; one that
boots only signed images (verified before by SignedUpdateFirmware) takes it and names it by
the start of its SHA-256.
"""
import hashlib

_VERSION = b"version="


def image_version(path, version_line_required):
    """The version the image at `path` runs as; ValueError when the bootloader refuses it
    (the old firmware runs on)."""
    with open(path, "rb") as f:
        first = f.readline(80).strip()
        if first.startswith(_VERSION):
            return first[len(_VERSION):].decode()
        if version_line_required:
            raise ValueError("the bootloader refused the image: no version line")
        f.seek(0)
        digest = hashlib.sha256()
        chunk = f.read(512)
        while chunk:
            digest.update(chunk)
            chunk = f.read(512)
    return "sha256:" + digest.digest().hex()[:12]
