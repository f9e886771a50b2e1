#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "../temp_dir.hpp"
#include "mcprov/store/document_store.hpp"

namespace mcprov::store {
namespace {

using support::errc;

const document_key alice{"org.3gpp.mcptt.user-profile", "sip:alice@example.org", "mcptt-user-profile-1.xml"};

class sqlite_document_store_test : public ::testing::Test {
protected:
    void SetUp() override {
        auto created = create_sqlite_document_store(dir.path() / "cms.db");
        ASSERT_TRUE(created) << created.err().message;
        store = std::move(created).value();
    }

    testing::temp_dir dir;
    std::unique_ptr<document_store> store;
};

TEST_F(sqlite_document_store_test, when_document_missing_then_get_is_not_found) {
    auto got = store->get(alice);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::not_found);
}

TEST_F(sqlite_document_store_test, when_put_then_get_returns_same_bytes_and_etag) {
    auto put = store->put(alice, "<a/>", {});
    ASSERT_TRUE(put);
    EXPECT_TRUE(put->created);
    auto got = store->get(alice);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->content, "<a/>");
    EXPECT_EQ(got->etag, put->etag);
    EXPECT_EQ(got->etag, entity_tag_of("<a/>"));
}

TEST_F(sqlite_document_store_test, when_content_changes_then_etag_changes) {
    auto first = store->put(alice, "<a/>", {});
    auto second = store->put(alice, "<b/>", {});
    ASSERT_TRUE(first && second);
    EXPECT_FALSE(second->created);
    EXPECT_NE(first->etag, second->etag);
    EXPECT_EQ(entity_tag_of("<a/>").front(), '"');
}

TEST_F(sqlite_document_store_test, when_if_match_is_stale_then_put_fails_and_document_is_unchanged) {
    auto first = store->put(alice, "<a/>", {});
    ASSERT_TRUE(first);
    ASSERT_TRUE(store->put(alice, "<b/>", {.if_match = first->etag}));
    auto stale = store->put(alice, "<c/>", {.if_match = first->etag});
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.err().code, errc::precondition_failed);
    EXPECT_EQ(store->get(alice)->content, "<b/>");
}

TEST_F(sqlite_document_store_test, when_if_none_match_any_and_document_exists_then_put_fails) {
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    auto again = store->put(alice, "<b/>", {.if_match = std::nullopt, .if_none_match = "*"});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.err().code, errc::precondition_failed);
    EXPECT_EQ(store->get(alice)->content, "<a/>");
}

TEST_F(sqlite_document_store_test, when_if_match_any_and_document_missing_then_put_fails) {
    auto put = store->put(alice, "<a/>", {.if_match = "*"});
    ASSERT_FALSE(put);
    EXPECT_EQ(put.err().code, errc::precondition_failed);
    EXPECT_EQ(store->get(alice).err().code, errc::not_found);
}

TEST_F(sqlite_document_store_test, when_removed_then_gone_and_second_remove_is_not_found) {
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    ASSERT_TRUE(store->remove(alice, {}));
    EXPECT_EQ(store->get(alice).err().code, errc::not_found);
    EXPECT_EQ(store->remove(alice, {}).err().code, errc::not_found);
}

TEST_F(sqlite_document_store_test, when_remove_with_stale_etag_then_document_stays) {
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    auto removed = store->remove(alice, {.if_match = entity_tag_of("<other/>")});
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.err().code, errc::precondition_failed);
    EXPECT_TRUE(store->get(alice));
}

TEST_F(sqlite_document_store_test, when_listing_then_only_that_users_documents_in_name_order) {
    auto second = alice;
    second.name = "mcptt-user-profile-0.xml";
    auto other_user = alice;
    other_user.xui = "sip:bob@example.org";
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    ASSERT_TRUE(store->put(second, "<a/>", {}));
    ASSERT_TRUE(store->put(other_user, "<a/>", {}));
    auto names = store->list(alice.auid, alice.xui);
    ASSERT_TRUE(names);
    EXPECT_EQ(*names, (std::vector<std::string>{"mcptt-user-profile-0.xml", "mcptt-user-profile-1.xml"}));
}

TEST_F(sqlite_document_store_test, when_reopened_then_documents_persist_and_schema_is_current) {
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    store.reset();
    auto reopened = create_sqlite_document_store(dir.path() / "cms.db");
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened.value()->get(alice)->content, "<a/>");
    EXPECT_EQ(reopened.value()->schema_version(), 2);
}

