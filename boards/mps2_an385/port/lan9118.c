// SMSC LAN9118 driver, from the datasheet's register map (section 5, "System Control and
// Status Registers"; MAC CSRs in 5.4, PHY registers in 5.5). The chip is used in its 32-bit
// bus mode, polled or by interrupt, with one frame per transmit command (no scatter), 4-byte
// alignment at both ends of a buffer, and no offset on received data.
#include <string.h>

#include "lan9118.h"

#define LAN9118_BASE (0x40200000)
#define REG(offset) (*(volatile uint32_t *)(LAN9118_BASE + (offset)))

// System control and status registers (datasheet table 5-1).
#define RX_DATA_FIFO REG(0x00)
#define TX_DATA_FIFO REG(0x20)
#define RX_STATUS_FIFO REG(0x40)
#define ID_REV REG(0x50)
#define IRQ_CFG REG(0x54)
#define INT_STS REG(0x58)
#define INT_EN REG(0x5c)
#define BYTE_TEST REG(0x64)
#define RX_CFG REG(0x6c)
#define TX_CFG REG(0x70)
#define HW_CFG REG(0x74)
#define RX_FIFO_INF REG(0x7c)
#define TX_FIFO_INF REG(0x80)
#define PMT_CTRL REG(0x84)
#define MAC_CSR_CMD REG(0xa4)
#define MAC_CSR_DATA REG(0xa8)

#define BYTE_TEST_VALUE (0x87654321) // reads so only with the bus's byte order right
#define IRQ_CFG_IRQ_EN (1u << 8)
#define IRQ_CFG_IRQ_POL (1u << 4) // active high
#define IRQ_CFG_IRQ_TYPE (1u << 0) // push-pull
#define INT_RSFL (1u << 3) // the receive status FIFO holds more than its level (0): a frame
#define INT_PHY (1u << 18)
#define HW_CFG_SRST (1u << 0)
#define HW_CFG_MBO (1u << 20) // "must be one"
#define HW_CFG_TX_FIF_SZ(kb) ((uint32_t)(kb) << 16)
#define PMT_CTRL_READY (1u << 0)
#define TX_CFG_TX_ON (1u << 1)
#define TX_CFG_TXSAO (1u << 2) // the TX status FIFO may overrun: the driver never reads it
#define RX_CFG_RX_DUMP (1u << 15)
#define RX_FIFO_INF_RXSUSED(v) (((v) >> 16) & 0xff)
#define TX_FIFO_INF_TDFREE(v) ((v) & 0xffff)
#define RX_STS_LENGTH(v) (((v) >> 16) & 0x3fff) // the frame with its 4-byte CRC
#define RX_STS_ERROR (1u << 15)
#define TX_CMD_A_FIRST (1u << 13)
#define TX_CMD_A_LAST (1u << 12)

// MAC control and status registers, reached through MAC_CSR_CMD/DATA (table 5-38).
#define MAC_CR (1)
#define MAC_ADDRH (2)
#define MAC_ADDRL (3)
#define MII_ACC (6)
#define MII_DATA (7)
#define MAC_CSR_BUSY (1u << 31)
#define MAC_CSR_READ (1u << 30)
#define MAC_CR_FDPX (1u << 20)
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_RXEN (1u << 2)
#define MII_ACC_BUSY (1u << 0)
#define MII_ACC_WRITE (1u << 1)

// The internal PHY, at MII address 1 (section 5.5).
#define PHY_ADDR (1)
#define PHY_BMCR (0)
#define PHY_BSR (1)
#define PHY_ANAR (4)
#define PHY_INT_SRC (29)
#define PHY_INT_MASK (30)
#define BMCR_RESET (1u << 15)
#define BMCR_AN_ENABLE (1u << 12)
#define BMCR_AN_RESTART (1u << 9)
#define BSR_LINK (1u << 2)
#define ANAR_10_100_FULL_HALF (0x01e1) // 802.3, 10/100 Mb/s, half and full duplex
#define PHY_INT_AN_COMPLETE (1u << 6)
#define PHY_INT_LINK_DOWN (1u << 4)

// Every wait on the chip is bounded: a chip that never answers is reported, not waited on.
#define WAIT_LOOPS (100000)

static bool wait_clear(volatile uint32_t *reg, uint32_t bits) {
    for (int i = 0; i < WAIT_LOOPS; ++i) {
        if ((*reg & bits) == 0) {
            return true;
        }
    }
    return false;
}

static uint32_t mac_read(uint32_t reg) {
    wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
    MAC_CSR_CMD = MAC_CSR_BUSY | MAC_CSR_READ | reg;
    wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
    return MAC_CSR_DATA;
}

static void mac_write(uint32_t reg, uint32_t value) {
    wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
    MAC_CSR_DATA = value;
    MAC_CSR_CMD = MAC_CSR_BUSY | reg;
    wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
}

static bool mii_wait(void) {
    for (int i = 0; i < WAIT_LOOPS; ++i) {
        if ((mac_read(MII_ACC) & MII_ACC_BUSY) == 0) {
            return true;
        }
    }
    return false;
}

static uint16_t phy_read(uint32_t reg) {
    mii_wait();
    mac_write(MII_ACC, (PHY_ADDR << 11) | (reg << 6) | MII_ACC_BUSY);
    mii_wait();
    return mac_read(MII_DATA) & 0xffff;
}

