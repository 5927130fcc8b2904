// The event parser for simdjson's "icelake" kernel (see event_kernel.inl; flags in CMakeLists.txt).
#define NOCTUA_EVENT_KERNEL_NAME "icelake"
#define NOCTUA_EVENT_KERNEL_FACTORY make_icelake_kernel
#include "event_kernel.inl"

#if !SIMDJSON_CAN_ALWAYS_RUN_ICELAKE
#error "compile with the icelake kernel's flags"
#endif
