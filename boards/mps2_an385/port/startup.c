// The Cortex-M3's vector table and reset: set up RAM, then main().
#include <stdint.h>

#include "board.h"
#include "mps2_an385.h"
#include "network_lan.h"
#include "uart.h"

extern uint32_t _estack, _sbss, _ebss;
int main(void);
void SysTick_Handler(void);
void NMI_Handler(void);

// The firmware runs from RAM where QEMU's loader puts it, .data included, at power-on and
// at every reset: only .bss needs clearing.
void Reset_Handler(void) {
    for (uint32_t *dest = &_sbss; dest < &_ebss;) {
        *dest++ = 0;
    }
    main();
    board_reset(BOARD_RESET_HARD);
}

static void fault_print(const char *s) {
    while (*s) {
        board_uart_tx_char(BOARD_UART_CONSOLE, *s++);
    }
}

// A fault is a bug in the firmware: say so on the console and reset, as a board's
// fault handler would rather than hang.
static void Fault_Handler(void) {
    fault_print("\r\nFATAL: CPU fault, resetting\r\n");
    board_reset(BOARD_RESET_HARD);
}

static void Unused_Handler(void) {
    fault_print("\r\nFATAL: unexpected interrupt, resetting\r\n");
    board_reset(BOARD_RESET_HARD);
}

typedef void (*vector_t)(void);

const vector_t vector_table[16 + BOARD_NUM_IRQS] __attribute__((section(".isr_vector"), used)) = {
    (vector_t)&_estack,
    Reset_Handler,
    NMI_Handler,
    Fault_Handler, // HardFault
    Fault_Handler, // MemManage
    Fault_Handler, // BusFault
    Fault_Handler, // UsageFault
    0, 0, 0, 0,
    Unused_Handler, // SVCall
    Unused_Handler, // DebugMonitor
    0,
    PendSV_Handler, // lwIP (network_lan.c)
    SysTick_Handler,
    [16 + UART0_RX_IRQn] = board_uart_rx_irq_handler,
    [16 + UART1_RX_IRQn] = board_uart_rx_irq_handler,
    [16 + UART2_RX_IRQn] = board_uart_rx_irq_handler,
    [16 + UART3_RX_IRQn] = board_uart_rx_irq_handler,
    [16 + UART4_RX_IRQn] = board_uart_rx_irq_handler,
    [16 + ETHERNET_IRQn] = network_lan_irq_handler,
};
