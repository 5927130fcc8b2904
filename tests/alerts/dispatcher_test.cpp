#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "noctua/alerts/dispatcher.hpp"
#include "noctua/testing/run_until.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using alerts::DeliveryOutcome;

namespace {

/// Records every attempt and answers with scripted outcomes (then `delivered`), asynchronously.
class RecordingChannel final : public alerts::ChannelBase {
public:
    RecordingChannel(config::ReceiverConfig c, boost::asio::io_context& ioc)
        : ChannelBase(std::move(c)), ioc_(ioc) {}
    std::deque<DeliveryOutcome> script;
    std::vector<std::pair<std::uint64_t, alerts::AlertState>> attempts;

protected:
    void do_deliver(const alerts::Notification& n, Done done) override {
        attempts.emplace_back(n.id, n.status());
        DeliveryOutcome o = DeliveryOutcome::delivered();
        if (!script.empty()) {
            o = script.front();
            script.pop_front();
        }
        boost::asio::post(ioc_, [done = std::move(done), o]() { done(o); });
    }

private:
    boost::asio::io_context& ioc_;
};

config::ReceiverConfig receiver(std::string name, int max_attempts = 5) {
    config::ReceiverConfig rc;
    rc.name = std::move(name);
    rc.kind = "test";
    rc.max_attempts = max_attempts;
    rc.initial_backoff = 1ms;
    rc.max_backoff = 4ms;
    return rc;
}

alerts::Notification note(std::uint64_t id, alerts::AlertState state,
                          std::string provider = "acme") {
    alerts::Alert a;
    a.labels = core::Labels{{"alertname", "ProviderDown"}, {"provider", provider}};
    a.state = state;
    return alerts::make_notification(id, "r", a, core::TimePoint{});
}

struct Fixture {
    boost::asio::io_context ioc;
    prometheus::Registry registry;
    alerts::AlertMetrics metrics{registry};
    boost::asio::strand<boost::asio::io_context::executor_type> strand{ioc.get_executor()};
    alerts::Dispatcher dispatcher{strand, metrics, 1};
    std::shared_ptr<RecordingChannel> channel;

    explicit Fixture(int max_attempts = 5) {
        channel = std::make_shared<RecordingChannel>(receiver("r", max_attempts), ioc);
        dispatcher.set_channels({{"r", channel}});
    }
    double counter(const std::string& result) {
        return metrics.notifications.Add({{"receiver", "r"}, {"result", result}}).Value();
    }
};

}  // namespace

TEST_CASE("Dispatcher: retries a retryable failure until delivered", "[alerts][unit]") {
    Fixture f;
    f.channel->script = {DeliveryOutcome::retry("503"), DeliveryOutcome::retry("503")};
    f.dispatcher.enqueue(note(1, alerts::AlertState::firing));
    REQUIRE(testing::run_until(f.ioc, [&] { return f.dispatcher.pending() == 0; }));
    CHECK(f.channel->attempts.size() == 3);
    CHECK(f.counter("delivered") == 1);
    CHECK(f.counter("failed") == 0);
    // One delivery observed, from enqueue to the third attempt's success.
    const auto h = f.metrics.latency.Add({{"receiver", "r"}}, alerts::AlertMetrics::latency_buckets())
                       .Collect()
                       .histogram;
    CHECK(h.sample_count == 1);
    CHECK(h.sample_sum > 0);
}

TEST_CASE("Dispatcher: a resolve never overtakes its trigger", "[alerts][unit]") {
    Fixture f;
    f.channel->script = {DeliveryOutcome::retry("down"), DeliveryOutcome::retry("down")};
    f.dispatcher.enqueue(note(1, alerts::AlertState::firing));
    f.dispatcher.enqueue(note(2, alerts::AlertState::resolved));
    REQUIRE(testing::run_until(f.ioc, [&] { return f.dispatcher.pending() == 0; }));
    REQUIRE(f.channel->attempts.size() == 4);
    CHECK(f.channel->attempts[0].first == 1);
    CHECK(f.channel->attempts[1].first == 1);
    CHECK(f.channel->attempts[2].first == 1);
    CHECK(f.channel->attempts[3] == std::pair<std::uint64_t, alerts::AlertState>{
                                        2, alerts::AlertState::resolved});
    CHECK(f.counter("delivered") == 2);
}

