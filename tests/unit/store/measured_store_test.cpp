#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/metrics.hpp"

namespace mcprov::store {
namespace {

using support::errc;
using support::make_error;
using support::result;

const document_key alice{"org.3gpp.mcptt.user-profile", "sip:alice@example.org", "profile.xml"};

// A store whose every call fails with `code`, as a database that went away does.
class failing_store final : public document_store {
public:
    explicit failing_store(errc code) : code_(code) {}
    result<stored_document> get(const document_key&) const override { return fail(); }
    result<put_outcome> put(const document_key&, std::string_view, const write_condition&) override { return fail(); }
    result<void> remove(const document_key&, const write_condition&) override { return fail(); }
    result<std::vector<std::string>> list(std::string_view, std::string_view) const override { return fail(); }
    result<std::vector<std::string>> list_users(std::string_view) const override { return fail(); }
    result<void> write_all(const std::vector<document_write>&) override { return fail(); }
    result<void> transact(const unit_of_work&) override { return fail(); }
    result<std::vector<named_document>> list_documents(std::string_view, std::string_view) const override {
        return fail();
    }
    result<std::vector<user_document>> list_all(std::string_view) const override { return fail(); }
    result<bool> try_acquire_lease(std::string_view, std::string_view, std::chrono::milliseconds) override {
        return fail();
    }
    result<bool> release_lease(std::string_view, std::string_view) override { return fail(); }
    std::int64_t schema_version() const override { return 2; }

private:
    support::error fail() const { return make_error(code_, "the database is gone"); }
    errc code_;
};

bool has_line(const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
}

TEST(measured_store, when_calls_are_made_then_each_is_timed_under_its_operation_and_answers_pass_through) {
    auto metrics = std::make_shared<support::metrics_registry>();
    auto store = measured(create_memory_document_store(), metrics);
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    auto got = store->get(alice);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->content, "<a/>");
    auto missing = store->get({alice.auid, alice.xui, "other.xml"});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.err().code, errc::not_found);
    write_condition stale;
    stale.if_match = "\"not-the-tag\"";
    EXPECT_EQ(store->put(alice, "<b/>", stale).err().code, errc::precondition_failed);
    EXPECT_TRUE(store->transact([](transaction& t) -> result<void> {
        if (auto removed = t.remove(alice); !removed) {
            return std::move(removed).err();
        }
        return {};
    }));
    // The unit of work's own answer (a device already enrolled) is no failure of the store.
    auto refused = store->transact([](transaction&) -> result<void> { return make_error(errc::conflict, "enrolled"); });
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.err().code, errc::conflict);

    const auto text = metrics->exposition();
    EXPECT_TRUE(has_line(text, R"(mcprov_store_operation_seconds_count{operation="get"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(mcprov_store_operation_seconds_count{operation="put"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(mcprov_store_operation_seconds_count{operation="transact"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(mcprov_store_errors_total{operation="transact",error="conflict"} 0)")) << text;
    EXPECT_TRUE(has_line(text, R"(mcprov_store_operation_seconds_count{operation="list_all"} 0)")) << text;
    // Not found and a failed condition are answers, not failures of the store.
    EXPECT_TRUE(has_line(text, R"(mcprov_store_errors_total{operation="get",error="io"} 0)")) << text;
    EXPECT_EQ(text.find(R"(error="not_found")"), std::string::npos) << text;
    EXPECT_EQ(text.find(R"(error="precondition_failed")"), std::string::npos) << text;
}

TEST(measured_store, when_the_store_itself_fails_then_the_error_is_counted_by_operation_and_kind) {
    auto metrics = std::make_shared<support::metrics_registry>();
    auto store = measured(std::make_shared<failing_store>(errc::unavailable), metrics);
    EXPECT_EQ(store->get(alice).err().code, errc::unavailable);
    EXPECT_EQ(store->get(alice).err().code, errc::unavailable);
    EXPECT_EQ(store->try_acquire_lease("l", "me", std::chrono::seconds(1)).err().code, errc::unavailable);
    EXPECT_EQ(store->release_lease("l", "me").err().code, errc::unavailable);
    EXPECT_EQ(store->transact([](transaction&) -> result<void> { return {}; }).err().code, errc::unavailable);

    const auto text = metrics->exposition();
    EXPECT_TRUE(has_line(text, R"(mcprov_store_errors_total{operation="get",error="unavailable"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(mcprov_store_errors_total{operation="lease",error="unavailable"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(mcprov_store_errors_total{operation="get",error="io"} 0)")) << text;
    EXPECT_TRUE(has_line(text, R"(mcprov_store_errors_total{operation="transact",error="unavailable"} 1)")) << text;
    EXPECT_TRUE(has_line(text, R"(mcprov_store_operation_seconds_count{operation="get"} 2)")) << text;
}

} // namespace
} // namespace mcprov::store

namespace mcprov::store {
namespace {

TEST(measured_store, when_a_sqlite_store_answers_from_memory_then_hits_and_misses_are_counted) {
    testing::temp_dir dir;
    auto metrics = std::make_shared<support::metrics_registry>();
    auto sqlite = open_store("sqlite:" + (dir.path() / "cms.db").string(), nullptr);
    ASSERT_TRUE(sqlite) << sqlite.err().message;
    auto store = measured(*sqlite, metrics);
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    ASSERT_TRUE(store->get(alice));
    ASSERT_TRUE(store->get(alice));
    ASSERT_TRUE(store->list_documents(alice.auid, alice.xui));
    const auto text = metrics->exposition();
    EXPECT_NE(text.find("mcprov_store_cached_reads_total{result=\"hit\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mcprov_store_cached_reads_total{result=\"miss\"} 2\n"), std::string::npos) << text;

    auto memory_metrics = std::make_shared<support::metrics_registry>();
    measured(create_memory_document_store(), memory_metrics);
    EXPECT_EQ(memory_metrics->exposition().find("mcprov_store_cached_reads_total"), std::string::npos)
        << "a store that keeps nothing has no such series";
}

} // namespace
} // namespace mcprov::store
