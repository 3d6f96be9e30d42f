// The board's network: lwIP over the LAN9118 (lan9118.c), and `network.LAN`, the interface
// as MicroPython's boards with Ethernet offer it:
//
//     lan = network.LAN()
//     lan.active(True)              # static 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3
//     lan.ifconfig()                # or ifconfig((ip, mask, gw, dns)) / ifconfig("dhcp")
//     lan.isconnected(), lan.status(), lan.config("mac")
//
// lwIP runs without an operating system (NO_SYS) in one place only: the PendSV interrupt,
// at the lowest priority. The Ethernet interrupt (a frame arrived, the link changed) and
// SysTick (lwIP's timers) pend it; it takes the received frames into lwIP and runs lwIP's
// timers, so TCP keeps going while Python computes, as on a board whose MicroPython runs
// lwIP in the background. MicroPython's socket module calls lwIP from the main program
// between MICROPY_PY_LWIP_ENTER and EXIT, which mask PendSV's priority (BASEPRI), so the two
// never run lwIP at once; the UARTs and SysTick stay unmasked.
#include <string.h>

#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/runtime.h"
#include "shared/netutils/netutils.h"
#include "extmod/modnetwork.h"

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "board.h"
#include "lan9118.h"
#include "mps2_an385.h"
#include "network_lan.h"
#include "random.h"

// QEMU's user-mode network (slirp) is 10.0.2.0/24 with its gateway at .2 and its DNS at .3,
// and gives .15 by DHCP: the same address by default, so no DHCP round is needed to start.
#define DEFAULT_IP {10, 0, 2, 15}
#define DEFAULT_MASK {255, 255, 255, 0}
#define DEFAULT_GW {10, 0, 2, 2}
#define DEFAULT_DNS {10, 0, 2, 3}

// lwIP's timers (TCP's fastest is 250 ms) need no finer clock than this.
#define TIMER_PERIOD_MS (50)
// The PHY interrupts on a link change; its status is read again this often in case one was
// missed (a real PHY's link can bounce faster than it reports).
#define LINK_CHECK_MS (1000)
#define DHCP_TIMEOUT_MS (10000)

// status(): the stm32 port's LAN numbering (its 1, a link on an inactive interface, cannot
// happen here: the PHY is read only while the chip runs).
enum {
    LINK_DOWN = 0, // inactive, or no link
    LINK_NOIP = 2, // a link, no address yet (DHCP under way)
    LINK_GOTIP = 3, // active with an address
};

static struct netif lan_netif;
static bool lwip_ready; // lwIP's memory is set up and the interface added
static volatile bool lan_active; // the chip runs and the interface is up
static uint32_t link_checked_ms;
// One frame, received or being sent. Shared: both happen inside lwIP, which never runs
// twice at once, and a received frame is copied into a pbuf before lwIP sees it.
static uint32_t frame_buf[(LAN9118_MAX_FRAME + 3) / 4];

typedef struct _network_lan_obj_t {
    mp_obj_base_t base;
} network_lan_obj_t;

const mp_obj_type_t network_lan_type;
static const network_lan_obj_t network_lan_obj = {{&network_lan_type}};

u32_t sys_now(void) {
    return mp_hal_ticks_ms();
}

uint32_t lwip_rand(void) {
    uint32_t r;
    random_bytes((uint8_t *)&r, sizeof(r));
    return r;
}

void lwip_assert_failed(const char *message) {
    mp_printf(&mp_plat_print, "FATAL: lwIP: %s, resetting\n", message);
    board_reset(BOARD_RESET_HARD);
}

static uint32_t lwip_lock(void) {
    uint32_t old;
    __asm volatile ("mrs %0, basepri" : "=r" (old));
    __set_BASEPRI_MAX(BOARD_PENDSV_PRIORITY << (8 - __NVIC_PRIO_BITS));
    return old;
}

static void lwip_unlock(uint32_t old) {
    __set_BASEPRI(old);
}

uint32_t board_lwip_lock(void) {
    return lwip_lock();
}

void board_lwip_unlock(uint32_t old) {
    lwip_unlock(old);
}

static err_t lan_linkoutput(struct netif *netif, struct pbuf *p) {
    if (!lan_active || p->tot_len > LAN9118_MAX_FRAME) {
        return ERR_IF;
    }
    uint8_t *buf = (uint8_t *)frame_buf;
    pbuf_copy_partial(p, buf, p->tot_len, 0);
    // A full transmit FIFO drops the frame as a busy wire would: TCP sends it again.
    return lan9118_send(buf, p->tot_len) ? ERR_OK : ERR_MEM;
}

static err_t lan_netif_init(struct netif *netif) {
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = lan_linkoutput;
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif_set_hostname(netif, mod_network_hostname_data);
    return ERR_OK;
}

