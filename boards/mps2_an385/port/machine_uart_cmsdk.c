// machine.UART(1)...(4) on the board's CMSDK UARTs (included by extmod/machine_uart.c);
// UART0 is the console. Reads and writes do not block past `timeout` (first byte) and
// `timeout_char` (between bytes), both 0 by default: a read with nothing received raises
// EAGAIN (None from read()), so the object works polled and with asyncio's streams.
// QEMU's UARTs move bytes without a line rate and ignore the framing: `baudrate`, `bits`,
// `parity` and `stop` are kept for what a real board would set.
#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/stream.h"

#include "uart.h"

#define DEFAULT_BAUDRATE (115200)
#define DEFAULT_RXBUF (512)

struct _machine_uart_obj_t {
    mp_obj_base_t base;
    uint8_t id;
    uint32_t baudrate;
    uint16_t timeout;
    uint16_t timeout_char;
    uint16_t rxbuf_len;
    uint8_t *rxbuf;
};

MP_REGISTER_ROOT_POINTER(struct _machine_uart_obj_t *machine_uart_obj_all[BOARD_UART_COUNT]);

static void mp_machine_uart_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    machine_uart_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "UART(%u, baudrate=%u, timeout=%u, timeout_char=%u, rxbuf=%u)",
        self->id, self->baudrate, self->timeout, self->timeout_char, self->rxbuf_len);
}

static void mp_machine_uart_init_helper(machine_uart_obj_t *self, size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_baudrate, ARG_bits, ARG_parity, ARG_stop, ARG_timeout, ARG_timeout_char, ARG_rxbuf };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_baudrate, MP_ARG_INT, {.u_int = -1} },
        { MP_QSTR_bits, MP_ARG_INT, {.u_int = 8} },
        { MP_QSTR_parity, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_stop, MP_ARG_INT, {.u_int = 1} },
        { MP_QSTR_timeout, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = -1} },
        { MP_QSTR_timeout_char, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = -1} },
        { MP_QSTR_rxbuf, MP_ARG_KW_ONLY | MP_ARG_INT, {.u_int = -1} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);

    if (args[ARG_bits].u_int != 8 || args[ARG_parity].u_obj != mp_const_none || args[ARG_stop].u_int != 1) {
        mp_raise_ValueError(MP_ERROR_TEXT("8N1 only"));
    }
    if (args[ARG_baudrate].u_int > 0) {
        self->baudrate = args[ARG_baudrate].u_int;
    }
    if (args[ARG_timeout].u_int >= 0) {
        self->timeout = args[ARG_timeout].u_int;
    }
    if (args[ARG_timeout_char].u_int >= 0) {
        self->timeout_char = args[ARG_timeout_char].u_int;
    }
    if (args[ARG_rxbuf].u_int >= 0) {
        if (args[ARG_rxbuf].u_int < 16 || args[ARG_rxbuf].u_int > 65535) {
            mp_raise_ValueError(MP_ERROR_TEXT("rxbuf 16 to 65535"));
        }
        if (args[ARG_rxbuf].u_int != self->rxbuf_len) {
            board_uart_deinit(self->id);
            self->rxbuf = m_new(uint8_t, args[ARG_rxbuf].u_int);
            self->rxbuf_len = args[ARG_rxbuf].u_int;
        }
    }
    board_uart_init(self->id, self->baudrate, self->rxbuf, self->rxbuf_len);
}