static void phy_write(uint32_t reg, uint16_t value) {
    mii_wait();
    mac_write(MII_DATA, value);
    mac_write(MII_ACC, (PHY_ADDR << 11) | (reg << 6) | MII_ACC_WRITE | MII_ACC_BUSY);
    mii_wait();
}

bool lan9118_init(uint8_t mac[6]) {
    if (BYTE_TEST != BYTE_TEST_VALUE || (ID_REV >> 16) != 0x0118) {
        return false;
    }
    HW_CFG = HW_CFG_SRST;
    if (!wait_clear(&HW_CFG, HW_CFG_SRST)) {
        return false;
    }
    for (int i = 0; (PMT_CTRL & PMT_CTRL_READY) == 0; ++i) {
        if (i == WAIT_LOOPS) {
            return false;
        }
    }
    // The datasheet's default split: 5 KB for frames to send, the rest (about 10 KB, seven
    // full-size frames) for frames received but not yet taken.
    HW_CFG = HW_CFG_MBO | HW_CFG_TX_FIF_SZ(5);

    phy_write(PHY_BMCR, BMCR_RESET);
    for (int i = 0; phy_read(PHY_BMCR) & BMCR_RESET; ++i) {
        if (i == WAIT_LOOPS) {
            return false;
        }
    }
    phy_write(PHY_ANAR, ANAR_10_100_FULL_HALF);
    phy_write(PHY_BMCR, BMCR_AN_ENABLE | BMCR_AN_RESTART);
    // A link change interrupts, so the network layer learns of it without polling the PHY.
    phy_write(PHY_INT_MASK, PHY_INT_AN_COMPLETE | PHY_INT_LINK_DOWN);
    phy_read(PHY_INT_SRC);

    // The address the chip loaded from its EEPROM at reset (QEMU's: the -nic's mac=).
    uint32_t low = mac_read(MAC_ADDRL);
    uint32_t high = mac_read(MAC_ADDRH);
    mac[0] = low;
    mac[1] = low >> 8;
    mac[2] = low >> 16;
    mac[3] = low >> 24;
    mac[4] = high;
    mac[5] = high >> 8;

    RX_CFG = RX_CFG_RX_DUMP;
    RX_CFG = 0;
    TX_CFG = TX_CFG_TX_ON | TX_CFG_TXSAO;
    INT_STS = 0xffffffff;
    INT_EN = INT_RSFL | INT_PHY;
    // The line active high and driven, as the NVIC takes a level interrupt.
    IRQ_CFG = IRQ_CFG_IRQ_EN | IRQ_CFG_IRQ_POL | IRQ_CFG_IRQ_TYPE;
    // Not promiscuous (the reset default): frames to this address and broadcasts only.
    mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN | MAC_CR_FDPX);
    return true;
}

void lan9118_stop(void) {
    IRQ_CFG = 0;
    INT_EN = 0;
    mac_write(MAC_CR, 0);
    TX_CFG = 0;
    RX_CFG = RX_CFG_RX_DUMP;
    INT_STS = 0xffffffff;
}

bool lan9118_link_up(void) {
    // The link bit latches low: the first read reports a loss since the last read, the
    // second the link as it is.
    phy_read(PHY_BSR);
    return (phy_read(PHY_BSR) & BSR_LINK) != 0;
}

bool lan9118_send(const uint8_t *frame, size_t len) {
    size_t words = (len + 3) / 4;
    if (len == 0 || len > LAN9118_MAX_FRAME || TX_FIFO_INF_TDFREE(TX_FIFO_INF) < 4 * words + 8) {
        return false;
    }
    TX_DATA_FIFO = TX_CMD_A_FIRST | TX_CMD_A_LAST | len;
    TX_DATA_FIFO = (len << 16) | len; // the length as the frame's tag, for a status reader
    for (size_t i = 0; i < words; ++i) {
        uint32_t word = 0;
        size_t n = len - 4 * i < 4 ? len - 4 * i : 4;
        memcpy(&word, frame + 4 * i, n); // the FIFO takes bytes in little-endian words
        TX_DATA_FIFO = word;
    }
    return true;
}

int lan9118_receive(uint8_t *buf) {
    if (RX_FIFO_INF_RXSUSED(RX_FIFO_INF) == 0) {
        return 0;
    }
    uint32_t status = RX_STATUS_FIFO;
    size_t len = RX_STS_LENGTH(status);
    size_t words = (len + 3) / 4;
    bool keep = (status & RX_STS_ERROR) == 0 && len > 4 && len - 4 <= LAN9118_MAX_FRAME;
    for (size_t i = 0; i < words; ++i) {
        uint32_t word = RX_DATA_FIFO;
        // The frame's bytes without its CRC (the last 4), which the MAC has checked.
        if (keep && 4 * i < len - 4) {
            size_t n = len - 4 - 4 * i < 4 ? len - 4 - 4 * i : 4;
            memcpy(buf + 4 * i, &word, n);
        }
    }
    return keep ? (int)(len - 4) : -1;
}

bool lan9118_irq_ack(void) {
    uint32_t pending = INT_STS;
    if (pending & INT_PHY) {
        phy_read(PHY_INT_SRC); // reading it clears the PHY's interrupt
    }
    INT_STS = pending;
    return (pending & INT_PHY) != 0;
}
