// The board's network interface (network_lan.c): lwIP on the LAN9118, `network.LAN`.
#ifndef NETWORK_LAN_H
#define NETWORK_LAN_H

#include <stdint.h>

#include "mps2_an385.h"

// lwIP runs in the PendSV interrupt at the lowest priority; MicroPython's socket module masks
// that priority (and nothing above it) while it calls into lwIP (mpconfigport.h).
#define BOARD_PENDSV_PRIORITY ((1 << __NVIC_PRIO_BITS) - 1)

// Once at power-on: lwIP's memory and the interface, not yet active.
void network_lan_init(void);
// At a soft reset: the interface stops (the sockets that used it are gone with the heap).
void network_lan_deinit(void);
// From SysTick, every millisecond: runs lwIP's timers every few ticks.
void network_lan_systick(uint32_t ticks_ms);
void network_lan_irq_handler(void);
void PendSV_Handler(void);

#endif // NETWORK_LAN_H
