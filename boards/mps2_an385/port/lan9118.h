// The board's Ethernet controller: an SMSC LAN9118 (MAC and PHY in one chip) on the
// static-memory bus at 0x40200000, its interrupt line on IRQ 13 (mps2_an385.h). QEMU's
// mps2-an385 models it (hw/net/lan9118.c); the register map is the datasheet's. This layer
// knows the chip only, not lwIP: frames in, frames out, the link.
#ifndef LAN9118_H
#define LAN9118_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// The largest frame the driver moves: 1514 bytes of Ethernet frame without its CRC.
#define LAN9118_MAX_FRAME (1514)

// Resets the chip and its PHY, reads the MAC address the chip loaded from its EEPROM into
// `mac`, and starts the MAC's transmitter and receiver. False when no LAN9118 answers.
bool lan9118_init(uint8_t mac[6]);

// Stops the receiver and transmitter and masks the chip's interrupt (the soft reset and
// active(False)): nothing more is received until lan9118_init again.
void lan9118_stop(void);

// True while the PHY reports a link (its basic status register's link bit).
bool lan9118_link_up(void);

// Queues one frame for sending; false (the frame dropped, as a full queue drops it) when
// the transmit FIFO has no room for it.
bool lan9118_send(const uint8_t *frame, size_t len);

// Takes the next received frame into `buf` (at least LAN9118_MAX_FRAME bytes): its length
// without the CRC, 0 when none is waiting, or -1 when a bad or oversized frame was dropped.
int lan9118_receive(uint8_t *buf);

// The chip raises its interrupt line (level, active high) while a received frame waits or
// the PHY's link has changed: lan9118_irq_ack clears both causes, and says whether the
// link changed; frames that arrive after it raise the line again.
bool lan9118_irq_ack(void);

#endif // LAN9118_H
