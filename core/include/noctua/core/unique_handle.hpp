#pragma once

#include <memory>

namespace noctua::core {

/// A deleter that hands the pointer to the C library's release function `Free`
/// (`curl_easy_cleanup`, `sqlite3_finalize`); what `Free` returns is ignored.
template <auto Free>
struct FreeWith {
    template <typename T>
    void operator()(T* handle) const noexcept {
        static_cast<void>(Free(handle));
    }
};

/// The RAII owner of a C library's handle of type `T*`, released with `Free`: one owner per
/// handle, so that a constructor that acquires several never leaks the earlier ones.
template <typename T, auto Free>
using UniqueHandle = std::unique_ptr<T, FreeWith<Free>>;

}  // namespace noctua::core
