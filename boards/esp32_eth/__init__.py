"""ESP32 with a LAN8720 RMII PHY (Olimex ESP32-POE-ISO): a one-connector DC charger
controller (docs/boards.md)."""
