#include <gtest/gtest.h>

#include "mcprov/store/store_config.hpp"

namespace mcprov::store {
namespace {

// The URL read from a [store] table, or the reader's error message.
std::string read(const std::string& store_table) {
    auto root = support::parse_toml("[store]\n" + store_table, "x.toml");
    if (!root) {
        return "not TOML: " + root.err().message;
    }
    support::config_reader r(*root, "x.toml", "/etc/mcprov");
    auto url = read_store_url(r, *root);
    return r.ok() ? url : r.take_error().message;
}

TEST(store_config, when_a_sqlite_url_or_path_is_relative_then_it_is_taken_from_the_files_folder) {
    EXPECT_EQ(read("url = \"sqlite:cms.db\"\n"), "sqlite:/etc/mcprov/cms.db");
    EXPECT_EQ(read("url = \"sqlite:../data/cms.db\"\n"), "sqlite:/etc/data/cms.db");
    EXPECT_EQ(read("path = \"cms.db\"\n"), "sqlite:/etc/mcprov/cms.db");
}

TEST(store_config, when_a_url_is_absolute_or_not_sqlite_then_it_is_kept_as_it_is) {
    EXPECT_EQ(read("url = \"sqlite:/var/lib/cms.db\"\n"), "sqlite:/var/lib/cms.db");
    EXPECT_EQ(read("url = \"sqlite:///var/lib/cms.db\"\n"), "sqlite:///var/lib/cms.db");
    EXPECT_EQ(read("url = \"postgresql://mcprov@db/cms\"\n"), "postgresql://mcprov@db/cms");
    EXPECT_EQ(read("path = \"/var/lib/cms.db\"\n"), "sqlite:/var/lib/cms.db");
}

TEST(store_config, when_both_or_neither_are_given_then_the_error_says_so) {
    EXPECT_EQ(read("url = \"sqlite:a.db\"\npath = \"a.db\"\n"),
              "x.toml:3:8: store.url and store.path name the same thing: give one of them");
    EXPECT_EQ(read(""), "x.toml: store.url is required");
    EXPECT_EQ(read("url = \"\"\n"), "x.toml:2:7: store.url is required and cannot be empty");
}

} // namespace
} // namespace mcprov::store
