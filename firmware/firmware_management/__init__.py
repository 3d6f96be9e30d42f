"""The Firmware Management profile (OCPP 1.6 sections 4.4, 4.5, 5.9, 5.19;
docs/firmware_management.md). Nothing of it stays loaded: each request's code is loaded for
it (firmware.station ON_DEMAND), and a running update or upload is held by a task."""
