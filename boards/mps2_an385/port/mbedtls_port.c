// What mbedTLS asks of the board (mbedtls/mbedtls_config_port.h).
#include "py/mpconfig.h"

#if MICROPY_SSL_MBEDTLS

#include "mbedtls/mbedtls_config_port.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"
#include <stdbool.h>
#include "shared/timeutils/timeutils.h"

#include "board.h"
#include "random.h"

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen) {
    random_bytes(output, len);
    *olen = len;
    return 0;
}

time_t board_mbedtls_time(time_t *timer) {
    time_t now = board_rtc_ms() / 1000;
    if (timer) {
        *timer = now;
    }
    return now;
}

mbedtls_ms_time_t mbedtls_ms_time(void) {
    return board_rtc_ms();
}

struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf) {
    timeutils_struct_time_t tm;
    timeutils_seconds_since_epoch_to_struct_time(*tt, &tm);
    tm_buf->tm_year = tm.tm_year - 1900;
    tm_buf->tm_mon = tm.tm_mon - 1;
    tm_buf->tm_mday = tm.tm_mday;
    tm_buf->tm_hour = tm.tm_hour;
    tm_buf->tm_min = tm.tm_min;
    tm_buf->tm_sec = tm.tm_sec;
    tm_buf->tm_wday = (tm.tm_wday + 1) % 7; // Monday is 0 for MicroPython, Sunday for C
    tm_buf->tm_yday = tm.tm_yday - 1;
    tm_buf->tm_isdst = 0;
    return tm_buf;
}

#endif
