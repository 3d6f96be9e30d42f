// The board's random generator (random.c).
#ifndef BOARD_RANDOM_H
#define BOARD_RANDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void random_init(bool power_on);
void random_bytes(uint8_t *buf, size_t len);
// False when the host gave no seed at power-on: the output is then predictable.
bool random_seeded(void);

#endif // BOARD_RANDOM_H
