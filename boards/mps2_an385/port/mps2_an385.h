// The device header CMSIS's core_cm3.h needs: the AN385 FPGA image's interrupt numbers
// (Arm's AN385 application note, as QEMU's mps2-an385 wires them) and the core's options.
#ifndef MPS2_AN385_H
#define MPS2_AN385_H

typedef enum IRQn {
    NonMaskableInt_IRQn = -14,
    HardFault_IRQn = -13,
    MemoryManagement_IRQn = -12,
    BusFault_IRQn = -11,
    UsageFault_IRQn = -10,
    SVCall_IRQn = -5,
    DebugMonitor_IRQn = -4,
    PendSV_IRQn = -2,
    SysTick_IRQn = -1,
    UART0_RX_IRQn = 0,
    UART0_TX_IRQn = 1,
    UART1_RX_IRQn = 2,
    UART1_TX_IRQn = 3,
    UART2_RX_IRQn = 4,
    UART2_TX_IRQn = 5,
    UART_OVERFLOW_IRQn = 12, // UART0-2 overrun, combined
    ETHERNET_IRQn = 13,
    UART3_RX_IRQn = 18,
    UART3_TX_IRQn = 19,
    UART4_RX_IRQn = 20,
    UART4_TX_IRQn = 21,
} IRQn_Type;

#define BOARD_NUM_IRQS (32)

#define __CM3_REV 0x0201
#define __MPU_PRESENT 1
#define __NVIC_PRIO_BITS 3
#define __Vendor_SysTickConfig 0

#include "lib/cmsis/inc/core_cm3.h"

#endif // MPS2_AN385_H