static mp_obj_t mp_machine_uart_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, MP_OBJ_FUN_ARGS_MAX, true);
    mp_int_t id = mp_obj_get_int(args[0]);
    if (id == BOARD_UART_CONSOLE) {
        mp_raise_ValueError(MP_ERROR_TEXT("UART(0) is the console"));
    }
    if (id < 1 || id >= BOARD_UART_COUNT) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("UART(%d) doesn't exist"), id);
    }
    machine_uart_obj_t *self = MP_STATE_PORT(machine_uart_obj_all)[id];
    if (self == NULL) {
        self = mp_obj_malloc(machine_uart_obj_t, &machine_uart_type);
        self->id = id;
        self->baudrate = DEFAULT_BAUDRATE;
        self->timeout = 0;
        self->timeout_char = 0;
        self->rxbuf = m_new(uint8_t, DEFAULT_RXBUF);
        self->rxbuf_len = DEFAULT_RXBUF;
        MP_STATE_PORT(machine_uart_obj_all)[id] = self;
    }
    mp_map_t kw_args;
    mp_map_init_fixed_table(&kw_args, n_kw, args + n_args);
    mp_machine_uart_init_helper(self, n_args - 1, args + 1, &kw_args);
    return MP_OBJ_FROM_PTR(self);
}

static void mp_machine_uart_deinit(machine_uart_obj_t *self) {
    board_uart_deinit(self->id);
}

// At a soft reset the receive buffers go with the heap: the interrupts must stop first.
void machine_uart_deinit_all(void) {
    for (int id = 1; id < BOARD_UART_COUNT; ++id) {
        board_uart_deinit(id);
        MP_STATE_PORT(machine_uart_obj_all)[id] = NULL;
    }
}

static mp_int_t mp_machine_uart_any(machine_uart_obj_t *self) {
    return board_uart_rx_any(self->id);
}

static bool mp_machine_uart_txdone(machine_uart_obj_t *self) {
    return board_uart_tx_ready(self->id);
}

// Waits up to timeout_ms for ready(id); what is pending meanwhile (Ctrl-C) is handled.
static bool wait_for(bool (*ready)(int), int id, mp_uint_t timeout_ms) {
    mp_uint_t start = mp_hal_ticks_ms();
    while (!ready(id)) {
        if (mp_hal_ticks_ms() - start >= timeout_ms) {
            return false;
        }
        mp_event_wait_ms(1);
    }
    return true;
}

static bool rx_ready(int id) {
    return board_uart_rx_any(id) > 0;
}

static mp_uint_t mp_machine_uart_read(mp_obj_t self_in, void *buf_in, mp_uint_t size, int *errcode) {
    machine_uart_obj_t *self = MP_OBJ_TO_PTR(self_in);
    uint8_t *buf = buf_in;
    for (mp_uint_t i = 0; i < size; ++i) {
        if (!wait_for(rx_ready, self->id, i == 0 ? self->timeout : self->timeout_char)) {
            if (i == 0) {
                *errcode = MP_EAGAIN;
                return MP_STREAM_ERROR;
            }
            return i;
        }
        buf[i] = board_uart_rx_char(self->id);
    }
    return size;
}

static mp_uint_t mp_machine_uart_write(mp_obj_t self_in, const void *buf_in, mp_uint_t size, int *errcode) {
    machine_uart_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const uint8_t *buf = buf_in;
    for (mp_uint_t i = 0; i < size; ++i) {
        if (!wait_for(board_uart_tx_ready, self->id, i == 0 ? self->timeout : self->timeout_char)) {
            if (i == 0) {
                *errcode = MP_EAGAIN;
                return MP_STREAM_ERROR;
            }
            return i;
        }
        board_uart_tx_char(self->id, buf[i]);
    }
    return size;
}

static mp_uint_t mp_machine_uart_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    machine_uart_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (request == MP_STREAM_POLL) {
        mp_uint_t ready = 0;
        if ((arg & MP_STREAM_POLL_RD) && board_uart_rx_any(self->id)) {
            ready |= MP_STREAM_POLL_RD;
        }
        if ((arg & MP_STREAM_POLL_WR) && board_uart_tx_ready(self->id)) {
            ready |= MP_STREAM_POLL_WR;
        }
        return ready;
    }
    if (request == MP_STREAM_FLUSH) {
        wait_for(board_uart_tx_ready, self->id, 1000);
        return 0;
    }
    *errcode = MP_EINVAL;
    return MP_STREAM_ERROR;
}
