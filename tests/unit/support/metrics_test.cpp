#include <gtest/gtest.h>

#include <thread>

#include "mcprov/support/metrics.hpp"

namespace mcprov::support {
namespace {

TEST(metrics_registry, when_series_are_recorded_then_the_exposition_has_each_family_once_with_its_help_and_type) {
    metrics_registry r;
    r.counter_of("mcprov_http_requests_total", "Requests.", {{"server", "kms"}, {"route", "keyprov"}}).inc(3);
    r.counter_of("mcprov_http_requests_total", "ignored", {{"server", "kms"}, {"route", "init"}}).inc();
    r.gauge_of("mcprov_up", "Whether it runs.").set(1);
    EXPECT_EQ(r.exposition(), "# HELP mcprov_http_requests_total Requests.\n"
                              "# TYPE mcprov_http_requests_total counter\n"
                              "mcprov_http_requests_total{server=\"kms\",route=\"init\"} 1\n"
                              "mcprov_http_requests_total{server=\"kms\",route=\"keyprov\"} 3\n"
                              "# HELP mcprov_up Whether it runs.\n"
                              "# TYPE mcprov_up gauge\n"
                              "mcprov_up 1\n");
}

TEST(metrics_registry, when_the_same_labels_are_asked_again_then_the_same_series_counts_on) {
    metrics_registry r;
    auto& a = r.counter_of("c_total", "", {{"x", "1"}});
    auto& b = r.counter_of("c_total", "", {{"x", "1"}});
    EXPECT_EQ(&a, &b);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i)
                a.inc();
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(b.value(), 40000u);
}

TEST(metrics_registry, when_a_histogram_observes_then_its_buckets_are_cumulative_with_sum_and_count) {
    metrics_registry r;
    auto& h = r.histogram_of("d_seconds", "Latency.", {0.125, 1}, {{"route", "a"}});
    h.observe(0.0625);
    h.observe(0.125); // on a bound: in that bucket (le)
    h.observe(0.5);
    h.observe(3);
    EXPECT_EQ(r.exposition(), "# HELP d_seconds Latency.\n# TYPE d_seconds histogram\n"
                              "d_seconds_bucket{route=\"a\",le=\"0.125\"} 2\n"
                              "d_seconds_bucket{route=\"a\",le=\"1\"} 3\n"
                              "d_seconds_bucket{route=\"a\",le=\"+Inf\"} 4\n"
                              "d_seconds_sum{route=\"a\"} 3.6875\n"
                              "d_seconds_count{route=\"a\"} 4\n");
}

TEST(metrics_registry, when_label_values_and_help_hold_quotes_or_newlines_then_they_are_escaped) {
    metrics_registry r;
    r.counter_of("c_total", "a \\ b\nc", {{"peer", "say \"hi\"\\\n"}}).inc();
    EXPECT_EQ(r.exposition(), "# HELP c_total a \\\\ b\\nc\n# TYPE c_total counter\n"
                              "c_total{peer=\"say \\\"hi\\\"\\\\\\n\"} 1\n");
}

TEST(metrics_registry, when_a_collector_is_added_then_it_is_read_on_every_exposition) {
    metrics_registry r;
    double open = 2;
    r.add_collector("conns", "Open connections.", metric_type::gauge,
                    [&] { return std::vector<metric_sample>{{{{"server", "cms"}}, open}}; });
    EXPECT_NE(r.exposition().find("conns{server=\"cms\"} 2\n"), std::string::npos);
    open = 5;
    EXPECT_NE(r.exposition().find("conns{server=\"cms\"} 5\n"), std::string::npos);
}

TEST(metrics_registry, when_a_name_is_malformed_or_a_family_changes_type_then_it_is_refused) {
    metrics_registry r;
    EXPECT_THROW(r.counter_of("9lives", ""), std::invalid_argument);
    EXPECT_THROW(r.counter_of("a-b", ""), std::invalid_argument);
    EXPECT_THROW(r.counter_of("ok_total", "", {{"__reserved", "x"}}), std::invalid_argument);
    EXPECT_THROW(r.histogram_of("h", "", {1}, {{"le", "x"}}), std::invalid_argument);
    EXPECT_THROW(r.histogram_of("h2", "", {1, 1}), std::invalid_argument);
    EXPECT_THROW(r.counter_of("twice_total", "", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
    r.counter_of("x_total", "");
    EXPECT_THROW(r.gauge_of("x_total", ""), std::invalid_argument);
}

TEST(peer_health, when_a_peer_answers_then_fails_then_up_follows_the_last_call_and_failures_are_counted) {
    auto r = std::make_shared<metrics_registry>();
    peer_health hlr(r, "mcprov_dms_peer", "hlr");
    auto text = r->exposition();
    EXPECT_EQ(text.find("mcprov_dms_peer_up"), std::string::npos) << "no verdict before the first call: " << text;
    EXPECT_NE(text.find("mcprov_dms_peer_last_answer_seconds{peer=\"hlr\"} 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mcprov_dms_peer_call_failures_total{peer=\"hlr\"} 0\n"), std::string::npos) << text;

    hlr.answered();
    text = r->exposition();
    EXPECT_NE(text.find("mcprov_dms_peer_up{peer=\"hlr\"} 1\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("mcprov_dms_peer_last_answer_seconds{peer=\"hlr\"} 0\n"), std::string::npos) << text;

    hlr.failed();
    hlr.failed();
    text = r->exposition();
    EXPECT_NE(text.find("mcprov_dms_peer_up{peer=\"hlr\"} 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mcprov_dms_peer_call_failures_total{peer=\"hlr\"} 2\n"), std::string::npos) << text;
}

} // namespace
} // namespace mcprov::support
