#include <gtest/gtest.h>

#include <sys/stat.h>

#include "../temp_dir.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::support {
namespace {

using std::filesystem::perms;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class secret_file : public ::testing::Test {
protected:
    std::filesystem::path write(const std::string& content, perms mode) {
        auto file = dir_.path() / "secret.key";
        EXPECT_TRUE(write_file(file, content));
        std::filesystem::permissions(file, mode);
        return file;
    }

    testing::temp_dir dir_;
};

TEST_F(secret_file, when_only_its_owner_may_access_it_then_it_is_read) {
    auto file = write("-----BEGIN PRIVATE KEY-----\n", perms::owner_read | perms::owner_write);
    auto text = read_secret_file(file);
    ASSERT_TRUE(text) << text.err().message;
    EXPECT_EQ(*text, "-----BEGIN PRIVATE KEY-----\n");
    EXPECT_TRUE(read_secret_file(write("k", perms::owner_read)));
}

TEST_F(secret_file, when_others_may_read_it_then_it_is_refused_naming_the_file_its_mode_and_the_fix) {
    auto file = write("k", perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
    auto text = read_secret_file(file);
    ASSERT_FALSE(text);
    EXPECT_EQ(text.err().code, errc::invalid_argument);
    EXPECT_TRUE(contains(text.err().message, file.string() + ": readable by others (mode 0644)")) << text.err().message;
    EXPECT_TRUE(contains(text.err().message, "chmod 600 " + file.string())) << text.err().message;
}

TEST_F(secret_file, when_its_group_or_others_have_any_access_then_it_is_refused_as_the_master_key_is) {
    const perms owner = perms::owner_read | perms::owner_write;
    for (auto [extra, said] : {std::pair{perms::group_read, "readable by its group (mode 0640)"},
                               std::pair{perms::group_write, "writable by its group (mode 0620)"},
                               std::pair{perms::group_exec, "executable by its group (mode 0610)"},
                               std::pair{perms::others_write, "writable by others (mode 0602)"},
                               std::pair{perms::others_exec, "executable by others (mode 0601)"}}) {
        auto text = read_secret_file(write("k", owner | extra));
        ASSERT_FALSE(text) << said;
        EXPECT_TRUE(contains(text.err().message, said)) << text.err().message;
    }
}

TEST_F(secret_file, when_it_is_absent_a_directory_a_fifo_or_too_large_then_it_is_refused) {
    auto absent = read_secret_file(dir_.path() / "absent.key");
    ASSERT_FALSE(absent);
    EXPECT_EQ(absent.err().code, errc::io);
    EXPECT_TRUE(contains(absent.err().message, "absent.key")) << absent.err().message;

    auto folder = dir_.path() / "folder.key";
    std::filesystem::create_directory(folder);
    std::filesystem::permissions(folder, perms::owner_all);
    auto directory = read_secret_file(folder);
    ASSERT_FALSE(directory);
    EXPECT_TRUE(contains(directory.err().message, "regular file")) << directory.err().message;

    // Opening a FIFO for reading would wait for a writer: it is refused without waiting.
    auto fifo = dir_.path() / "fifo.key";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto piped = read_secret_file(fifo);
    ASSERT_FALSE(piped);
    EXPECT_TRUE(contains(piped.err().message, "regular file")) << piped.err().message;

    auto large = read_secret_file(write(std::string(100, 'k'), perms::owner_read), 99);
    ASSERT_FALSE(large);
    EXPECT_EQ(large.err().code, errc::too_large);
}

TEST_F(secret_file, when_a_symbolic_link_points_at_a_private_file_then_the_file_s_mode_counts) {
    auto target = write("k", perms::owner_read | perms::owner_write);
    auto link = dir_.path() / "link.key";
    std::filesystem::create_symlink(target, link); // a link's own mode is always 0777
    EXPECT_TRUE(read_secret_file(link));
    std::filesystem::permissions(target, perms::others_read, std::filesystem::perm_options::add);
    EXPECT_FALSE(read_secret_file(link));
}

} // namespace
} // namespace mcprov::support
