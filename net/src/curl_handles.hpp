#pragma once

#include <curl/curl.h>

#include "noctua/core/unique_handle.hpp"

namespace noctua::net::detail {

/// RAII owners of libcurl's handles, one per handle (docs/contributing.md, "libcurl").
using EasyHandle = core::UniqueHandle<CURL, curl_easy_cleanup>;
using MultiHandle = core::UniqueHandle<CURLM, curl_multi_cleanup>;
using Slist = core::UniqueHandle<curl_slist, curl_slist_free_all>;

}  // namespace noctua::net::detail
