// lwIP's configuration for the board: IPv4 over one Ethernet interface, no operating system
// (NO_SYS: lwIP runs from the PendSV interrupt and from MicroPython's socket module, never
// both at once -- network_lan.c), TCP and UDP for MicroPython's socket module
// (extmod/modlwip.c), DHCP and DNS clients. Nothing here is taken from the GC heap: lwIP's
// memory is static, as on a board's MCU, and its size is set below.
#ifndef MPS2_AN385_LWIPOPTS_H
#define MPS2_AN385_LWIPOPTS_H

#include <stdint.h>

#define NO_SYS                          (1)
// Mutual exclusion is the socket module's MICROPY_PY_LWIP_ENTER/EXIT (mpconfigport.h),
// which masks the PendSV interrupt lwIP runs from. lwIP's own protection of its pools is on
// as well (the socket module provides it: interrupts off for a few instructions).
#define SYS_LIGHTWEIGHT_PROT            (1)
typedef uint32_t sys_prot_t;
#define MEM_ALIGNMENT                   (4)
#define LWIP_CHKSUM_ALGORITHM           (3)

#define LWIP_IPV4                       (1)
#define LWIP_IPV6                       (0)
#define LWIP_ARP                        (1)
#define LWIP_ETHERNET                   (1)
#define LWIP_RAW                        (0)
#define LWIP_NETCONN                    (0)
#define LWIP_SOCKET                     (0)
#define LWIP_STATS                      (0)
#define LWIP_NETIF_HOSTNAME             (1)
#define LWIP_NETIF_LINK_CALLBACK        (0)
#define LWIP_DHCP                       (1)
#define LWIP_DHCP_CHECK_LINK_UP         (1)
#define LWIP_DHCP_DOES_ACD_CHECK        (0) // QEMU's network has no other host to collide with
#define LWIP_DNS                        (1)
#define LWIP_IGMP                       (1) // the socket module's IP_ADD_MEMBERSHIP needs it
#define LWIP_MDNS_RESPONDER             (0)
#define SO_REUSE                        (1)
#define TCP_LISTEN_BACKLOG              (1)

// Memory: the sizes MicroPython's boards use (extmod/lwip-include/lwipopts_common.h's middle
// setting, about 27 KB of static RAM): an 800-byte MSS and an 8-segment window, which the
// LAN9118's 10 KB receive FIFO holds whole.
#define MEM_SIZE                        (8000)
#define TCP_MSS                         (800)
#define TCP_WND                         (8 * TCP_MSS)
#define TCP_SND_BUF                     (8 * TCP_MSS)
#define MEMP_NUM_TCP_SEG                (32)
#define MEMP_NUM_TCP_PCB                (4)
#define MEMP_NUM_UDP_PCB                (4)

#define LWIP_RAND()                     lwip_rand()
uint32_t lwip_rand(void);

#endif // MPS2_AN385_LWIPOPTS_H