// The link as the PHY reports it, handed to lwIP (which then sends a gratuitous ARP and
// restarts DHCP when needed).
static void update_link(void) {
    link_checked_ms = mp_hal_ticks_ms();
    bool up = lan_active && lan9118_link_up();
    if (up && !netif_is_link_up(&lan_netif)) {
        netif_set_link_up(&lan_netif);
    } else if (!up && netif_is_link_up(&lan_netif)) {
        netif_set_link_down(&lan_netif);
    }
}

// lwIP's one place to run outside the socket module: frames in, link, timers.
void PendSV_Handler(void) {
    if (!lwip_ready) {
        return;
    }
    if (lan_active) {
        bool link_changed = lan9118_irq_ack();
        int len;
        while ((len = lan9118_receive((uint8_t *)frame_buf)) != 0) {
            if (len < 0) {
                continue; // a bad frame, dropped by the driver
            }
            struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
            if (p == NULL) {
                continue; // lwIP is out of buffers: dropped, as a full FIFO would
            }
            pbuf_take(p, frame_buf, len);
            if (lan_netif.input(p, &lan_netif) != ERR_OK) {
                pbuf_free(p);
            }
        }
        if (link_changed || mp_hal_ticks_ms() - link_checked_ms >= LINK_CHECK_MS) {
            update_link();
        }
        NVIC_ClearPendingIRQ(ETHERNET_IRQn);
        NVIC_EnableIRQ(ETHERNET_IRQn);
    }
    sys_check_timeouts();
}

// The chip's line stays high until PendSV has taken the frames: masked here, unmasked there.
void network_lan_irq_handler(void) {
    NVIC_DisableIRQ(ETHERNET_IRQn);
    SCB->ICSR = SCB_ICSR_PENDSVSET_Msk;
}

void network_lan_systick(uint32_t ticks_ms) {
    if (lwip_ready && ticks_ms % TIMER_PERIOD_MS == 0) {
        SCB->ICSR = SCB_ICSR_PENDSVSET_Msk;
    }
}

void network_lan_init(void) {
    NVIC_SetPriority(PendSV_IRQn, BOARD_PENDSV_PRIORITY);
    lwip_init();
    static const uint8_t ip[4] = DEFAULT_IP, mask[4] = DEFAULT_MASK, gw[4] = DEFAULT_GW;
    ip4_addr_t ipaddr, netmask, gateway;
    IP4_ADDR(&ipaddr, ip[0], ip[1], ip[2], ip[3]);
    IP4_ADDR(&netmask, mask[0], mask[1], mask[2], mask[3]);
    IP4_ADDR(&gateway, gw[0], gw[1], gw[2], gw[3]);
    netif_add(&lan_netif, &ipaddr, &netmask, &gateway, NULL, lan_netif_init, ethernet_input);
    netif_set_default(&lan_netif);
    static const uint8_t dns[4] = DEFAULT_DNS;
    ip_addr_t dns_addr;
    IP_ADDR4(&dns_addr, dns[0], dns[1], dns[2], dns[3]);
    dns_setserver(0, &dns_addr);
    lwip_ready = true;
}

static void lan_stop(void) {
    uint32_t lock = lwip_lock();
    NVIC_DisableIRQ(ETHERNET_IRQn);
    if (lan_active) {
        dhcp_release_and_stop(&lan_netif);
        netif_set_down(&lan_netif);
        netif_set_link_down(&lan_netif);
        lan9118_stop();
        lan_active = false;
    }
    lwip_unlock(lock);
}

void network_lan_deinit(void) {
    lan_stop();
}

static bool lan_start(void) {
    uint32_t lock = lwip_lock();
    bool ok = lan_active || lan9118_init(lan_netif.hwaddr);
    if (ok && !lan_active) {
        lan_active = true;
        netif_set_up(&lan_netif);
        update_link();
        NVIC_ClearPendingIRQ(ETHERNET_IRQn);
        NVIC_EnableIRQ(ETHERNET_IRQn);
    }
    lwip_unlock(lock);
    return ok;
}

static mp_obj_t network_lan_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    return MP_OBJ_FROM_PTR(&network_lan_obj);
}

