// The machine module's board functions (included by extmod/modmachine.c).
#include "board.h"

static void mp_machine_idle(void) {
    board_wait_for_interrupt();
}

// A hard reset of the board: RAM is kept, so the RTC goes on (board.c); the host's
// emulator stays up, with the same console.
NORETURN static void mp_machine_reset(void) {
    board_reset(BOARD_RESET_HARD);
}

static mp_int_t mp_machine_reset_cause(void) {
    return board_reset_cause();
}
