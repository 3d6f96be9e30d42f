// MicroPython's hardware abstraction for the board (mphalport.c).
#ifndef MICROPY_INCLUDED_MPS2_AN385_MPHALPORT_H
#define MICROPY_INCLUDED_MPS2_AN385_MPHALPORT_H

#include "shared/runtime/interrupt_char.h"

#include "board.h"

void mp_hal_console_init(void);

static inline mp_uint_t mp_hal_ticks_ms(void) {
    return (mp_uint_t)board_ticks_ms64();
}

static inline mp_uint_t mp_hal_ticks_us(void) {
    return (mp_uint_t)board_ticks_us64();
}

// QEMU models no cycle counter (DWT): microseconds stand in for cycles.
static inline mp_uint_t mp_hal_ticks_cpu(void) {
    return (mp_uint_t)board_ticks_us64();
}

static inline uint64_t mp_hal_time_ns(void) {
    return board_rtc_ms() * 1000000ULL;
}

#endif // MICROPY_INCLUDED_MPS2_AN385_MPHALPORT_H
