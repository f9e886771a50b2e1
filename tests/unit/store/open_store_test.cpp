#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "mcprov/store/document_store.hpp"

namespace mcprov::store {
namespace {

using support::errc;

const document_key alice{"org.3gpp.mcptt.user-profile", "sip:alice@example.org", "profile.xml"};

class open_store_test : public ::testing::Test {
protected:
    // Opens url, writes a document, and tells whether `file` now holds a SQLite database.
    void expect_sqlite_file(const std::string& url, const std::filesystem::path& file,
                            const std::filesystem::path& base = {}) {
        auto opened = open_store(url, clock, base);
        ASSERT_TRUE(opened) << url << ": " << opened.err().message;
        ASSERT_TRUE(opened.value()->put(alice, "<a/>", {}));
        EXPECT_TRUE(std::filesystem::exists(file)) << url;
        EXPECT_EQ(opened.value()->schema_version(), 2);
    }

    testing::temp_dir dir;
    std::shared_ptr<support::clock> clock = support::create_system_clock();
};

TEST_F(open_store_test, when_url_is_sqlite_relative_then_the_file_is_under_the_base_dir) {
    expect_sqlite_file("sqlite:data/cms.db", dir.path() / "data" / "cms.db",
                       (std::filesystem::create_directories(dir.path() / "data"), dir.path()));
}

TEST_F(open_store_test, when_url_is_sqlite_with_an_absolute_path_then_that_file) {
    expect_sqlite_file("sqlite://" + (dir.path() / "a.db").string(), dir.path() / "a.db", "/nonexistent");
    expect_sqlite_file("sqlite:" + (dir.path() / "b.db").string(), dir.path() / "b.db", "/nonexistent");
}

TEST_F(open_store_test, when_url_is_a_plain_path_then_it_is_a_sqlite_file) {
    expect_sqlite_file("plain.db", dir.path() / "plain.db", dir.path());
    expect_sqlite_file((dir.path() / "abs.db").string(), dir.path() / "abs.db");
}

TEST_F(open_store_test, when_url_is_memory_then_a_fresh_store_each_time) {
    auto first = open_store("memory:", clock);
    ASSERT_TRUE(first);
    ASSERT_TRUE(first.value()->put(alice, "<a/>", {}));
    auto second = open_store("memory:", clock);
    ASSERT_TRUE(second);
    EXPECT_EQ(second.value()->get(alice).err().code, errc::not_found);
}

TEST_F(open_store_test, when_a_store_answers_then_the_readiness_probe_passes_and_leaves_nothing_behind) {
    auto opened = open_store("sqlite:probe.db", clock, dir.path());
    ASSERT_TRUE(opened) << opened.err().message;
    EXPECT_TRUE(probe(**opened));
    EXPECT_TRUE(probe(*create_memory_document_store()));
    auto users = opened.value()->list_users("mcprov.probe");
    ASSERT_TRUE(users);
    EXPECT_TRUE(users->empty());
}

TEST_F(open_store_test, when_the_scheme_is_unknown_then_invalid_argument_naming_it) {
    auto opened = open_store("mysql://root:hunter2@db/cms", clock);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.err().code, errc::invalid_argument);
    EXPECT_NE(opened.err().message.find("\"mysql\""), std::string::npos) << opened.err().message;
    EXPECT_EQ(opened.err().message.find("hunter2"), std::string::npos) << opened.err().message;
}

TEST_F(open_store_test, when_the_url_is_malformed_then_invalid_argument) {
    for (const char* url : {"", "sqlite:", "sqlite://host/cms.db", "memory:extra"}) {
        auto opened = open_store(url, clock, dir.path());
        ASSERT_FALSE(opened) << url;
        EXPECT_EQ(opened.err().code, errc::invalid_argument) << url << ": " << opened.err().message;
    }
}

TEST_F(open_store_test, when_postgresql_is_unreachable_then_unavailable_without_the_password) {
    for (const char* url : {"postgresql://mcprov:s3cret-pw@127.0.0.1:1/cms?connect_timeout=5",
                            "postgres://mcprov@127.0.0.1:1/cms?password=s3cret-pw&connect_timeout=5"}) {
        auto opened = open_store(url, clock);
        ASSERT_FALSE(opened) << url;
        EXPECT_EQ(opened.err().code, errc::unavailable) << opened.err().message;
        EXPECT_EQ(opened.err().message.find("s3cret-pw"), std::string::npos) << opened.err().message;
        EXPECT_NE(opened.err().message.find("127.0.0.1:1/cms"), std::string::npos) << opened.err().message;
    }
}

TEST_F(open_store_test, when_libpq_quotes_the_url_in_its_error_then_the_password_is_still_hidden) {
    auto opened = open_store("postgresql://mcprov:%zzs3cret-pw@127.0.0.1:1/cms", clock);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.err().message.find("s3cret-pw"), std::string::npos) << opened.err().message;
}

TEST(redact_url, when_a_url_carries_a_password_then_it_is_replaced) {
    EXPECT_EQ(redact_url("postgresql://u:pw@h:5432/db"), "postgresql://u:***@h:5432/db");
    EXPECT_EQ(redact_url("postgresql://u@h/db?sslmode=require&password=pw&x=1"),
              "postgresql://u@h/db?sslmode=require&password=***&x=1");
    EXPECT_EQ(redact_url("host=h password=pw dbname=db"), "host=h password=*** dbname=db");
    EXPECT_EQ(redact_url("postgresql://u@h/db"), "postgresql://u@h/db");
    EXPECT_EQ(redact_url("sqlite:/var/lib/a:b.db"), "sqlite:/var/lib/a:b.db");
}

} // namespace
} // namespace mcprov::store
