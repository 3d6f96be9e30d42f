"""A firmware image on its way to the board: downloaded to its flash, hashed on the way and
never whole in the heap, then installed by the board (`install_firmware(path)`, which
restarts it). Shared by the security extension's SignedUpdateFirmware
(firmware.security.firmware_update) and the Firmware Management profile's UpdateFirmware
(firmware.firmware_management.update); loaded with them.
"""
import hashlib

from firmware import waits
from store.atomic import remove

IMAGE_FILE = "/firmware.bin"  # in the board's state_dir
# Polling for the transactions an installation waits for (installing restarts the station).
TRANSACTIONS_POLL_S = 5


def flash_usage(board):
    """(used, total) bytes of the board's flash (its optional flash_usage()), or None when
    the board cannot tell."""
    usage = getattr(board, "flash_usage", None)
    if usage is None:
        return None
    try:
        return usage()
    except OSError:  # the flash cannot tell
        return None


def free_flash(board):
    """Bytes a download may take once the old image is truncated: what the board's
    flash_usage() leaves free. A board without it gets no check: there an image larger than
    the flash fails at the write that finds it full (OSError), and is deleted."""
    usage = flash_usage(board)
    if usage is None:  # the flash cannot tell: the write is the check
        return None
    used, total = usage
    return max(0, total - used)


async def download_image(board, location, retries, interval_s, log):
    """The SHA-256 of the image downloaded to board.state_dir + IMAGE_FILE, or None when
    every attempt (1 + retries, interval_s apart) failed; the file of a failed one is
    deleted. An image larger than the free flash fails before it is written."""
    # Imported here: the security extension's daily flash check reads flash_usage alone.
    from transfer.files import STALL_S, TransferError, download

    path = board.state_dir + IMAGE_FILE
    for attempt in range(1 + max(0, retries)):
        if attempt:
            await waits.sleep(interval_s)
        digest = hashlib.sha256()
        try:
            with open(path, "wb") as f:
                def sink(chunk):
                    digest.update(chunk)
                    f.write(chunk)

                await download(location, sink, getattr(board, "open_connection", None),
                               stall_s=getattr(board, "transfer_stall_s", STALL_S),
                               max_bytes=free_flash(board))
            return digest.digest()
        except (TransferError, OSError) as error:
            log("firmware: download attempt %d failed: %s" % (attempt + 1, error))
            remove(path)
    return None
