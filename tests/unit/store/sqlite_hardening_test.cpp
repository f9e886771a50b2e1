// The SQLite backend at start-up and on storage errors: every error names the database file.

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "../temp_dir.hpp"
#include "mcprov/store/document_store.hpp"

namespace mcprov::store {
namespace {

using support::errc;

const document_key alice{"org.3gpp.mcptt.user-profile", "sip:alice@example.org", "mcptt-user-profile-1.xml"};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class sqlite_hardening_test : public ::testing::Test {
protected:
    testing::temp_dir dir;
    std::filesystem::path db = dir.path() / "cms.db";
};

TEST_F(sqlite_hardening_test, when_the_directory_is_missing_then_the_error_names_the_file) {
    auto path = dir.path() / "missing-dir" / "cms.db";
    auto opened = create_sqlite_document_store(path);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.err().code, errc::io);
    EXPECT_TRUE(contains(opened.err().message, path.string())) << opened.err().message;
}

TEST_F(sqlite_hardening_test, when_the_file_is_not_a_database_then_open_refuses_naming_it) {
    {
        std::ofstream out(db, std::ios::binary);
        for (int i = 0; i < 200; ++i) {
            out << "this is not a database file, just text. ";
        }
    }
    auto opened = create_sqlite_document_store(db);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.err().code, errc::io);
    EXPECT_TRUE(contains(opened.err().message, db.string())) << opened.err().message;
    EXPECT_TRUE(contains(opened.err().message, "not a database")) << opened.err().message;
}

TEST_F(sqlite_hardening_test, when_a_page_is_corrupt_then_start_up_refuses_the_database_by_name) {
    {
        auto store = create_sqlite_document_store(db);
        ASSERT_TRUE(store) << store.err().message;
        for (int i = 0; i < 200; ++i) {
            ASSERT_TRUE(store.value()->put({alice.auid, "sip:user" + std::to_string(i) + "@example.org", alice.name},
                                           std::string(400, static_cast<char>('a' + i % 26)), {}));
        }
    } // closing the last connection checkpoints the WAL into the file
    ASSERT_FALSE(std::filesystem::exists(db.string() + "-wal"));
    std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
    unsigned char header[18];
    file.read(reinterpret_cast<char*>(header), sizeof header);
    const std::size_t page_size = (header[16] << 8) | header[17];
    ASSERT_GE(std::filesystem::file_size(db), 3 * page_size);
    // Page 2 is the root of the documents table: overwrite it from its middle to its end, where its cells are.
    file.seekp(static_cast<std::streamoff>(page_size + page_size / 2));
    std::string garbage(page_size / 2, '\x5a');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    file.close();

    auto reopened = create_sqlite_document_store(db);
    ASSERT_FALSE(reopened);
    EXPECT_EQ(reopened.err().code, errc::io);
    EXPECT_TRUE(contains(reopened.err().message, db.string())) << reopened.err().message;
    EXPECT_TRUE(contains(reopened.err().message, "corrupt")) << reopened.err().message;
}

// Run in a child process: as root, drops to nobody first, since root may write any file.
int open_read_only_database(const std::filesystem::path& db) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
        std::fprintf(stderr, "cannot drop privileges\n");
        return 2;
    }
    auto opened = create_sqlite_document_store(db);
    if (opened) {
        std::fprintf(stderr, "a read-only database was opened\n");
        return 1;
    }
    const auto& message = opened.err().message;
    if (opened.err().code != errc::io || !contains(message, db.string()) || !contains(message, "read-only")) {
        std::fprintf(stderr, "unexpected error: %s\n", message.c_str());
        return 1;
    }
    return 0;
}

TEST_F(sqlite_hardening_test, when_the_database_is_read_only_then_open_refuses_naming_it) {
    {
        auto store = create_sqlite_document_store(db);
        ASSERT_TRUE(store);
        ASSERT_TRUE(store.value()->put(alice, "<a/>", {}));
    }
    std::filesystem::permissions(db, std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                         std::filesystem::perms::others_read);
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                                 std::filesystem::perms::group_exec |
                                                 std::filesystem::perms::others_read |
                                                 std::filesystem::perms::others_exec);
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(std::exit(open_read_only_database(db)), ::testing::ExitedWithCode(0), "");
    std::filesystem::permissions(db, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
}

// PRAGMA max_page_count holds per connection: set it on every connection this process opens.
int limit_pages(sqlite3* db, char**, const sqlite3_api_routines*) {
    sqlite3_exec(db, "PRAGMA max_page_count = 16", nullptr, nullptr, nullptr);
    return SQLITE_OK;
}

TEST_F(sqlite_hardening_test, when_the_database_is_full_then_writes_fail_with_storage_full) {
    auto entry = reinterpret_cast<void (*)()>(&limit_pages);
    ASSERT_EQ(sqlite3_auto_extension(entry), SQLITE_OK);
    auto opened = create_sqlite_document_store(db);
    ASSERT_TRUE(opened) << opened.err().message;
    auto& store = *opened.value();
    support::result<put_outcome> put = put_outcome{};
    int written = 0;
    for (; written < 1000 && put; ++written) {
        put = store.put({alice.auid, "sip:user" + std::to_string(written) + "@example.org", alice.name},
                        std::string(3000, 'x'), {});
    }
    ASSERT_FALSE(put) << "16 pages held " << written << " documents of 3000 bytes";
    EXPECT_EQ(put.err().code, errc::storage_full) << put.err().message;
    EXPECT_TRUE(contains(put.err().message, db.string())) << put.err().message;
    EXPECT_TRUE(contains(put.err().message, "full")) << put.err().message;
    EXPECT_STREQ(support::to_string(errc::storage_full), "storage-full");
    // Nothing half-written, and reading still works.
    EXPECT_EQ(store.list_users(alice.auid)->size(), static_cast<std::size_t>(written - 1));
    opened = support::make_error(errc::internal, "closed");
    sqlite3_cancel_auto_extension(entry);
}

} // namespace
} // namespace mcprov::store
