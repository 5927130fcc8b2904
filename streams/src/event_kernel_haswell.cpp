// The event parser for simdjson's "haswell" kernel (see event_kernel.inl; flags in CMakeLists.txt).
#define NOCTUA_EVENT_KERNEL_NAME "haswell"
#define NOCTUA_EVENT_KERNEL_FACTORY make_haswell_kernel
#include "event_kernel.inl"

#if !SIMDJSON_CAN_ALWAYS_RUN_HASWELL || SIMDJSON_CAN_ALWAYS_RUN_ICELAKE
#error "compile with the haswell kernel's flags"
#endif