// Writes another process makes through its own store (here a second store on the same file: a mapping of its own of
// the count of writes, as another process has), and one written past mcprov (the sqlite3 shell), which is not counted.
class sqlite_read_cache_test : public sqlite_document_store_test {
protected:
    std::unique_ptr<document_store> other() {
        auto opened = create_sqlite_document_store(dir.path() / "cms.db");
        EXPECT_TRUE(opened) << opened.err().message;
        return std::move(opened).value();
    }
    void write_past_mcprov(std::string_view content) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((dir.path() / "cms.db").c_str(), &db), SQLITE_OK);
        const auto sql = "UPDATE documents SET content = CAST('" + std::string(content) + "' AS BLOB)";
        EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    // The counts in FILE-changes: writes begun, writes ended.
    std::uint64_t* counts() {
        if (!mapped_) {
            const int fd = ::open((dir.path() / "cms.db-changes").c_str(), O_RDWR);
            EXPECT_GE(fd, 0);
            mapped_ = ::mmap(nullptr, 16, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            ::close(fd);
        }
        return static_cast<std::uint64_t*>(mapped_);
    }
    void TearDown() override {
        if (mapped_)
            ::munmap(mapped_, 16);
    }
    void* mapped_ = nullptr;
};

TEST_F(sqlite_read_cache_test, when_nothing_was_written_since_then_a_read_is_answered_from_memory) {
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    ASSERT_EQ(store->get(alice)->content, "<a/>");
    ASSERT_EQ(store->list_documents(alice.auid, alice.xui)->at(0).document.content, "<a/>");
    write_past_mcprov("<past/>");
    EXPECT_EQ(store->get(alice)->content, "<a/>") << "no write counted: the database was not read again";
    EXPECT_EQ(store->list_documents(alice.auid, alice.xui)->at(0).document.content, "<a/>");
    EXPECT_EQ(other()->get(alice)->content, "<past/>") << "a process that had kept nothing reads the file";
}

TEST_F(sqlite_read_cache_test, when_another_process_writes_then_the_next_read_sees_it) {
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    ASSERT_EQ(store->get(alice)->content, "<a/>");
    ASSERT_TRUE(store->list_documents(alice.auid, alice.xui));
    const document_key absent{alice.auid, alice.xui, "mcptt-user-profile-2.xml"};
    ASSERT_EQ(store->get(absent).err().code, errc::not_found);
    auto writer = other();
    ASSERT_TRUE(writer->put(alice, "<b/>", {}));
    ASSERT_TRUE(writer->put(absent, "<c/>", {}));
    EXPECT_EQ(store->get(alice)->content, "<b/>");
    EXPECT_EQ(store->get(absent)->content, "<c/>") << "an absence is not kept past a write either";
    EXPECT_EQ(store->list_documents(alice.auid, alice.xui)->size(), 2u);
    ASSERT_TRUE(writer->transact([&](transaction& tx) -> support::result<void> {
        return tx.remove(alice).has_value() ? support::result<void>{}
                                            : support::make_error(errc::io, "remove failed");
    }));
    EXPECT_EQ(store->get(alice).err().code, errc::not_found);
    EXPECT_EQ(store->list_documents(alice.auid, alice.xui)->size(), 1u);
}

TEST_F(sqlite_read_cache_test, when_a_write_is_under_way_or_its_writer_died_then_reads_go_to_the_database) {
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    ASSERT_EQ(store->get(alice)->content, "<a/>");
    ++counts()[0]; // a writer began, and never ended (killed between its COMMIT and its count)
    write_past_mcprov("<past/>");
    EXPECT_EQ(store->get(alice)->content, "<past/>");
    write_past_mcprov("<again/>");
    EXPECT_EQ(store->get(alice)->content, "<again/>") << "nothing is kept while the counts are apart";
    ++counts()[1];
    EXPECT_EQ(store->get(alice)->content, "<again/>");
}

TEST_F(sqlite_read_cache_test, when_reads_race_another_processs_writes_then_none_goes_back_in_time) {
    ASSERT_TRUE(store->put(alice, "0", {}));
    auto writer = other();
    std::atomic<bool> writing{true};
    std::atomic<int> went_back{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 2; ++t) {
        readers.emplace_back([&] {
            int seen = 0;
            while (writing) {
                auto got = store->get(alice);
                const int now = got ? std::stoi(got->content) : -1;
                went_back += now < seen ? 1 : 0;
                seen = std::max(seen, now);
            }
        });
    }
    for (int k = 1; k <= 300; ++k)
        ASSERT_TRUE(writer->put(alice, std::to_string(k), {}));
    writing = false;
    for (auto& r : readers)
        r.join();
    EXPECT_EQ(went_back, 0);
    EXPECT_EQ(store->get(alice)->content, "300") << "the last write is what is read once the writes are over";
}

