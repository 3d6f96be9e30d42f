"""A firmware image that cannot be used leaves nothing in the board's flash (issue 16, "File
transfers"): one announced larger than the free flash (the board's flash_usage()) fails
before it is written, one whose connection ends before its Content-Length fails, one whose
signature does not verify is deleted. The station as in test_tc_firmware_update.py, the
misbehaving servers raw TCP on loopback (file_servers.RawServer)."""
import os

from boards.sim.board import FLASH_BYTES
from file_servers import HttpServer, RawServer
from tc import CentralThread, booted, security_station
from test_tc_firmware_update import Update, sign, statuses

KB = b"x" * 1024
OK = "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n"


def image_file(station):
    return os.path.join(station.state, "flash", "firmware.bin")


def test_an_image_over_the_free_flash_or_cut_short_fails_and_leaves_no_file(tmp_path):
    over = (OK % (FLASH_BYTES + 1)).encode()
    with RawServer(over, KB, 64 * 1024) as too_big, \
            RawServer((OK % 20000).encode(), KB, 3 * 1024) as cut_short, \
            CentralThread(heartbeat_interval_s=300) as cs, security_station(cs) as station:
        update = Update(cs, booted(cs), str(tmp_path))
        for request_id, server in ((11, too_big), (12, cut_short)):
            assert update.request(server.url("http"), request_id=request_id, retries=0) == \
                "Accepted"
            assert statuses(cs, request_id, 2) == ["Downloading", "DownloadFailed"]
            assert not os.path.exists(image_file(station))
        assert any("a file of %d bytes" % (FLASH_BYTES + 1) in line for line in station.lines)
        assert any("after 3072 of 20000 bytes" in line for line in station.lines)
        assert station.alive


def test_an_image_whose_signature_does_not_verify_is_deleted(tmp_path):
    with HttpServer(str(tmp_path)) as web, CentralThread(heartbeat_interval_s=300) as cs, \
            security_station(cs) as station:
        update = Update(cs, booted(cs), str(tmp_path))
        wrong = sign(update.signer, update.image + b"tampered")
        assert update.request(web.url("/fw.bin"), request_id=13, signature=wrong) == "Accepted"
        assert statuses(cs, 13, 3) == ["Downloading", "Downloaded", "InvalidSignature"]
        assert not os.path.exists(image_file(station))
        assert station.alive
