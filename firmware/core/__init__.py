"""The Core profile (OCPP 1.6 sections 4 and 5): registration, authorization, transactions
and their journal, status notifications, metering, availability, reset, remote start/stop,
unlock, data transfer. Each module registers its own actions and declares its own
configuration keys; firmware.station composes them. What every profile uses (configuration,
clock, connector rules, the link, the outbound queue) is one level up, in firmware/."""