TEST_F(sqlite_read_cache_test, when_the_store_is_written_then_both_counts_move_together) {
    const auto before = std::pair{counts()[0], counts()[1]};
    EXPECT_EQ(before.first, before.second);
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    EXPECT_FALSE(store->transact([](transaction&) -> support::result<void> {
        return support::make_error(errc::conflict, "the unit of work gives up");
    }));
    EXPECT_EQ(counts()[0], before.first + 2) << "a rolled-back write is counted too";
    EXPECT_EQ(counts()[1], before.second + 2);
}

TEST_F(sqlite_document_store_test, when_a_unit_of_work_writes_through_its_own_store_then_that_write_is_refused_at_once) {
    support::error inner{errc::io, ""};
    auto outer = store->transact([&](transaction& tx) -> support::result<void> {
        if (auto nested = store->put(alice, "<nested/>", {}); !nested)
            inner = nested.err();
        return tx.put(alice, "<outer/>").has_value() ? support::result<void>{}
                                                      : support::make_error(errc::io, "outer put failed");
    });
    ASSERT_TRUE(outer) << outer.err().message;
    EXPECT_EQ(inner.code, errc::internal) << "refused, not left to wait for itself: " << inner.message;
    EXPECT_EQ(store->get(alice)->content, "<outer/>");
}

TEST_F(sqlite_document_store_test, when_database_is_newer_than_build_then_open_refuses) {
    store.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / "cms.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto reopened = create_sqlite_document_store(dir.path() / "cms.db");
    ASSERT_FALSE(reopened);
    EXPECT_NE(reopened.err().message.find("newer"), std::string::npos);
}

TEST_F(sqlite_document_store_test, when_path_is_unwritable_then_open_fails_with_io) {
    auto created = create_sqlite_document_store(dir.path() / "missing-dir" / "cms.db");
    ASSERT_FALSE(created);
    EXPECT_EQ(created.err().code, errc::io);
}

