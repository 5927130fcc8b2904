#include "noctua/sim/runner.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace noctua::sim {

void JsonLinesSink::push(const TxEvent& e) {
    auto line = to_json(e);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
}

struct HttpPushSink::State {
    std::size_t in_flight = 0;
    Stats stats;
};

HttpPushSink::HttpPushSink(core::HttpClient& client, Options options)
    : client_(client), options_(std::move(options)), state_(std::make_shared<State>()) {}

void HttpPushSink::push(const TxEvent& e) {
    buffer_ += to_json(e);
    buffer_ += '\n';
    if (++buffered_ >= options_.batch) flush();
}

bool HttpPushSink::busy() const { return state_->in_flight >= options_.max_in_flight; }

std::size_t HttpPushSink::pending() const { return state_->in_flight + (buffered_ > 0 ? 1 : 0); }

HttpPushSink::Stats HttpPushSink::stats() const { return state_->stats; }

void HttpPushSink::flush() {
    if (buffered_ == 0) return;
    send(std::move(buffer_), buffered_, 0);
    buffer_.clear();
    buffered_ = 0;
}

void HttpPushSink::send(std::string body, std::size_t count, int attempt) {
    core::HttpRequest req;
    req.method = "POST";
    req.url = options_.url;
    req.headers = {{"Content-Type", "application/x-ndjson"}};
    if (!options_.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + options_.token);
    req.timeout = options_.timeout;
    req.body = body;
    ++state_->in_flight;
    // The handler keeps the state alive but not the sink; a retry needs the sink, so it only
    // happens while the client (owned next to the sink) is still running.
    client_.async_request(std::move(req), [this, state = state_, body = std::move(body), count,
                                           attempt](core::HttpResponse res) mutable {
        --state->in_flight;
        state->stats.last_status = res.status;
        const bool ok = res.transport_ok() && res.status >= 200 && res.status < 300;
        if (ok) {
            state->stats.sent_events += count;
            return;
        }
        ++state->stats.failed_requests;
        if (state->stats.failed_requests == 1 || state->stats.failed_requests % 100 == 0) {
            spdlog::warn("events push failed status={} error={} failures={}", res.status,
                         core::to_string(res.error), state->stats.failed_requests);
        }
        if (res.error != core::TransportError::cancelled && attempt < 2) {
            send(std::move(body), count, attempt + 1);
        } else {
            state->stats.dropped_events += count;
        }
    });
}

TrafficRunner::TrafficRunner(boost::asio::io_context& ioc, Generator& generator, EventSink& sink,
                             const core::Clock& wall, Options options,
                             std::function<void()> on_done)
    : ioc_(ioc),
      timer_(ioc),
      generator_(generator),
      sink_(sink),
      wall_(wall),
      options_(options),
      on_done_(std::move(on_done)) {}

void TrafficRunner::start() {
    anchor_wall_ = wall_.now();
    // Events before "now" are history: produced at once. A start in the future waits for nothing
    // either; pacing begins from whichever is later.
    anchor_event_ = std::max(anchor_wall_, generator_.now());
    boost::asio::post(ioc_, [this] { step(); });
}

void TrafficRunner::stop() {
    stopped_ = true;
    timer_.cancel();
}

core::TimePoint TrafficRunner::limit() const {
    core::TimePoint lim = core::TimePoint::max();
    if (options_.speed > 0) {
        const auto elapsed = static_cast<double>((wall_.now() - anchor_wall_).count());
        lim = anchor_event_ + std::chrono::milliseconds{static_cast<std::int64_t>(elapsed * options_.speed)};
    }
    if (options_.end) lim = std::min(lim, *options_.end);
    return lim;
}

void TrafficRunner::step() {
    if (stopped_ || done_) return;
    const auto lim = limit();
    std::size_t n = 0;
    bool caught_up = false;
    while (n < options_.chunk && !sink_.busy()) {
        auto e = generator_.next(lim);
        if (!e) {
            caught_up = true;
            break;
        }
        sink_.push(*e);
        ++n;
        ++emitted_;
        if (options_.max_events && emitted_ >= *options_.max_events) {
            finish();
            return;
        }
    }
    if (caught_up && options_.end && lim >= *options_.end) {
        finish();
        return;
    }
    sink_.flush();
    if (!caught_up && !sink_.busy()) {
        boost::asio::post(ioc_, [this] { step(); });
        return;
    }
    timer_.expires_after(sink_.busy() ? std::chrono::milliseconds{5} : options_.tick);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) step();
    });
}

void TrafficRunner::finish() {
    sink_.flush();
    wait_drained(0);
}

void TrafficRunner::wait_drained(int polls) {
    // Up to ~30 s for the last batches; a dead receiver must not hang the exit.
    if (stopped_ || sink_.pending() == 0 || polls > 3000) {
        done_ = true;
        if (on_done_) on_done_();
        return;
    }
    timer_.expires_after(std::chrono::milliseconds{10});
    timer_.async_wait([this, polls](const boost::system::error_code& ec) {
        if (!ec) wait_drained(polls + 1);
    });
}

}  // namespace noctua::sim
