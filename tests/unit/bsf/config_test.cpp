#include <regex>

#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "mcprov/bsf/bsf_config.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::bsf {
namespace {

using namespace std::chrono_literals;

// The example file, with the files it names made to exist in a temp folder.
std::string example_in(const std::filesystem::path& folder) {
    auto text = support::read_file(MCPROV_SOURCE_DIR "/config/bsf.example.toml");
    EXPECT_TRUE(text);
    for (const auto* name : {"bsf.crt", "bsf.key", "nafs-ca.pem"})
        EXPECT_TRUE(support::write_file(folder / name, "-"));
    return std::regex_replace(text.value(), std::regex("\"/(etc|var/lib)/mcprov/"), "\"" + folder.string() + "/");
}

TEST(bsf_config, when_the_example_file_is_parsed_then_it_is_valid_and_shows_the_limits) {
    testing::temp_dir dir;
    auto c = parse_bsf_config(example_in(dir.path()), "bsf.example.toml", dir.path());
    ASSERT_TRUE(c) << c.err().message;
    EXPECT_EQ(c->name, "bsf.mnc001.mcc001.pub.3gppnetwork.org");
    EXPECT_EQ(c->challenge_lifetime, 60s);
    EXPECT_EQ(c->max_vectors, 10u);
    EXPECT_EQ(c->vector_window, 60s);
}

TEST(bsf_config, when_the_vector_limit_is_out_of_range_then_the_key_is_named) {
    testing::temp_dir dir;
    const auto example = example_in(dir.path());
    for (const auto& [from, to, key] :
         {std::tuple{"max_vectors_per_subscriber = 10", "max_vectors_per_subscriber = 0", "max_vectors_per_subscriber"},
          {"vector_window_seconds = 60", "vector_window_seconds = 90000", "vector_window_seconds"}}) {
        auto text = example;
        text.replace(text.find(from), std::string_view(from).size(), to);
        auto c = parse_bsf_config(text, "bsf.toml", dir.path());
        ASSERT_FALSE(c) << key;
        EXPECT_NE(c.err().message.find(key), std::string::npos) << c.err().message;
    }
}

} // namespace
} // namespace mcprov::bsf
