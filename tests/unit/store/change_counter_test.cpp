#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "change_counter.hpp"
#include "mcprov/support/file.hpp"

// The count of writes of a SQLite file (docs/storage.md, "Reads kept in memory"): two counters on one file stand for
// two processes (each maps the file and locks it through descriptions of its own).
namespace mcprov::store::detail {
namespace {

using namespace std::chrono_literals;

class change_counter_test : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(support::write_file(dir.path() / "cms.db", "")); }
    std::unique_ptr<change_counter> open(std::chrono::nanoseconds stuck_after = 0ns) {
        auto opened = change_counter::open(dir.path() / "cms.db", stuck_after);
        EXPECT_TRUE(opened) << opened.err().message;
        return opened ? std::move(opened).value() : nullptr;
    }
    // settled() a few times over, as reads come (recovery is tried from the second look on).
    static std::optional<std::uint64_t> after_looks(change_counter& c) {
        std::optional<std::uint64_t> seen;
        for (int k = 0; k < 3; ++k)
            seen = c.settled();
        return seen;
    }
    testing::temp_dir dir;
};

TEST_F(change_counter_test, when_a_write_of_another_process_is_under_way_then_nothing_is_settled_until_it_ends) {
    auto writer = open();
    auto reader = open();
    const auto before = reader->settled();
    ASSERT_TRUE(before);
    writer->began();
    EXPECT_FALSE(after_looks(*reader)) << "a live writer's window is never recovered, however long it lasts";
    writer->ended();
    EXPECT_EQ(reader->settled(), *before + 1);
}

TEST_F(change_counter_test, when_a_writer_dies_inside_its_write_then_the_counts_are_made_to_meet) {
    auto reader = open();
    const auto before = reader->settled();
    ASSERT_TRUE(before);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto opened = change_counter::open(dir.path() / "cms.db");
        if (opened)
            (*opened)->began(); // and killed before its COMMIT returns: its lock goes with it
        ::_exit(opened ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_EQ(WEXITSTATUS(status), 0);
    EXPECT_EQ(after_looks(*reader), *before + 1) << "no writer left in its window: the dead one's count is done";
}

TEST_F(change_counter_test, when_the_database_is_reached_through_a_symbolic_link_then_the_count_is_the_real_files) {
    std::filesystem::create_symlink(dir.path() / "cms.db", dir.path() / "link.db");
    auto through_link = change_counter::open(dir.path() / "link.db", 0ns);
    ASSERT_TRUE(through_link) << through_link.err().message;
    auto direct = open();
    const auto before = direct->settled();
    (*through_link)->began();
    (*through_link)->ended();
    EXPECT_EQ(direct->settled(), *before + 1);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "link.db-changes"));
}

TEST_F(change_counter_test, when_the_count_file_is_not_one_this_store_made_then_it_is_refused_by_name) {
    std::filesystem::create_directory(dir.path() / "cms.db-changes");
    auto refused = change_counter::open(dir.path() / "cms.db");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.err().message.find("cms.db-changes"), std::string::npos) << refused.err().message;
    std::filesystem::remove(dir.path() / "cms.db-changes");
    ASSERT_TRUE(support::write_file(dir.path() / "elsewhere", std::string(16, '\0')));
    std::filesystem::create_hard_link(dir.path() / "elsewhere", dir.path() / "cms.db-changes");
    EXPECT_FALSE(change_counter::open(dir.path() / "cms.db")) << "a second link: someone else's file";
}

TEST_F(change_counter_test, when_it_is_created_then_it_has_the_databases_permissions_whatever_the_umask) {
    std::filesystem::permissions(dir.path() / "cms.db", std::filesystem::perms(0660));
    const auto old = ::umask(077);
    auto made = open();
    ::umask(old);
    ASSERT_TRUE(made);
    EXPECT_EQ(std::filesystem::status(dir.path() / "cms.db-changes").permissions(), std::filesystem::perms(0660));
}

} // namespace
} // namespace mcprov::store::detail
