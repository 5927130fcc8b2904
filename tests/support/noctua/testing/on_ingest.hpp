#pragma once

#include <chrono>
#include <future>
#include <stdexcept>

namespace noctua::testing {

/// Runs `fn` on the ingest thread of `pipeline` (anything with post(handler), e.g.
/// streams::IngestPipeline) and returns its result; throws when it has not run within 10 s.
template <class Pipeline, class F>
auto on_ingest(Pipeline& pipeline, F fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto f = task.get_future();
    pipeline.post([&task] { task(); });
    if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        throw std::runtime_error("the ingest thread did not run the task within 10 s");
    }
    return f.get();
}

}  // namespace noctua::testing
