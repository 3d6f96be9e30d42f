// The board's clock, RTC, reset and watchdog (see board.h).
#include <string.h>

#include "board.h"
#include "mps2_an385.h"
#include "network_lan.h"

// What survives a reset (board.h): the RTC and why the board reset.
#define NOINIT_MAGIC (0x4f564e31) // "OVN1"
typedef struct _board_noinit_t {
    uint32_t magic;
    uint32_t magic_inverted;
    int next_reset_cause;
    volatile uint64_t rtc_ms;
} board_noinit_t;
#define noinit (*(board_noinit_t *)BOARD_NOINIT_BOARD)

static volatile uint64_t ticks_ms;
static int reset_cause;

#define CMSDK_WATCHDOG_BASE (0x40008000)
typedef struct {
    volatile uint32_t LOAD;
    volatile uint32_t VALUE;
    volatile uint32_t CONTROL;
    volatile uint32_t INTCLR;
    volatile uint32_t RIS;
    volatile uint32_t MIS;
    uint32_t reserved[0x2f8];
    volatile uint32_t LOCK; // 0xc00
} cmsdk_watchdog_t;
#define WATCHDOG ((cmsdk_watchdog_t *)CMSDK_WATCHDOG_BASE)
#define WATCHDOG_UNLOCK (0x1acce551)
#define WATCHDOG_INTEN (1 << 0)
#define WATCHDOG_RESEN (1 << 1)
static uint32_t watchdog_load;

void board_init(void) {
    if (noinit.magic == NOINIT_MAGIC && noinit.magic_inverted == ~NOINIT_MAGIC) {
        // A reset: the RTC goes on from where it was.
        reset_cause = noinit.next_reset_cause;
    } else {
        reset_cause = BOARD_RESET_POWER_ON;
        noinit.rtc_ms = BOARD_BOOT_BLOCK->utc_s * 1000;
        noinit.magic = NOINIT_MAGIC;
        noinit.magic_inverted = ~NOINIT_MAGIC;
    }
    // A reset that does not say why (QEMU's own watchdog action, a lock-up) is a hard one.
    noinit.next_reset_cause = BOARD_RESET_HARD;

    // 1 ms ticks from the core clock, just above the lowest priority: the UARTs' receive
    // interrupts must not wait behind it, and lwIP (PendSV, the lowest, network_lan.h) must
    // not hold it up, nor mask it while the socket module calls lwIP.
    SysTick_Config(BOARD_CPU_HZ / 1000);
    NVIC_SetPriority(SysTick_IRQn, BOARD_PENDSV_PRIORITY - 1);
}

void SysTick_Handler(void) {
    ticks_ms += 1;
    noinit.rtc_ms += 1;
    network_lan_systick((uint32_t)ticks_ms);
}

int board_reset_cause(void) {
    return reset_cause;
}

void board_reset(int cause) {
    noinit.next_reset_cause = cause;
    __DSB();
    NVIC_SystemReset();
}

// Reads a counter that SysTick advances, with the part of the current millisecond: the
// counter and SysTick's down-counter are read with interrupts off, and a tick that is due
// but not yet handled is counted.
static uint64_t read_us(volatile uint64_t *ms_counter) {
    uint32_t primask = __get_PRIMASK();
    __disable_irq();
    uint64_t ms = *ms_counter;
    uint32_t left = SysTick->VAL;
    if (SCB->ICSR & SCB_ICSR_PENDSTSET_Msk) {
        ms += 1;
        left = SysTick->VAL;
    }
    __set_PRIMASK(primask);
    uint32_t reload = SysTick->LOAD;
    return ms * 1000 + (reload - left) / (BOARD_CPU_HZ / 1000000);
}

uint64_t board_ticks_ms64(void) {
    return read_us(&ticks_ms) / 1000;
}

uint64_t board_ticks_us64(void) {
    return read_us(&ticks_ms);
}

uint64_t board_rtc_ms(void) {
    return read_us(&noinit.rtc_ms) / 1000;
}

void board_rtc_set_ms(uint64_t utc_ms) {
    uint32_t primask = __get_PRIMASK();
    __disable_irq();
    noinit.rtc_ms = utc_ms;
    __set_PRIMASK(primask);
}

void board_watchdog_start(uint32_t timeout_ms) {
    // The watchdog interrupts (NMI) at the first expiry and resets at the second: the NMI
    // resets at once, so the timeout is one period; the hardware reset is the backstop.
    watchdog_load = (uint32_t)((uint64_t)timeout_ms * (BOARD_CPU_HZ / 1000));
    WATCHDOG->LOCK = WATCHDOG_UNLOCK;
    WATCHDOG->LOAD = watchdog_load;
    WATCHDOG->CONTROL = WATCHDOG_INTEN | WATCHDOG_RESEN;
    WATCHDOG->LOCK = 0;
}

void board_watchdog_feed(void) {
    WATCHDOG->LOCK = WATCHDOG_UNLOCK;
    WATCHDOG->LOAD = watchdog_load;
    WATCHDOG->LOCK = 0;
}

void NMI_Handler(void) {
    board_reset(BOARD_RESET_WATCHDOG);
}

void board_wait_for_interrupt(void) {
    __WFI();
}
