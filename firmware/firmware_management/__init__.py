"""The Firmware Management profile (OCPP 1.6 sections 5.9, 5.19; docs/firmware_management.md):
so far GetDiagnostics (diagnostics.py, the file it uploads: diagnostics_file.py), loaded for
each request (firmware.station ON_DEMAND) and unloaded after it. An idle station holds
nothing of this package; a running upload's task is kept in `station.diagnostics`, a holder
that empties when the upload ends. Not yet in SupportedFeatureProfiles: UpdateFirmware is
still missing."""
