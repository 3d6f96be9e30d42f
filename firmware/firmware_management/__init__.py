"""The Firmware Management profile (OCPP 1.6 sections 4.4, 4.5, 5.9, 5.19;
docs/firmware_management.md): UpdateFirmware (update.py, the image itself shared with the
security extension: firmware.firmware_image) and GetDiagnostics (diagnostics.py, the file it
uploads: diagnostics_file.py), each loaded for its request (firmware.station ON_DEMAND) and
unloaded after it. An idle station holds nothing of this package; a running upload's task is
kept in `station.diagnostics`, a running update's in the security extension's `updates` (one
image file for both kinds of update), each a holder that empties when its task ends.
"""
