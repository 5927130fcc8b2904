#include <catch2/catch.hpp>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "noctua/alerts/dispatcher.hpp"
#include "noctua/store/alert_store.hpp"
#include "noctua/testing/run_until.hpp"
#include "noctua/testing/temp_dir.hpp"

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

/// A dispatcher without a store on a strand of its own io_context, and its receiver "r" (a
/// `Channel`, which the fixture deriving from this makes).
template <class Channel>
struct DispatcherParts {
    boost::asio::io_context ioc;
    prometheus::Registry registry;
    alerts::AlertMetrics metrics{registry};
    boost::asio::strand<boost::asio::io_context::executor_type> strand{ioc.get_executor()};
    alerts::Dispatcher dispatcher{strand, metrics, 1};
    std::shared_ptr<Channel> channel;
};

struct Fixture : DispatcherParts<RecordingChannel> {
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

namespace {

/// Holds every attempt until the test answers it.
class HoldingChannel final : public alerts::ChannelBase {
public:
    explicit HoldingChannel(config::ReceiverConfig c) : ChannelBase(std::move(c)) {}
    std::deque<Done> held;
    std::size_t attempts = 0;
    /// Answers the oldest `n` held attempts `delivered`.
    void release(std::size_t n) {
        for (std::size_t i = 0; i < n && !held.empty(); ++i) {
            auto done = std::move(held.front());
            held.pop_front();
            done(DeliveryOutcome::delivered());
        }
    }

protected:
    void do_deliver(const alerts::Notification&, Done done) override {
        ++attempts;
        held.push_back(std::move(done));
    }
};

/// A dispatcher without a store whose receiver "r" holds every attempt.
struct HeldFixture : DispatcherParts<HoldingChannel> {
    HeldFixture() { channel = std::make_shared<HoldingChannel>(receiver("r")); }

