"""What the board packages for real controllers share (boards/w5500_evb_pico,
boards/esp32_eth; the emulated boards/mps2_an385 takes its console and provisioning from
here too): the provisioning file, Ethernet bring-up and link watching, a DC connector's I/O
(contactor with feedback, fault inputs, temperature derating, its Modbus meter), the
watchdog's health check, and the start-up that builds the station and the field console.
Each module imports `machine` or `network` only where a board hands them in.
"""
