// machine.WDT on the CMSDK watchdog (included by extmod/machine_wdt.c): once started it
// cannot be stopped; a timeout resets the board (machine.reset_cause() == machine.WDT_RESET).
#include "board.h"

struct _machine_wdt_obj_t {
    mp_obj_base_t base;
};

static const machine_wdt_obj_t machine_wdt = {{&machine_wdt_type}};

static machine_wdt_obj_t *mp_machine_wdt_make_new_instance(mp_int_t id, mp_int_t timeout_ms) {
    if (id != 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("WDT(0) only"));
    }
    // The counter is 32 bits at 25 MHz: at most 171 s.
    if (timeout_ms < 1 || timeout_ms > 171000) {
        mp_raise_ValueError(MP_ERROR_TEXT("timeout 1 to 171000 ms"));
    }
    board_watchdog_start(timeout_ms);
    return (machine_wdt_obj_t *)&machine_wdt;
}

static void mp_machine_wdt_feed(machine_wdt_obj_t *self) {
    board_watchdog_feed();
}
