// The event parser for simdjson's "generic" kernel (see event_kernel.inl; flags in CMakeLists.txt).
#define NOCTUA_EVENT_KERNEL_NAME "generic"
#define NOCTUA_EVENT_KERNEL_FACTORY make_generic_kernel
#include "event_kernel.inl"

#if SIMDJSON_CAN_ALWAYS_RUN_HASWELL
#error "the generic kernel must run on any x86-64"
#endif