static mp_obj_t network_lan_active(size_t n_args, const mp_obj_t *args) {
    if (n_args == 1) {
        return mp_obj_new_bool(lan_active);
    }
    if (mp_obj_is_true(args[1])) {
        if (!lan_start()) {
            mp_raise_OSError(MP_ENODEV); // no LAN9118 answered
        }
    } else {
        lan_stop();
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(network_lan_active_obj, 1, 2, network_lan_active);

static mp_obj_t format_ip(const ip_addr_t *addr) {
    return netutils_format_ipv4_addr((uint8_t *)addr, NETUTILS_BIG);
}

static mp_obj_t network_lan_ifconfig(size_t n_args, const mp_obj_t *args) {
    if (n_args == 1) {
        uint32_t lock = lwip_lock();
        ip_addr_t addrs[4] = {lan_netif.ip_addr, lan_netif.netmask, lan_netif.gw, *dns_getserver(0)};
        lwip_unlock(lock);
        mp_obj_t tuple[4];
        for (int i = 0; i < 4; ++i) {
            tuple[i] = format_ip(&addrs[i]);
        }
        return mp_obj_new_tuple(4, tuple);
    }
    if (mp_obj_is_str(args[1]) && mp_obj_str_get_qstr(args[1]) == MP_QSTR_dhcp) {
        uint32_t lock = lwip_lock();
        err_t err = dhcp_start(&lan_netif);
        lwip_unlock(lock);
        if (err != ERR_OK) {
            mp_raise_OSError(MP_ENOMEM);
        }
        // lwIP gets the address in PendSV; the program waits, lwIP's lock not held.
        uint32_t start = mp_hal_ticks_ms();
        while (!dhcp_supplied_address(&lan_netif)) {
            if (mp_hal_ticks_ms() - start > DHCP_TIMEOUT_MS) {
                mp_raise_OSError(MP_ETIMEDOUT);
            }
            mp_event_wait_ms(10);
        }
        return mp_const_none;
    }
    mp_obj_t *items;
    mp_obj_get_array_fixed_n(args[1], 4, &items);
    ip_addr_t addrs[4];
    for (int i = 0; i < 4; ++i) {
        netutils_parse_ipv4_addr(items[i], (uint8_t *)&addrs[i], NETUTILS_BIG);
    }
    uint32_t lock = lwip_lock();
    dhcp_release_and_stop(&lan_netif);
    netif_set_addr(&lan_netif, ip_2_ip4(&addrs[0]), ip_2_ip4(&addrs[1]), ip_2_ip4(&addrs[2]));
    dns_setserver(0, &addrs[3]);
    lwip_unlock(lock);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(network_lan_ifconfig_obj, 1, 2, network_lan_ifconfig);

static int lan_status(void) {
    // The PHY runs only while the chip does: an inactive interface knows no link.
    if (!lan_active || !netif_is_link_up(&lan_netif)) {
        return LINK_DOWN;
    }
    return ip4_addr_isany_val(*netif_ip4_addr(&lan_netif)) ? LINK_NOIP : LINK_GOTIP;
}

static mp_obj_t network_lan_status(mp_obj_t self_in) {
    return MP_OBJ_NEW_SMALL_INT(lan_status());
}
static MP_DEFINE_CONST_FUN_OBJ_1(network_lan_status_obj, network_lan_status);

static mp_obj_t network_lan_isconnected(mp_obj_t self_in) {
    return mp_obj_new_bool(lan_status() == LINK_GOTIP);
}
static MP_DEFINE_CONST_FUN_OBJ_1(network_lan_isconnected_obj, network_lan_isconnected);

// config("mac"): the address the chip loaded from its EEPROM (known once active).
static mp_obj_t network_lan_config(mp_obj_t self_in, mp_obj_t param) {
    if (mp_obj_str_get_qstr(param) == MP_QSTR_mac) {
        return mp_obj_new_bytes(lan_netif.hwaddr, ETH_HWADDR_LEN);
    }
    mp_raise_ValueError(MP_ERROR_TEXT("unknown config param"));
}
static MP_DEFINE_CONST_FUN_OBJ_2(network_lan_config_obj, network_lan_config);

static const mp_rom_map_elem_t network_lan_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_active), MP_ROM_PTR(&network_lan_active_obj) },
    { MP_ROM_QSTR(MP_QSTR_ifconfig), MP_ROM_PTR(&network_lan_ifconfig_obj) },
    { MP_ROM_QSTR(MP_QSTR_status), MP_ROM_PTR(&network_lan_status_obj) },
    { MP_ROM_QSTR(MP_QSTR_isconnected), MP_ROM_PTR(&network_lan_isconnected_obj) },
    { MP_ROM_QSTR(MP_QSTR_config), MP_ROM_PTR(&network_lan_config_obj) },
    { MP_ROM_QSTR(MP_QSTR_LINK_DOWN), MP_ROM_INT(LINK_DOWN) },
    { MP_ROM_QSTR(MP_QSTR_LINK_NOIP), MP_ROM_INT(LINK_NOIP) },
    { MP_ROM_QSTR(MP_QSTR_LINK_GOTIP), MP_ROM_INT(LINK_GOTIP) },
};
static MP_DEFINE_CONST_DICT(network_lan_locals_dict, network_lan_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    network_lan_type,
    MP_QSTR_LAN,
    MP_TYPE_FLAG_NONE,
    make_new, network_lan_make_new,
    locals_dict, &network_lan_locals_dict
    );