TEST_F(sqlite_document_store_test, when_many_threads_write_with_if_match_then_no_update_is_lost) {
    ASSERT_TRUE(store->put(alice, "0", {}));
    std::atomic<int> successes{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                for (;;) {
                    auto current = store->get(alice);
                    if (!current) {
                        continue;
                    }
                    auto next = std::to_string(std::stoi(current->content) + 1);
                    if (store->put(alice, next, {.if_match = current->etag})) {
                        ++successes;
                        break;
                    }
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(successes.load(), 200);
    EXPECT_EQ(store->get(alice)->content, "200");
}

document_key with_name(document_key key, std::string name) {
    key.name = std::move(name);
    return key;
}

document_key with_xui(document_key key, std::string xui) {
    key.xui = std::move(xui);
    return key;
}

TEST_F(sqlite_document_store_test, when_write_all_then_creates_replaces_and_removes_in_one_go) {
    const auto replaced = with_name(alice, "replaced.xml");
    const auto removed = with_name(alice, "removed.xml");
    const auto created = with_name(alice, "created.xml");
    ASSERT_TRUE(store->put(replaced, "<old/>", {}));
    ASSERT_TRUE(store->put(removed, "<gone/>", {}));
    auto written = store->write_all({
        {created, "<new/>"},
        {replaced, "<replacement/>"},
        {removed, std::nullopt},
        {with_name(alice, "never-existed.xml"), std::nullopt},
        {with_name(alice, "empty.xml"), ""},
    });
    ASSERT_TRUE(written) << written.err().message;
    auto got_created = store->get(created);
    ASSERT_TRUE(got_created);
    EXPECT_EQ(got_created->content, "<new/>");
    EXPECT_EQ(got_created->etag, entity_tag_of("<new/>"));
    auto got_replaced = store->get(replaced);
    ASSERT_TRUE(got_replaced);
    EXPECT_EQ(got_replaced->content, "<replacement/>");
    EXPECT_EQ(got_replaced->etag, entity_tag_of("<replacement/>"));
    EXPECT_EQ(store->get(removed).err().code, errc::not_found);
    auto got_empty = store->get(with_name(alice, "empty.xml"));
    ASSERT_TRUE(got_empty);
    EXPECT_EQ(got_empty->content, "");
    EXPECT_EQ(got_empty->etag, entity_tag_of(""));
    EXPECT_EQ(*store->list(alice.auid, alice.xui),
              (std::vector<std::string>{"created.xml", "empty.xml", "replaced.xml"}));
}

TEST_F(sqlite_document_store_test, when_write_all_names_a_key_twice_then_the_later_change_wins) {
    ASSERT_TRUE(store->write_all({{alice, "<first/>"}, {alice, "<second/>"}}));
    EXPECT_EQ(store->get(alice)->content, "<second/>");
    ASSERT_TRUE(store->write_all({{alice, "<third/>"}, {alice, std::nullopt}}));
    EXPECT_EQ(store->get(alice).err().code, errc::not_found);
}

TEST_F(sqlite_document_store_test, when_write_all_is_empty_then_nothing_changes) {
    ASSERT_TRUE(store->put(alice, "<a/>", {}));
    ASSERT_TRUE(store->write_all({}));
    EXPECT_EQ(store->get(alice)->content, "<a/>");
}

TEST_F(sqlite_document_store_test, when_a_write_fails_part_way_then_the_whole_batch_is_rolled_back) {
    const auto replaced = with_name(alice, "replaced.xml");
    const auto removed = with_name(alice, "removed.xml");
    const auto created = with_name(alice, "created.xml");
    ASSERT_TRUE(store->put(replaced, "<old/>", {}));
    ASSERT_TRUE(store->put(removed, "<kept/>", {}));

    // A real failure inside the transaction, after earlier writes of the batch have been applied.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / "cms.db").c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "CREATE TRIGGER poison BEFORE INSERT ON documents WHEN NEW.name = 'poison' "
                           "BEGIN SELECT RAISE(ABORT, 'poisoned document'); END",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(raw);

    auto written = store->write_all({
        {created, "<new/>"},
        {replaced, "<replacement/>"},
        {removed, std::nullopt},
        {with_name(alice, "poison"), "<x/>"},
        {with_name(alice, "after.xml"), "<after/>"},
    });
    ASSERT_FALSE(written);
    EXPECT_EQ(written.err().code, errc::io);
    EXPECT_NE(written.err().message.find("poisoned document"), std::string::npos) << written.err().message;

    EXPECT_EQ(store->get(created).err().code, errc::not_found);
    EXPECT_EQ(store->get(replaced)->content, "<old/>");
    EXPECT_EQ(store->get(removed)->content, "<kept/>");
    EXPECT_EQ(store->get(with_name(alice, "after.xml")).err().code, errc::not_found);

    // No transaction was left open: another connection takes the write lock at once.
    sqlite3_busy_timeout(raw, 0);
    EXPECT_EQ(sqlite3_exec(raw, "BEGIN IMMEDIATE; ROLLBACK;", nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(raw);
    sqlite3_close(raw);

    // And the store (and its pooled connection) still works.
    ASSERT_TRUE(store->write_all({{created, "<new/>"}, {removed, std::nullopt}}));
    EXPECT_EQ(store->get(created)->content, "<new/>");
    EXPECT_EQ(store->get(removed).err().code, errc::not_found);
    ASSERT_TRUE(store->put(with_name(alice, "later.xml"), "<later/>", {}));
}

TEST_F(sqlite_document_store_test, when_listing_users_then_distinct_sorted_and_only_that_auid) {
    const std::string other_auid = "org.3gpp.mcptt.service-config";
    ASSERT_TRUE(store->write_all({
        {with_xui(alice, "sip:carol@example.org"), "<a/>"},
        {alice, "<a/>"},
        {with_name(alice, "second.xml"), "<a/>"},
        {with_xui(alice, "sip:bob@example.org"), "<a/>"},
        {{other_auid, "sip:dave@example.org", "config.xml"}, "<a/>"},
    }));
    auto users = store->list_users(alice.auid);
    ASSERT_TRUE(users) << users.err().message;
    EXPECT_EQ(*users,
              (std::vector<std::string>{"sip:alice@example.org", "sip:bob@example.org", "sip:carol@example.org"}));
    auto others = store->list_users(other_auid);
    ASSERT_TRUE(others);
    EXPECT_EQ(*others, (std::vector<std::string>{"sip:dave@example.org"}));
    auto none = store->list_users("org.example.unknown");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST_F(sqlite_document_store_test, when_a_users_last_document_is_removed_then_user_is_no_longer_listed) {
    const auto bob = with_xui(alice, "sip:bob@example.org");
    ASSERT_TRUE(store->write_all({{alice, "<a/>"}, {bob, "<b/>"}}));
    ASSERT_TRUE(store->remove(bob, {}));
    EXPECT_EQ(*store->list_users(alice.auid), (std::vector<std::string>{"sip:alice@example.org"}));
}

} // namespace
} // namespace mcprov::store

namespace mcprov::store {
namespace {

TEST(entity_tag_list_matches, when_list_contains_tag_then_matches) {
    EXPECT_TRUE(entity_tag_list_matches("\"a\", \"b\"", "\"b\"", false));
    EXPECT_TRUE(entity_tag_list_matches(" * ", "\"b\"", false));
    EXPECT_FALSE(entity_tag_list_matches("\"a\",\"c\"", "\"b\"", false));
}

TEST(entity_tag_list_matches, when_tag_is_weak_then_only_weak_comparison_matches) {
    EXPECT_TRUE(entity_tag_list_matches("W/\"b\"", "\"b\"", true));
    EXPECT_FALSE(entity_tag_list_matches("W/\"b\"", "\"b\"", false));
}

} // namespace
} // namespace mcprov::store
