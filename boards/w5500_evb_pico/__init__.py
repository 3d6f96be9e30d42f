"""WIZnet W5500-EVB-Pico (RP2040 + W5500): a one-connector DC charger controller
(docs/boards.md)."""
