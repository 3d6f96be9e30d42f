// lwIP's view of the compiler and C library (newlib, arm-none-eabi-gcc; BYTE_ORDER comes
// from newlib).
#ifndef MPS2_AN385_LWIP_ARCH_CC_H
#define MPS2_AN385_LWIP_ARCH_CC_H

#define LWIP_NO_CTYPE_H (1)

// No diagnostics on the console, which is the REPL's. A failed assertion is a bug in lwIP
// or in how it is used: say so and reset, as the board does on a CPU fault.
#define LWIP_PLATFORM_DIAG(x)
#define LWIP_PLATFORM_ASSERT(x) lwip_assert_failed(x)
void lwip_assert_failed(const char *message) __attribute__((noreturn));

#endif // MPS2_AN385_LWIP_ARCH_CC_H
