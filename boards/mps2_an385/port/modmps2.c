// The `mps2` module: the board's flash partitions as block devices, and what the board
// knows about its entropy.
//
// mps2.Flash() is the filesystem partition (littlefs, mounted at / by _boot.py);
// vfs.rom_ioctl(2, 0) gives the ROM partition, the same type, whose contents MicroPython
// mounts at /rom when it holds a ROMFS image (`mpremote romfs deploy` writes it, or the
// host's loader at power-on). Both are memory-mapped: readable in place through the
// buffer protocol, which is how ROMFS runs bytecode without copying it into the heap.
// Erasing sets a 4 KB sector to 0xff, as NOR flash does.
#include <string.h>

#include "py/runtime.h"
#include "py/mperrno.h"
#include "extmod/vfs.h"

#include "board.h"
#include "random.h"

typedef struct _mps2_flash_obj_t {
    mp_obj_base_t base;
    uint8_t *start;
    uint32_t size;
} mps2_flash_obj_t;

extern const mp_obj_type_t mps2_flash_type;

static const mps2_flash_obj_t flash_fs = {{&mps2_flash_type}, (uint8_t *)BOARD_FS_BASE, BOARD_FS_SIZE};
static const mps2_flash_obj_t flash_romfs = {{&mps2_flash_type}, (uint8_t *)BOARD_ROMFS_BASE, BOARD_ROMFS_SIZE};

static mp_obj_t mps2_flash_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    return MP_OBJ_FROM_PTR(&flash_fs);
}

// The bytes of blocks `block_num` on, from `offset`, that `len` covers, or an exception.
static uint8_t *flash_span(const mps2_flash_obj_t *self, mp_obj_t block_num, mp_int_t offset, size_t len) {
    mp_int_t start = mp_obj_get_int(block_num) * BOARD_FS_BLOCK_SIZE + offset;
    if (start < 0 || offset < 0 || start + len > self->size) {
        mp_raise_OSError(MP_EINVAL);
    }
    return self->start + start;
}

// readblocks(block_num, buf, offset=0)
static mp_obj_t mps2_flash_readblocks(size_t n_args, const mp_obj_t *args) {
    mps2_flash_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(args[2], &bufinfo, MP_BUFFER_WRITE);
    mp_int_t offset = n_args == 4 ? mp_obj_get_int(args[3]) : 0;
    memcpy(bufinfo.buf, flash_span(self, args[1], offset, bufinfo.len), bufinfo.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mps2_flash_readblocks_obj, 3, 4, mps2_flash_readblocks);

// writeblocks(block_num, buf[, offset]): without an offset (the simple block protocol) the
// blocks are erased first; with one (littlefs's extended protocol) they were.
static mp_obj_t mps2_flash_writeblocks(size_t n_args, const mp_obj_t *args) {
    mps2_flash_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_buffer_info_t bufinfo;
    mp_get_buffer_raise(args[2], &bufinfo, MP_BUFFER_READ);
    mp_int_t offset = n_args == 4 ? mp_obj_get_int(args[3]) : 0;
    uint8_t *dest = flash_span(self, args[1], offset, bufinfo.len);
    if (n_args == 3) {
        size_t blocks = (bufinfo.len + BOARD_FS_BLOCK_SIZE - 1) / BOARD_FS_BLOCK_SIZE;
        memset(dest, 0xff, blocks * BOARD_FS_BLOCK_SIZE);
    }
    memcpy(dest, bufinfo.buf, bufinfo.len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mps2_flash_writeblocks_obj, 3, 4, mps2_flash_writeblocks);

static mp_obj_t mps2_flash_ioctl(mp_obj_t self_in, mp_obj_t op_in, mp_obj_t arg_in) {
    mps2_flash_obj_t *self = MP_OBJ_TO_PTR(self_in);
    switch (mp_obj_get_int(op_in)) {
        case MP_BLOCKDEV_IOCTL_INIT:
        case MP_BLOCKDEV_IOCTL_DEINIT:
        case MP_BLOCKDEV_IOCTL_SYNC:
            return MP_OBJ_NEW_SMALL_INT(0);
        case MP_BLOCKDEV_IOCTL_BLOCK_COUNT:
            return MP_OBJ_NEW_SMALL_INT(self->size / BOARD_FS_BLOCK_SIZE);
        case MP_BLOCKDEV_IOCTL_BLOCK_SIZE:
            return MP_OBJ_NEW_SMALL_INT(BOARD_FS_BLOCK_SIZE);
        case MP_BLOCKDEV_IOCTL_BLOCK_ERASE:
            memset(flash_span(self, arg_in, 0, BOARD_FS_BLOCK_SIZE), 0xff, BOARD_FS_BLOCK_SIZE);
            return MP_OBJ_NEW_SMALL_INT(0);
        default:
            return mp_const_none;
    }
}
static MP_DEFINE_CONST_FUN_OBJ_3(mps2_flash_ioctl_obj, mps2_flash_ioctl);

static mp_int_t mps2_flash_get_buffer(mp_obj_t self_in, mp_buffer_info_t *bufinfo, mp_uint_t flags) {
    mps2_flash_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (flags & MP_BUFFER_WRITE) {
        return 1;
    }
    bufinfo->buf = self->start;
    bufinfo->len = self->size;
    bufinfo->typecode = 'B';
    return 0;
}

static const mp_rom_map_elem_t mps2_flash_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_readblocks), MP_ROM_PTR(&mps2_flash_readblocks_obj) },
    { MP_ROM_QSTR(MP_QSTR_writeblocks), MP_ROM_PTR(&mps2_flash_writeblocks_obj) },
    { MP_ROM_QSTR(MP_QSTR_ioctl), MP_ROM_PTR(&mps2_flash_ioctl_obj) },
};
static MP_DEFINE_CONST_DICT(mps2_flash_locals_dict, mps2_flash_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    mps2_flash_type,
    MP_QSTR_Flash,
    MP_TYPE_FLAG_NONE,
    make_new, mps2_flash_make_new,
    buffer, mps2_flash_get_buffer,
    locals_dict, &mps2_flash_locals_dict
    );

// One ROM partition. mpremote prepares and writes it through the object's block methods.
mp_obj_t mp_vfs_rom_ioctl(size_t n_args, const mp_obj_t *args) {
    switch (mp_obj_get_int(args[0])) {
        case MP_VFS_ROM_IOCTL_GET_NUMBER_OF_SEGMENTS:
            return MP_OBJ_NEW_SMALL_INT(1);
        case MP_VFS_ROM_IOCTL_GET_SEGMENT:
            if (n_args < 2 || mp_obj_get_int(args[1]) != 0) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            return MP_OBJ_FROM_PTR(&flash_romfs);
        default:
            return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
    }
}

static mp_obj_t mps2_entropy_seeded(void) {
    return mp_obj_new_bool(random_seeded());
}
static MP_DEFINE_CONST_FUN_OBJ_0(mps2_entropy_seeded_obj, mps2_entropy_seeded);

static const mp_rom_map_elem_t mps2_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_mps2) },
    { MP_ROM_QSTR(MP_QSTR_Flash), MP_ROM_PTR(&mps2_flash_type) },
    { MP_ROM_QSTR(MP_QSTR_entropy_seeded), MP_ROM_PTR(&mps2_entropy_seeded_obj) },
};
static MP_DEFINE_CONST_DICT(mps2_module_globals, mps2_module_globals_table);

const mp_obj_module_t mps2_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&mps2_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_mps2, mps2_module);
