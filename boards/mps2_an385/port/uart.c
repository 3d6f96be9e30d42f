// CMSDK APB UART driver (Arm's Cortex-M System Design Kit, as QEMU's cmsdk-apb-uart models it).
#include "py/mpconfig.h"
#include "py/ringbuf.h"
#include "py/runtime.h"
#include "shared/runtime/interrupt_char.h"

#include "board.h"
#include "mps2_an385.h"
#include "uart.h"

typedef struct {
    volatile uint32_t DATA;
    volatile uint32_t STATE;
    volatile uint32_t CTRL;
    volatile uint32_t INTSTATUS; // reads the interrupts; writing 1s clears them
    volatile uint32_t BAUDDIV;
} cmsdk_uart_t;

#define STATE_TXFULL (1 << 0)
#define STATE_RXFULL (1 << 1)
#define CTRL_TXEN (1 << 0)
#define CTRL_RXEN (1 << 1)
#define CTRL_RXINTEN (1 << 3)
#define INT_RX (1 << 1)
// The CMSDK UART does not run with a divisor below 16.
#define BAUDDIV_MIN (16)

typedef struct {
    cmsdk_uart_t *regs;
    IRQn_Type rx_irq;
    ringbuf_t rx;
    bool on;
} board_uart_t;

static board_uart_t uarts[BOARD_UART_COUNT] = {
    {(cmsdk_uart_t *)0x40004000, UART0_RX_IRQn},
    {(cmsdk_uart_t *)0x40005000, UART1_RX_IRQn},
    {(cmsdk_uart_t *)0x40006000, UART2_RX_IRQn},
    {(cmsdk_uart_t *)0x40007000, UART3_RX_IRQn},
    {(cmsdk_uart_t *)0x40009000, UART4_RX_IRQn},
};

void board_uart_init(int id, uint32_t baudrate, uint8_t *rxbuf, size_t rxbuf_len) {
    board_uart_t *u = &uarts[id];
    NVIC_DisableIRQ(u->rx_irq);
    u->rx.buf = rxbuf;
    u->rx.size = rxbuf_len;
    u->rx.iget = u->rx.iput = 0;
    uint32_t div = BOARD_CPU_HZ / (baudrate ? baudrate : 1);
    u->regs->BAUDDIV = div < BAUDDIV_MIN ? BAUDDIV_MIN : div;
    u->regs->CTRL = CTRL_TXEN | CTRL_RXEN | CTRL_RXINTEN;
    u->on = true;
    NVIC_SetPriority(u->rx_irq, 1);
    NVIC_EnableIRQ(u->rx_irq);
}

void board_uart_deinit(int id) {
    board_uart_t *u = &uarts[id];
    NVIC_DisableIRQ(u->rx_irq);
    u->regs->CTRL = 0;
    u->on = false;
}

bool board_uart_is_on(int id) {
    return uarts[id].on;
}

// Moves what the UART holds into the ring buffer. When the buffer is full the byte stays in
// the UART and the receive interrupt is masked until the reader makes room: QEMU then holds
// back the next bytes (it delivers one only when the data register is empty), so nothing is
// lost on the emulator; on hardware the UART would overrun and count it.
static void uart_drain(board_uart_t *u) {
    while (u->regs->STATE & STATE_RXFULL) {
        if (ringbuf_free(&u->rx) == 0) {
            u->regs->CTRL &= ~CTRL_RXINTEN;
            return;
        }
        int c = u->regs->DATA;
        #if MICROPY_KBD_EXCEPTION
        if (u == &uarts[BOARD_UART_CONSOLE] && c == mp_interrupt_char) {
            mp_sched_keyboard_interrupt();
            continue;
        }
        #endif
        ringbuf_put(&u->rx, c);
    }
}

// The receive interrupt of every UART (startup.c): which one it is comes from IPSR.
void board_uart_rx_irq_handler(void) {
    int irq = (__get_IPSR() & 0x1ff) - 16;
    for (int id = 0; id < BOARD_UART_COUNT; ++id) {
        board_uart_t *u = &uarts[id];
        if (u->rx_irq == irq) {
            u->regs->INTSTATUS = INT_RX;
            uart_drain(u);
        }
    }
}

size_t board_uart_rx_any(int id) {
    board_uart_t *u = &uarts[id];
    return ringbuf_avail(&u->rx) + ((u->regs->STATE & STATE_RXFULL) ? 1 : 0);
}

int board_uart_rx_char(int id) {
    board_uart_t *u = &uarts[id];
    NVIC_DisableIRQ(u->rx_irq);
    int c = ringbuf_get(&u->rx);
    // Room again: take what waited in the UART and let the interrupt run.
    uart_drain(u);
    if (c < 0) {
        c = ringbuf_get(&u->rx);
    }
    u->regs->CTRL |= CTRL_RXINTEN;
    NVIC_EnableIRQ(u->rx_irq);
    return c;
}

bool board_uart_tx_ready(int id) {
    return !(uarts[id].regs->STATE & STATE_TXFULL);
}

void board_uart_tx_char(int id, uint8_t c) {
    cmsdk_uart_t *regs = uarts[id].regs;
    while (regs->STATE & STATE_TXFULL) {
    }
    regs->DATA = c;
}
