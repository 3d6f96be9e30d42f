// The emulated board: QEMU's mps2-an385 (Arm MPS2 FPGA board, AN385 image: Cortex-M3 at
// 25 MHz, CMSDK peripherals), as this firmware uses it.
//
// Memory map (QEMU 7.2, `info mtree`):
//   0x00000000  4 MB  SSRAM1: code, data, GC heap, C stack (the MCU's internal memory)
//   0x01000000 16 KB  block RAM: the host's boot block (below), written by QEMU's loader,
//                     and what survives a reset of the board (BOARD_NOINIT)
//   0x21000000 16 MB  PSRAM, backed by a file on the host (`-machine mps2-an385,memory-backend=
//                     flash -object memory-backend-file,id=flash,mem-path=FILE,size=16M,
//                     share=on`): the board's flash, kept across power cuts
//   0x40004000...     CMSDK UART0-4, 0x40008000 watchdog
#ifndef BOARD_H
#define BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOARD_CPU_HZ (25000000)

// The flash: a ROM partition (a ROMFS image, run in place: `vfs.rom_ioctl`, mounted at /rom)
// and the filesystem partition (littlefs, mounted at /). 2 MB each, as a controller module
// with 4 MB of flash has; the rest of the 16 MB is not used.
#define BOARD_FLASH_BASE (0x21000000)
#define BOARD_ROMFS_BASE (BOARD_FLASH_BASE)
#define BOARD_ROMFS_SIZE (2 * 1024 * 1024)
#define BOARD_FS_BASE (BOARD_FLASH_BASE + BOARD_ROMFS_SIZE)
#define BOARD_FS_SIZE (2 * 1024 * 1024)
// NOR flash is erased in 4 KB sectors: littlefs's block.
#define BOARD_FS_BLOCK_SIZE (4096)

// What the host gives the board at power-on, written into block RAM by QEMU's generic loader
// before the CPU starts (the runner, host_tests/board/emulator.py):
//   -device loader,addr=0x01000000,data=<UTC Unix seconds>,data-len=8
//   -device loader,addr=0x01000008,data=<64 random bits>,data-len=8   (x4: up to 0x01000020)
// A real board has a battery-backed RTC for the first and a hardware random generator for
// the second. Zero means "not given": the clock then counts from 1970 at power-on, and the
// random generator says it is unseeded (mps2.entropy_seeded()).
typedef struct _board_boot_block_t {
    uint64_t utc_s;
    uint8_t seed[32];
} board_boot_block_t;
#define BOARD_BOOT_BLOCK ((volatile board_boot_block_t *)0x01000000)

// What must survive a reset of the board but not a power cut (the RTC, the random
// generator's key) lives in block RAM past the boot block: QEMU keeps RAM across a reset,
// but writes the firmware's ELF image -- its .bss zero-filled -- again at every reset, and
// a new process starts with RAM zeroed, as a power-on does.
#define BOARD_NOINIT_BOARD (0x01000100)
#define BOARD_NOINIT_RANDOM (0x01000200)

// Why the board started, as machine.reset_cause() reports it.
enum {
    BOARD_RESET_POWER_ON = 1,
    BOARD_RESET_HARD = 2, // machine.reset(), a fatal error
    BOARD_RESET_WATCHDOG = 3,
};

void board_init(void);
int board_reset_cause(void);
void board_reset(int cause) __attribute__((noreturn));

// Milliseconds and microseconds since the board started (SysTick at 1 kHz).
uint64_t board_ticks_ms64(void);
uint64_t board_ticks_us64(void);

// The RTC: UTC in milliseconds since 1970. Kept across a reset of the board (in memory that
// the startup code does not clear), set again by the host only at power-on.
uint64_t board_rtc_ms(void);
void board_rtc_set_ms(uint64_t utc_ms);

// The watchdog (CMSDK APB watchdog): started once, cannot be stopped; a timeout resets.
void board_watchdog_start(uint32_t timeout_ms);
void board_watchdog_feed(void);

// Waits for an interrupt (SysTick ends the wait within 1 ms).
void board_wait_for_interrupt(void);

#endif // BOARD_H
