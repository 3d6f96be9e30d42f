"""The Remote Trigger profile (OCPP 1.6 section 5.17, firmware.station PROFILES): its handler
(trigger.py) is loaded for each request (firmware.station ON_DEMAND) and unloaded after it,
so an idle station holds none of it."""
