// MicroPython's configuration for the board. Begun as a copy of the qemu port's
// mpconfigport.h (Debian's MicroPython 1.25 source), whose defines cannot be changed from
// the command line; what a station controller needs is added: time with a millisecond
// clock and an RTC, select, asyncio, machine.UART and WDT, os.urandom, littlefs and ROMFS,
// TLS with its buffers in the GC heap.
#include <stdint.h>

#define MICROPY_CONFIG_ROM_LEVEL    (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

#define MICROPY_EMIT_THUMB          (1)
#define MICROPY_EMIT_INLINE_THUMB   (1)
#define MICROPY_MAKE_POINTER_CALLABLE(p) ((void *)((mp_uint_t)(p) | 1))

// Memory: the GC heap is the board's budget (tools/build_board.sh sets it: 128 KB, or 192 KB
// for the security cases). The C stack is what a microcontroller's main task gets (16 KB,
// mps2_an385.ld); Python code may use it down to 1 KB from its end.
#ifndef MICROPY_HEAP_SIZE
#define MICROPY_HEAP_SIZE           (128 * 1024)
#endif
#define MICROPY_STACK_CHECK_MARGIN  (1024)
#define MICROPY_ENABLE_GC           (1)
#define MICROPY_MALLOC_USES_ALLOCATED_SIZE (1)
#define MICROPY_MEM_STATS           (1)
#define MICROPY_ENABLE_EMERGENCY_EXCEPTION_BUF (1)
#define MICROPY_EMERGENCY_EXCEPTION_BUF_SIZE (256)
#define MICROPY_TRACKED_ALLOC       (MICROPY_SSL_MBEDTLS)

#define MICROPY_PERSISTENT_CODE_LOAD (1)
#define MICROPY_LONGINT_IMPL        (MICROPY_LONGINT_IMPL_MPZ)
#define MICROPY_FLOAT_IMPL          (MICROPY_FLOAT_IMPL_FLOAT)
#define MICROPY_WARNINGS            (1)
#define MICROPY_PY_SYS_PLATFORM     "mps2-an385"
#define MICROPY_HW_BOARD_NAME       "MPS2-AN385 (QEMU)"
#define MICROPY_HW_MCU_NAME         "Cortex-M3"

// Files: littlefs on the flash at /, the station's ROMFS partition at /rom (main.c, _boot.py).
#define MICROPY_VFS                 (1)
#define MICROPY_READER_VFS          (1)
#define MICROPY_VFS_ROM             (1)
#define MICROPY_VFS_ROM_IOCTL       (1)
#define MICROPY_ALLOC_PATH_MAX      (256)
#define MICROPY_PY_OS_INCLUDEFILE   "os_urandom.c"
#define MICROPY_PY_OS_URANDOM       (1)
#define MICROPY_PY_OS_UNAME         (1)
#define MICROPY_PY_OS_SYNC          (1)
#define MICROPY_PY_RANDOM_SEED_INIT_FUNC (random_seed_init())

// Time: ticks from SysTick, UTC from the RTC (board.c), the Unix epoch as on unix and rp2.
#define MICROPY_PY_TIME             (1)
#define MICROPY_PY_TIME_TIME_TIME_NS (1)
#define MICROPY_PY_TIME_GMTIME_LOCALTIME_MKTIME (1)
#define MICROPY_PY_TIME_INCLUDEFILE "time_rtc.c"
#define MICROPY_EPOCH_IS_1970       (1)

#define MICROPY_PY_SELECT           (1)

// The network: lwIP (MICROPY_PY_LWIP, set by the Makefile) on the LAN9118, as network.LAN
// (network_lan.c); `socket` is MicroPython's lwIP socket module. It calls lwIP between
// these, which keep lwIP's interrupt (PendSV) out (network_lan.c).
#define MICROPY_PY_NETWORK          (1)
#define MICROPY_PY_NETWORK_HOSTNAME_DEFAULT "openvolt-station"
#define MICROPY_PORT_NETWORK_INTERFACES \
    { MP_ROM_QSTR(MP_QSTR_LAN), MP_ROM_PTR(&network_lan_type) },
extern const struct _mp_obj_type_t network_lan_type;
uint32_t board_lwip_lock(void);
void board_lwip_unlock(uint32_t state);
#define MICROPY_PY_LWIP_ENTER       uint32_t lwip_lock_state = board_lwip_lock();
#define MICROPY_PY_LWIP_REENTER     lwip_lock_state = board_lwip_lock();
#define MICROPY_PY_LWIP_EXIT        board_lwip_unlock(lwip_lock_state);
#define MICROPY_PY_ASYNCIO          (1)
#define MICROPY_PY_HASHLIB_SHA1     (MICROPY_SSL_MBEDTLS)
#define MICROPY_PY_HASHLIB_MD5      (MICROPY_SSL_MBEDTLS)
#define MICROPY_PY_FRAMEBUF         (0)

#define MICROPY_PY_MACHINE          (1)
#define MICROPY_PY_MACHINE_INCLUDEFILE "machine_board.c"
#define MICROPY_PY_MACHINE_RESET    (1)
#define MICROPY_PY_MACHINE_PIN_BASE (1)
#define MICROPY_PY_MACHINE_UART     (1)
#define MICROPY_PY_MACHINE_UART_INCLUDEFILE "machine_uart_cmsdk.c"
#define MICROPY_PY_MACHINE_UART_CLASS_CONSTANTS
#define MICROPY_PY_MACHINE_WDT      (1)
#define MICROPY_PY_MACHINE_WDT_INCLUDEFILE "machine_wdt_cmsdk.c"
#define MICROPY_PY_MACHINE_EXTRA_GLOBALS \
    { MP_ROM_QSTR(MP_QSTR_PWRON_RESET), MP_ROM_INT(BOARD_RESET_POWER_ON) }, \
    { MP_ROM_QSTR(MP_QSTR_HARD_RESET), MP_ROM_INT(BOARD_RESET_HARD) }, \
    { MP_ROM_QSTR(MP_QSTR_WDT_RESET), MP_ROM_INT(BOARD_RESET_WATCHDOG) },

// Ctrl-C on the console interrupts the running code (uart.c), through the scheduler.
#define MICROPY_KBD_EXCEPTION       (1)
#define MICROPY_ENABLE_SCHEDULER    (1)

// Waiting (select, sleep, the REPL) sleeps the CPU until the next interrupt.
#define MICROPY_INTERNAL_WFE(TIMEOUT_MS) board_wait_for_interrupt()
#define MICROPY_BEGIN_ATOMIC_SECTION() board_disable_irq()
#define MICROPY_END_ATOMIC_SECTION(state) board_enable_irq(state)

#define MP_SSIZE_MAX (0x7fffffff)
#define UINT_FMT "%lu"
#define INT_FMT "%ld"
typedef int32_t mp_int_t; // must be pointer size
typedef uint32_t mp_uint_t; // must be pointer size
typedef long mp_off_t;

#include <alloca.h>

// We need an implementation of the log2 function which is not a macro.
#define MP_NEED_LOG2 (1)

#define MP_STATE_PORT MP_STATE_VM

uint32_t random_seed_init(void);
void board_wait_for_interrupt(void);

static inline uint32_t board_disable_irq(void) {
    uint32_t state;
    __asm volatile ("mrs %0, primask\n cpsid i" : "=r" (state) : : "memory");
    return state;
}

static inline void board_enable_irq(uint32_t state) {
    __asm volatile ("msr primask, %0" : : "r" (state) : "memory");
}
