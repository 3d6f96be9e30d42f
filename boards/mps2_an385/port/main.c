// The board's firmware: start the hardware, then MicroPython as a board runs it: ROMFS at
// /rom (mp_init), the flash at / (_boot.py, frozen), boot.py and main.py from the flash or
// frozen, then the REPL on the console. Ctrl-D at the REPL is a soft reset.
#include "py/compile.h"
#include "py/cstack.h"
#include "py/gc.h"
#include "py/mphal.h"
#include "py/runtime.h"
#include "py/stackctrl.h"
#include "shared/readline/readline.h"
#include "shared/runtime/gchelper.h"
#include "shared/runtime/pyexec.h"

#include "extmod/modnetwork.h"

#include "board.h"
#include "network_lan.h"
#include "random.h"
#include "uart.h"

extern char _sstack[], _estack[];

static uint32_t gc_heap[MICROPY_HEAP_SIZE / sizeof(uint32_t)];

int main(void) {
    board_init();
    random_init(board_reset_cause() == BOARD_RESET_POWER_ON);
    mp_hal_console_init();
    mp_cstack_init_with_top(_estack, _estack - _sstack);
    gc_init(gc_heap, (char *)gc_heap + sizeof(gc_heap));
    // lwIP's memory is static and lives across soft resets, as its interface does.
    network_lan_init();

    for (;;) {
        mp_init();
        mod_network_init();
        // Where `mpremote mip install` puts libraries, after the frozen modules and /rom.
        mp_obj_list_append(mp_sys_path, MP_OBJ_NEW_QSTR(MP_QSTR__slash_lib));
        readline_init0();
        pyexec_frozen_module("_boot.py", false);
        int ret = pyexec_file_if_exists("boot.py");
        if (ret & PYEXEC_FORCED_EXIT) {
            goto soft_reset_exit;
        }
        if (pyexec_mode_kind == PYEXEC_MODE_FRIENDLY_REPL && ret != 0) {
            ret = pyexec_file_if_exists("main.py");
            if (ret & PYEXEC_FORCED_EXIT) {
                goto soft_reset_exit;
            }
        }
        for (;;) {
            if (pyexec_mode_kind == PYEXEC_MODE_RAW_REPL) {
                if (pyexec_raw_repl() != 0) {
                    break;
                }
            } else {
                if (pyexec_friendly_repl() != 0) {
                    break;
                }
            }
        }
    soft_reset_exit:
        mp_printf(MP_PYTHON_PRINTER, "MPY: soft reboot\n");
        machine_uart_deinit_all();
        // The sockets' finalisers close them in lwIP, then the interface stops: nothing
        // received may reach the heap's objects once they are gone.
        gc_sweep_all();
        network_lan_deinit();
        mp_deinit();
    }
}

void gc_collect(void) {
    gc_collect_start();
    gc_helper_collect_regs_and_stack();
    gc_collect_end();
}

void nlr_jump_fail(void *val) {
    mp_printf(&mp_plat_print, "FATAL: uncaught NLR %p, resetting\n", val);
    board_reset(BOARD_RESET_HARD);
}

uint32_t random_seed_init(void) {
    uint32_t seed;
    random_bytes((uint8_t *)&seed, sizeof(seed));
    return seed;
}
