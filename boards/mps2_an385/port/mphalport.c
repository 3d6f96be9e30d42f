// MicroPython's hardware abstraction: the console on UART0, delays.
#include "py/mphal.h"
#include "py/runtime.h"
#include "py/stream.h"

#include "uart.h"

// Big enough for mpremote's raw-paste window (256 bytes) and a pasted line.
static uint8_t console_rxbuf[512];

void mp_hal_console_init(void) {
    board_uart_init(BOARD_UART_CONSOLE, 115200, console_rxbuf, sizeof(console_rxbuf));
}

uintptr_t mp_hal_stdio_poll(uintptr_t poll_flags) {
    uintptr_t ready = 0;
    if ((poll_flags & MP_STREAM_POLL_RD) && board_uart_rx_any(BOARD_UART_CONSOLE)) {
        ready |= MP_STREAM_POLL_RD;
    }
    if ((poll_flags & MP_STREAM_POLL_WR) && board_uart_tx_ready(BOARD_UART_CONSOLE)) {
        ready |= MP_STREAM_POLL_WR;
    }
    return ready;
}

int mp_hal_stdin_rx_chr(void) {
    for (;;) {
        int c = board_uart_rx_char(BOARD_UART_CONSOLE);
        if (c >= 0) {
            return c;
        }
        mp_event_wait_indefinite();
    }
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        board_uart_tx_char(BOARD_UART_CONSOLE, str[i]);
    }
    return len;
}

void mp_hal_delay_ms(mp_uint_t ms) {
    mp_uint_t start = mp_hal_ticks_ms();
    while (mp_hal_ticks_ms() - start < ms) {
        mp_event_wait_ms(ms - (mp_hal_ticks_ms() - start));
    }
}

void mp_hal_delay_us(mp_uint_t us) {
    mp_uint_t start = mp_hal_ticks_us();
    while (mp_hal_ticks_us() - start < us) {
    }
}
