#include "noctua/sim/kafka_sink.hpp"

#include <array>

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

namespace noctua::sim {
namespace {

struct ProducerDeleter {
    void operator()(rd_kafka_t* rk) const noexcept {
        // Give queued messages a moment to leave, then destroy.
        rd_kafka_flush(rk, 2000);
        rd_kafka_destroy(rk);
    }
};
struct TopicDeleter {
    void operator()(rd_kafka_topic_t* t) const noexcept { rd_kafka_topic_destroy(t); }
};
struct ConfDeleter {
    void operator()(rd_kafka_conf_t* c) const noexcept { rd_kafka_conf_destroy(c); }
};

}  // namespace

struct KafkaSink::Impl {
    Options options;
    Stats stats;
    std::unique_ptr<rd_kafka_t, ProducerDeleter> producer;
    std::unique_ptr<rd_kafka_topic_t, TopicDeleter> topic;

    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
        auto* self = static_cast<Impl*>(opaque);
        if (msg->err) {
            ++self->stats.failed;
            spdlog::warn("kafka delivery failed topic={} error={}", self->options.topic,
                         rd_kafka_err2str(msg->err));
        } else {
            ++self->stats.delivered;
        }
    }
};

core::Result<std::unique_ptr<KafkaSink>> KafkaSink::create(Options options) {
    auto impl = std::make_unique<Impl>();
    impl->options = std::move(options);
    std::array<char, 512> err{};
    std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf{rd_kafka_conf_new()};
    auto set = [&](const char* key, const std::string& value) -> core::Result<void> {
        if (rd_kafka_conf_set(conf.get(), key, value.c_str(), err.data(), err.size()) !=
            RD_KAFKA_CONF_OK) {
            return core::fail(core::Errc::invalid_argument,
                              std::string("kafka ") + key + ": " + err.data());
        }
        return {};
    };
    if (impl->options.brokers.empty()) {
        return core::fail(core::Errc::invalid_argument, "kafka brokers are required");
    }
    // Kafka's own rule for topic names: 1-249 of [a-zA-Z0-9._-].
    const auto& t = impl->options.topic;
    if (t.empty() || t.size() > 249 || t.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789._-") != std::string::npos) {
        return core::fail(core::Errc::invalid_argument,
                          "kafka topic \"" + t + "\" is not a valid topic name");
    }
    for (auto r : {set("bootstrap.servers", impl->options.brokers), set("linger.ms", "20"),
                   set("enable.idempotence", "true"), set("compression.type", "lz4")}) {
        if (!r) return std::unexpected(r.error());
    }
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &Impl::on_delivery);
    rd_kafka_conf_set_opaque(conf.get(), impl.get());
    // rd_kafka_new takes ownership of conf on success only.
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err.data(), err.size());
    if (rk == nullptr) return core::fail(core::Errc::invalid_argument, std::string("kafka: ") + err.data());
    conf.release();
    impl->producer.reset(rk);
    impl->topic.reset(rd_kafka_topic_new(rk, impl->options.topic.c_str(), nullptr));
    if (!impl->topic) {
        return core::fail(core::Errc::invalid_argument,
                          "kafka topic \"" + impl->options.topic + "\": " +
                              rd_kafka_err2str(rd_kafka_last_error()));
    }
    return std::unique_ptr<KafkaSink>(new KafkaSink(std::move(impl)));
}

KafkaSink::KafkaSink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KafkaSink::~KafkaSink() {
    // The topic handle goes before the producer that owns it.
    if (impl_) impl_->topic.reset();
}

void KafkaSink::push(const TxEvent& e) {
    auto value = to_json(e);
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (rd_kafka_produce(impl_->topic.get(), RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                             value.data(), value.size(), e.provider.data(), e.provider.size(),
                             nullptr) == 0) {
            break;
        }
        const auto code = rd_kafka_last_error();
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt == 1) {
            ++impl_->stats.failed;
            spdlog::warn("kafka produce failed: {}", rd_kafka_err2str(code));
            break;
        }
        // Queue full: serve delivery reports to make room, then try once more.
        rd_kafka_poll(impl_->producer.get(), 100);
    }
    rd_kafka_poll(impl_->producer.get(), 0);
}

bool KafkaSink::busy() const {
    rd_kafka_poll(impl_->producer.get(), 0);
    return static_cast<std::size_t>(rd_kafka_outq_len(impl_->producer.get())) >=
           impl_->options.max_queued;
}

void KafkaSink::flush() { rd_kafka_poll(impl_->producer.get(), 0); }

std::size_t KafkaSink::pending() const {
    rd_kafka_poll(impl_->producer.get(), 0);
    return static_cast<std::size_t>(rd_kafka_outq_len(impl_->producer.get()));
}

KafkaSink::Stats KafkaSink::stats() const { return impl_->stats; }

}  // namespace noctua::sim
