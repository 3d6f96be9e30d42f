"""The Remote Trigger profile (OCPP 1.6 section 5.17): its handler (trigger.py) is loaded for
each request (firmware.station ON_DEMAND), so an idle station holds only this name."""
PROFILE = "RemoteTrigger"