TEST_CASE("Dispatcher: alerts of different series do not wait for each other", "[alerts][unit]") {
    Fixture f;
    f.channel->script = {DeliveryOutcome::retry("down")};
    f.dispatcher.enqueue(note(1, alerts::AlertState::firing, "acme"));
    f.dispatcher.enqueue(note(2, alerts::AlertState::firing, "zeta"));
    REQUIRE(testing::run_until(f.ioc, [&] { return f.dispatcher.pending() == 0; }));
    REQUIRE(f.channel->attempts.size() == 3);
    // zeta's first attempt went out before acme's retry.
    CHECK(f.channel->attempts[1].first == 2);
}

TEST_CASE("Dispatcher: a final failure is not retried and is counted", "[alerts][unit]") {
    Fixture f;
    f.channel->script = {DeliveryOutcome::failed("unexpected status code 400")};
    f.dispatcher.enqueue(note(1, alerts::AlertState::firing));
    REQUIRE(testing::run_until(f.ioc, [&] { return f.dispatcher.pending() == 0; }));
    CHECK(f.channel->attempts.size() == 1);
    CHECK(f.counter("failed") == 1);
}

TEST_CASE("Dispatcher: gives up after max_attempts", "[alerts][unit]") {
    Fixture f{3};
    for (int i = 0; i < 10; ++i) f.channel->script.push_back(DeliveryOutcome::retry("503"));
    f.dispatcher.enqueue(note(1, alerts::AlertState::firing));
    REQUIRE(testing::run_until(f.ioc, [&] { return f.dispatcher.pending() == 0; }));
    CHECK(f.channel->attempts.size() == 3);
    CHECK(f.counter("failed") == 1);
}

TEST_CASE("Dispatcher: send_resolved = false skips resolved notifications", "[alerts][unit]") {
    Fixture f;
    auto rc = receiver("r");
    rc.send_resolved = false;
    f.channel = std::make_shared<RecordingChannel>(rc, f.ioc);
    f.dispatcher.set_channels({{"r", f.channel}});
    f.dispatcher.enqueue(note(1, alerts::AlertState::resolved));
    CHECK(f.dispatcher.pending() == 0);
    f.ioc.poll();
    CHECK(f.channel->attempts.empty());
}

TEST_CASE("Dispatcher: drain retries at once and reports what is left", "[alerts][unit]") {
    Fixture f{100};
    auto rc = receiver("r", 100);
    rc.initial_backoff = 1h;  // would never retry in time without drain
    rc.max_backoff = 1h;
    f.channel = std::make_shared<RecordingChannel>(rc, f.ioc);
    f.dispatcher.set_channels({{"r", f.channel}});
    f.channel->script = {DeliveryOutcome::retry("503")};
    f.dispatcher.enqueue(note(1, alerts::AlertState::firing));
    REQUIRE(testing::run_until(f.ioc, [&] { return f.channel->attempts.size() == 1; }));
    std::optional<std::size_t> left;
    f.dispatcher.drain(5s, [&](std::size_t n) { left = n; });
    REQUIRE(testing::run_until(f.ioc, [&] { return left.has_value(); }));
    CHECK(*left == 0);
    CHECK(f.channel->attempts.size() == 2);
}

TEST_CASE("Dispatcher: drain gives up at the deadline", "[alerts][unit]") {
    Fixture f{1000};
    auto rc = receiver("r", 1000000);
    f.channel = std::make_shared<RecordingChannel>(rc, f.ioc);
    f.dispatcher.set_channels({{"r", f.channel}});
    for (int i = 0; i < 100000; ++i) f.channel->script.push_back(DeliveryOutcome::retry("503"));
    f.dispatcher.enqueue(note(1, alerts::AlertState::firing));
    std::optional<std::size_t> left;
    f.dispatcher.drain(50ms, [&](std::size_t n) { left = n; });
    REQUIRE(testing::run_until(f.ioc, [&] { return left.has_value(); }));
    CHECK(*left == 1);
}
