#pragma once

#include <deque>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "noctua/alerts/channel.hpp"

namespace noctua::testing {

/// A receiver that records every attempt (notification id, status, alert count) and answers
/// with scripted outcomes (then `delivered`), asynchronously on `ioc`.
class RecordingChannel final : public alerts::ChannelBase {
public:
    struct Attempt {
        std::uint64_t id;
        alerts::AlertState status;
        std::size_t alerts;
        std::string group_key;
        bool acknowledged = false;
    };

    RecordingChannel(config::ReceiverConfig c, boost::asio::io_context& ioc)
        : ChannelBase(std::move(c)), ioc_(ioc) {}
    std::deque<alerts::DeliveryOutcome> script;
    bool always_retry = false;  ///< a receiver that is down
    bool acks = true;           ///< whether it takes acknowledged notifications
    std::vector<Attempt> attempts;
    std::vector<Attempt> delivered;

    bool accepts_acks() const override { return acks; }

protected:
    void do_deliver(const alerts::Notification& n, Done done) override {
        Attempt a{n.id, n.status(), n.alerts.size(), n.group_key, n.acknowledged};
        attempts.push_back(a);
        auto o = alerts::DeliveryOutcome::delivered();
        if (always_retry) {
            o = alerts::DeliveryOutcome::retry("connection refused");
        } else if (!script.empty()) {
            o = script.front();
            script.pop_front();
        }
        if (o.kind == alerts::DeliveryOutcome::Kind::delivered) delivered.push_back(a);
        boost::asio::post(ioc_, [done = std::move(done), o]() { done(o); });
    }

private:
    boost::asio::io_context& ioc_;
};

}  // namespace noctua::testing
