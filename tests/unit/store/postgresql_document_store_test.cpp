// What only the PostgreSQL backend does: its own schema migrations, refused newer schemas, concurrent start-up.

#include <thread>

#include <gtest/gtest.h>

#include "mcprov/store/document_store.hpp"
#include "postgres_server.hpp"

namespace mcprov::store {
namespace {

using support::errc;

class postgresql_document_store_test : public ::testing::Test {
protected:
    void SetUp() override {
        auto fresh = testing::fresh_postgres_database();
        ASSERT_TRUE(fresh) << fresh.err().message;
        url = std::move(fresh).value();
    }

    std::string url;
    std::shared_ptr<support::clock> clock = support::create_system_clock();
};

TEST_F(postgresql_document_store_test, when_several_processes_open_a_new_database_at_once_then_each_migration_runs_once) {
    std::vector<std::thread> threads;
    std::atomic<int> opened{0};
    std::string failure;
    std::mutex failure_mutex;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            auto s = create_postgresql_document_store(url, clock);
            if (s && s.value()->schema_version() == 1) {
                ++opened;
            } else if (!s) {
                std::lock_guard lock(failure_mutex);
                failure = s.err().message;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(opened.load(), 4) << failure;
}

TEST_F(postgresql_document_store_test, when_the_database_is_newer_than_the_build_then_open_refuses_it_by_name) {
    ASSERT_TRUE(create_postgresql_document_store(url, clock));
    auto bumped = testing::postgres_exec(url, "UPDATE mcprov_schema SET version = 99");
    ASSERT_TRUE(bumped) << bumped.err().message;
    auto reopened = create_postgresql_document_store(url, clock);
    ASSERT_FALSE(reopened);
    EXPECT_EQ(reopened.err().code, errc::io);
    EXPECT_NE(reopened.err().message.find("newer"), std::string::npos) << reopened.err().message;
    EXPECT_NE(reopened.err().message.find(redact_url(url)), std::string::npos) << reopened.err().message;
}

TEST_F(postgresql_document_store_test, when_a_statement_fails_inside_transact_then_the_error_names_the_database) {
    auto s = create_postgresql_document_store(url, clock);
    ASSERT_TRUE(s) << s.err().message;
    ASSERT_TRUE(testing::postgres_exec(
        url, "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'poisoned document'; END $$ "
             "LANGUAGE plpgsql; CREATE TRIGGER poison BEFORE INSERT ON documents FOR EACH ROW WHEN "
             "(NEW.name = 'poison') EXECUTE FUNCTION poison()"));
    const document_key first{"a", "u", "first"};
    auto done = s.value()->transact([&](transaction& tx) -> support::result<void> {
        if (!tx.put(first, "<first/>")) {
            return support::make_error(errc::internal, "unexpected");
        }
        auto poisoned = tx.put({"a", "u", "poison"}, "<x/>");
        if (!poisoned) {
            return std::move(poisoned).err();
        }
        return {};
    });
    ASSERT_FALSE(done);
    EXPECT_EQ(done.err().code, errc::io);
    EXPECT_NE(done.err().message.find("poisoned document"), std::string::npos) << done.err().message;
    EXPECT_EQ(s.value()->get(first).err().code, errc::not_found);
    // A unit that ignores a failed statement does not commit the rest.
    auto ignored = s.value()->transact([&](transaction& tx) -> support::result<void> {
        (void)tx.put(first, "<first/>");
        (void)tx.put({"a", "u", "poison"}, "<x/>");
        return {};
    });
    EXPECT_FALSE(ignored);
    EXPECT_EQ(s.value()->get(first).err().code, errc::not_found);
    ASSERT_TRUE(s.value()->put(first, "<first/>", {}));
}

} // namespace
} // namespace mcprov::store
