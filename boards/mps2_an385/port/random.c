// os.urandom, random's seed and mbedTLS's entropy: ChaCha20 (RFC 8439) keyed with 32 bytes
// from the host, with fast key erasure (every call replaces the key with output of its
// own, so what was produced cannot be recomputed from the state later).
//
// Where the entropy comes from: the host writes 32 random bytes into the boot block at
// power-on (board.h; the runner takes them from the host's os.urandom), as a board's
// hardware random generator would provide them. The key is kept across a reset of the
// board (board.h: BOARD_NOINIT_RANDOM), so a reset does not repeat the output
// even though QEMU writes the same boot block again. Each block also takes the microsecond
// counter as its nonce, which adds the timing of the calls.
#include <string.h>

#include "board.h"
#include "mps2_an385.h"
#include "random.h"

typedef struct {
    uint32_t key[8];
    uint32_t counter;
    bool seeded;
} random_state_t;
#define state (*(random_state_t *)BOARD_NOINIT_RANDOM)

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QUARTER_ROUND(a, b, c, d) \
    a += b; d ^= a; d = ROTL(d, 16); \
    c += d; b ^= c; b = ROTL(b, 12); \
    a += b; d ^= a; d = ROTL(d, 8); \
    c += d; b ^= c; b = ROTL(b, 7);

static void chacha20_block(uint32_t out[16], const uint32_t key[8], uint32_t counter, uint64_t nonce) {
    uint32_t in[16] = {
        0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, // "expand 32-byte k"
        key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
        counter, 0, (uint32_t)nonce, (uint32_t)(nonce >> 32),
    };
    uint32_t *x = out;
    memcpy(x, in, sizeof(in));
    for (int i = 0; i < 10; ++i) {
        QUARTER_ROUND(x[0], x[4], x[8], x[12]);
        QUARTER_ROUND(x[1], x[5], x[9], x[13]);
        QUARTER_ROUND(x[2], x[6], x[10], x[14]);
        QUARTER_ROUND(x[3], x[7], x[11], x[15]);
        QUARTER_ROUND(x[0], x[5], x[10], x[15]);
        QUARTER_ROUND(x[1], x[6], x[11], x[12]);
        QUARTER_ROUND(x[2], x[7], x[8], x[13]);
        QUARTER_ROUND(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; ++i) {
        x[i] += in[i];
    }
}

void random_init(bool power_on) {
    if (power_on) {
        uint8_t seed[32];
        for (size_t i = 0; i < sizeof(seed); ++i) {
            seed[i] = BOARD_BOOT_BLOCK->seed[i];
        }
        memcpy(state.key, seed, sizeof(state.key));
        state.counter = 0;
        state.seeded = false;
        for (size_t i = 0; i < sizeof(seed); ++i) {
            state.seeded |= seed[i] != 0;
        }
    }
    // Use up the key the reset left (or the seed) at once, so it is not in memory after boot.
    uint8_t discard[1];
    random_bytes(discard, sizeof(discard));
}

void random_bytes(uint8_t *buf, size_t len) {
    uint32_t block[16];
    while (len > 0) {
        // lwIP takes random numbers in its interrupt (network_lan.c): a block and the new
        // key are made with interrupts off, so no two callers ever get the same block.
        uint32_t primask = __get_PRIMASK();
        __disable_irq();
        chacha20_block(block, state.key, state.counter++, board_ticks_us64());
        memcpy(state.key, block, sizeof(state.key));
        __set_PRIMASK(primask);
        size_t n = len < 32 ? len : 32;
        memcpy(buf, (uint8_t *)&block[8], n);
        buf += n;
        len -= n;
    }
    memset(block, 0, sizeof(block));
}

bool random_seeded(void) {
    return state.seeded;
}
