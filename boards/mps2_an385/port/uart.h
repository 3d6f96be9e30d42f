// The board's five CMSDK APB UARTs: UART0 is the console (the REPL), UART1-4 are
// machine.UART(1)...(4). Received bytes go into a ring buffer from the receive interrupt.
#ifndef BOARD_UART_H
#define BOARD_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOARD_UART_COUNT (5)
#define BOARD_UART_CONSOLE (0)

// Starts UART `id` with `rxbuf` (kept alive by the caller) as its receive buffer.
void board_uart_init(int id, uint32_t baudrate, uint8_t *rxbuf, size_t rxbuf_len);
void board_uart_deinit(int id);
bool board_uart_is_on(int id);
// Bytes received and not yet read.
size_t board_uart_rx_any(int id);
// The next byte received, or -1 when there is none.
int board_uart_rx_char(int id);
// True when the transmitter takes a byte now.
bool board_uart_tx_ready(int id);
void board_uart_tx_char(int id, uint8_t c);
void board_uart_rx_irq_handler(void);
// machine_uart_cmsdk.c
void machine_uart_deinit_all(void);

#endif // BOARD_UART_H