    /// Runs `f` on the strand and everything it sets off that is ready.
    template <class F>
    void step(F f) {
        boost::asio::post(strand, std::move(f));
        ioc.restart();
        ioc.poll();
    }
};

}  // namespace

TEST_CASE("Dispatcher: at most kMaxInFlight attempts per receiver, the others wait their turn",
          "[alerts][unit]") {
    HeldFixture f;
    auto& [ioc, registry, metrics, strand, dispatcher, channel] = f;
    auto other = std::make_shared<HoldingChannel>(receiver("o"));
    dispatcher.set_channels({{"r", channel}, {"o", other}});
    constexpr std::size_t kGroups = alerts::Dispatcher::kMaxInFlight + 36;
    boost::asio::post(strand, [&] {
        for (std::size_t i = 0; i < kGroups; ++i) {
            dispatcher.enqueue(note(i + 1, alerts::AlertState::firing, "p" + std::to_string(i)));
        }
        auto n = note(1000, alerts::AlertState::firing);
        n.receiver = "o";
        dispatcher.enqueue(std::move(n));
    });
    ioc.poll();
    CHECK(channel->held.size() == alerts::Dispatcher::kMaxInFlight);
    CHECK(other->held.size() == 1);  // another receiver has slots of its own
    // Each answer frees a slot for the next group in line.
    boost::asio::post(strand, [&] { channel->release(10); });
    ioc.restart();
    ioc.poll();
    CHECK(channel->held.size() == alerts::Dispatcher::kMaxInFlight);
    CHECK(channel->attempts == alerts::Dispatcher::kMaxInFlight + 10);
    for (int round = 0; round < 10 && dispatcher.pending() > 1; ++round) {
        boost::asio::post(strand, [&] { channel->release(channel->held.size()); });
        ioc.restart();
        ioc.poll();
    }
    CHECK(dispatcher.pending() == 1);  // only the other receiver's
    CHECK(channel->attempts == kGroups);
    CHECK(metrics.notifications.Add({{"receiver", "r"}, {"result", "delivered"}}).Value() ==
          static_cast<double>(kGroups));
    CHECK(metrics.pending.Add({{"receiver", "r"}}).Value() == 0);
    CHECK(metrics.pending.Add({{"receiver", "o"}}).Value() == 1);
}

TEST_CASE("Dispatcher: what one strand turn enqueues reaches the outbox in one commit, "
          "before after_writes answers",
          "[alerts][unit]") {
    noctua::testing::TempDir dir;
    auto store = store::AlertStore::open((dir.path / "a.db").string());
    REQUIRE(store);
    boost::asio::io_context ioc;
    prometheus::Registry registry;
    alerts::AlertMetrics metrics{registry};
    boost::asio::strand<boost::asio::io_context::executor_type> strand{ioc.get_executor()};
    auto channel = std::make_shared<HoldingChannel>(receiver("r"));
    std::optional<std::size_t> on_disk;
    {
        alerts::Dispatcher dispatcher{strand, metrics, 1};
        dispatcher.attach_store(**store);
        dispatcher.set_channels({{"r", channel}});
        boost::asio::post(strand, [&] {
            for (std::uint64_t i = 1; i <= 50; ++i) {
                dispatcher.enqueue(
                    note(i, alerts::AlertState::firing, "p" + std::to_string(i)),
                    {store::RecordWrite{"nflog", "k" + std::to_string(i), std::string("told")}});
            }
            dispatcher.persist({store::RecordWrite{"alerts", "a", std::string("firing")}});
            dispatcher.after_writes([&] { on_disk = (*store)->pending()->size(); });
        });
        REQUIRE(testing::run_until(ioc, [&] { return on_disk.has_value(); }));
        CHECK(*on_disk == 50);  // every notification was on disk before the answer
        CHECK((*store)->commits() == 1);
        CHECK((*store)->records("nflog")->size() == 50);
        CHECK(channel->attempts == 50);

        // Deliveries answered together are removed together.
        boost::asio::post(strand, [&] { channel->release(50); });
        REQUIRE(testing::run_until(ioc, [&] { return (*store)->pending()->empty(); }));
        CHECK((*store)->commits() == 2);
        dispatcher.stop();
    }
}

TEST_CASE("Dispatcher: when_backlog_at_most holds its caller while more groups wait for a slot",
          "[alerts][unit]") {
    HeldFixture f;
    auto& [ioc, registry, metrics, strand, dispatcher, channel] = f;
    dispatcher.set_channels({{"r", channel}});
    const auto step = [&](auto g) { f.step(std::move(g)); };
    step([&] {
        for (std::uint64_t i = 0; i < alerts::Dispatcher::kMaxInFlight + 30; ++i) {
            dispatcher.enqueue(note(i + 1, alerts::AlertState::firing, "p" + std::to_string(i)));
        }
    });
    REQUIRE(dispatcher.backlog() == 30);

    SECTION("released once the line is short enough") {
        bool released = false;
        step([&] {
            dispatcher.when_backlog_at_most(10, std::chrono::hours(1), [&] { released = true; });
        });
        CHECK_FALSE(released);
        step([&] { channel->release(15); });
        CHECK(dispatcher.backlog() == 15);
        CHECK_FALSE(released);
        step([&] { channel->release(5); });
        CHECK(dispatcher.backlog() == 10);
        CHECK(released);
    }
    SECTION("released at max_wait whatever the line") {
        bool released = false;
        step([&] { dispatcher.when_backlog_at_most(0, 1ms, [&] { released = true; }); });
        REQUIRE(testing::run_until(ioc, [&] { return released; }));
        CHECK(dispatcher.backlog() == 30);
    }
    SECTION("not released after stop") {
        bool released = false;
        step([&] {
            dispatcher.when_backlog_at_most(0, 1ms, [&] { released = true; });
            dispatcher.stop();
        });
        // Its deadline is cancelled: nothing is left to run.
        ioc.restart();
        ioc.run();
        CHECK_FALSE(released);
    }
}

TEST_CASE("Dispatcher: a receiver waiting to retry holds no caller of when_backlog_at_most",
          "[alerts][unit]") {
    Fixture f;
    // Every attempt fails: the group waits an hour for its retry, not for a slot.
    auto rc = receiver("r", 10);
    rc.initial_backoff = std::chrono::hours(1);
    rc.max_backoff = std::chrono::hours(1);
    f.channel = std::make_shared<RecordingChannel>(rc, f.ioc);
    f.channel->script.assign(10, DeliveryOutcome::retry("503"));
    f.dispatcher.set_channels({{"r", f.channel}});
    boost::asio::post(f.strand, [&] { f.dispatcher.enqueue(note(1, alerts::AlertState::firing)); });
    REQUIRE(testing::run_until(f.ioc, [&] { return f.channel->attempts.size() == 1; }));
    f.ioc.restart();
    f.ioc.poll();  // the outcome: a retry an hour from now
    REQUIRE(f.dispatcher.pending() == 1);
    bool released = false;
    boost::asio::post(f.strand, [&] {
        f.dispatcher.when_backlog_at_most(0, std::chrono::hours(1), [&] { released = true; });
    });
    REQUIRE(testing::run_until(f.ioc, [&] { return released; }));
    CHECK(f.dispatcher.backlog() == 0);
    CHECK(f.channel->attempts.size() == 1);
    f.dispatcher.stop();
}
