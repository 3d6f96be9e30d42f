// mbedTLS for the board: MicroPython's common configuration, bare metal -- its allocations
// come out of the GC heap, its entropy from the board's random generator, its time (for
// certificate validity) from the RTC (mbedtls_port.c).
#ifndef MICROPY_INCLUDED_MBEDTLS_CONFIG_H
#define MICROPY_INCLUDED_MBEDTLS_CONFIG_H

#include <time.h>
time_t board_mbedtls_time(time_t *timer);
#define MBEDTLS_PLATFORM_TIME_MACRO board_mbedtls_time
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#define MBEDTLS_PLATFORM_GMTIME_R_ALT

#define MICROPY_MBEDTLS_CONFIG_BARE_METAL (1)
#include "extmod/mbedtls/mbedtls_config_common.h"

#endif // MICROPY_INCLUDED_MBEDTLS_CONFIG_H
