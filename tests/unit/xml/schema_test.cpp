#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mcprov/xml/document.hpp"
#include "mcprov/xml/schema.hpp"

namespace mcprov::xml {
namespace {

using support::errc;

constexpr const char* profile_schema = "ts24484-rel13/mcptt-user-profile.xsd";

std::string read_data(const std::string& name) {
    std::ifstream in(std::string(MCPROV_TEST_DATA) + "/xml/" + name, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string profile(const std::string& root_attributes, const std::string& body) {
    return "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" " + root_attributes + ">\n" + body +
           "\n</mcptt-user-profile>";
}

const std::string minimal_body = "<ProfileName>Alice</ProfileName>"
                                 "<Common index=\"c1\"><UserAlias/><MCPTTUserID>"
                                 "<uri-entry>sip:alice@example.org</uri-entry></MCPTTUserID></Common>"
                                 "<OnNetwork index=\"o1\"><MCPTTGroupInfo><entry>"
                                 "<uri-entry>sip:group1@example.org</uri-entry></entry></MCPTTGroupInfo></OnNetwork>";

TEST(xml_schema, when_mcptt_user_profile_schema_loaded_then_it_compiles) {
    auto schema = load_embedded_schema(profile_schema);
    ASSERT_TRUE(schema) << schema.err().message;
    EXPECT_NE(schema->get(), nullptr);
}

TEST(xml_schema, when_loaded_twice_then_the_compiled_schema_is_shared) {
    auto a = load_embedded_schema(profile_schema);
    auto b = load_embedded_schema(profile_schema);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->get(), b->get());
}

TEST(xml_schema, when_every_embedded_ts24484_schema_loaded_then_each_compiles) {
    for (const char* path : {"ts24484-rel13/common-policy.xsd", "ts24484-rel13/xml.xsd", "ts24484-rel13/ue-config.xsd",
                             "ts24484-rel13/ue-init-config.xsd", "ts24484-rel13/Servconf.xsd"}) {
        auto schema = load_embedded_schema(path);
        EXPECT_TRUE(schema) << path << ": " << schema.err().message;
    }
}

TEST(xml_schema, when_unknown_path_then_not_found) {
    auto schema = load_embedded_schema("nope/missing.xsd");
    ASSERT_FALSE(schema);
    EXPECT_EQ(schema.err().code, errc::not_found);
    auto outside = load_embedded_schema("/etc/passwd");
    ASSERT_FALSE(outside);
    EXPECT_EQ(outside.err().code, errc::not_found);
}

TEST(xml_schema, when_minimal_profile_from_data_file_then_valid) {
    auto schema = load_embedded_schema(profile_schema);
    ASSERT_TRUE(schema) << schema.err().message;
    const std::string text = read_data("mcptt-user-profile-minimal.xml");
    ASSERT_FALSE(text.empty());
    auto doc = parse(text);
    ASSERT_TRUE(doc) << doc.err().message;
    auto valid = (*schema)->validate(*doc);
    EXPECT_TRUE(valid) << valid.err().message;
}

TEST(xml_schema, when_profile_uses_xml_lang_and_common_policy_imports_then_valid) {
    auto schema = load_embedded_schema(profile_schema);
    ASSERT_TRUE(schema) << schema.err().message;
    auto doc = parse(profile("XUI-URI=\"sip:alice@example.org\" user-profile-index=\"1\"",
                             "<Name xml:lang=\"en\">Alice</Name>" + minimal_body));
    ASSERT_TRUE(doc) << doc.err().message;
    auto valid = (*schema)->validate(*doc);
    EXPECT_TRUE(valid) << valid.err().message;
}

TEST(xml_schema, when_required_attribute_missing_then_schema_invalid_with_line) {
    auto schema = load_embedded_schema(profile_schema);
    ASSERT_TRUE(schema) << schema.err().message;
    auto doc = parse(profile("user-profile-index=\"1\"", minimal_body));
    ASSERT_TRUE(doc) << doc.err().message;
    auto valid = (*schema)->validate(*doc);
    ASSERT_FALSE(valid);
    EXPECT_EQ(valid.err().code, errc::schema_invalid);
    EXPECT_EQ(valid.err().message.rfind("line 1: ", 0), 0u) << valid.err().message;
    EXPECT_NE(valid.err().message.find("XUI-URI"), std::string::npos) << valid.err().message;
}

TEST(xml_schema, when_unexpected_element_then_schema_invalid) {
    auto schema = load_embedded_schema(profile_schema);
    ASSERT_TRUE(schema) << schema.err().message;
    auto doc = parse(profile("XUI-URI=\"sip:alice@example.org\" user-profile-index=\"1\"",
                             "<ProfileName>Alice</ProfileName>\n<Bogus/>"));
    ASSERT_TRUE(doc) << doc.err().message;
    auto valid = (*schema)->validate(*doc);
    ASSERT_FALSE(valid);
    EXPECT_EQ(valid.err().code, errc::schema_invalid);
    EXPECT_EQ(valid.err().message.rfind("line 3: ", 0), 0u) << valid.err().message;
}

TEST(xml_schema, when_validated_from_four_threads_then_results_are_correct) {
    auto schema = load_embedded_schema(profile_schema);
    ASSERT_TRUE(schema) << schema.err().message;
    const std::shared_ptr<const xml::schema> compiled = *schema;
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                const bool good = (i + t) % 2 == 0;
                auto doc = parse(profile(good ? "XUI-URI=\"sip:a@example.org\" user-profile-index=\"1\""
                                              : "user-profile-index=\"1\"",
                                         minimal_body));
                if (!doc) {
                    ++wrong;
                    continue;
                }
                auto valid = compiled->validate(*doc);
                if (valid.has_value() != good || (!good && valid.err().code != errc::schema_invalid)) {
                    ++wrong;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(wrong.load(), 0);
}

TEST(xml_schema, when_loaded_from_four_threads_at_once_then_all_get_the_same_schema) {
    std::vector<const schema*> seen(4, nullptr);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            auto s = load_embedded_schema("ts24484-rel13/ue-config.xsd");
            seen[static_cast<std::size_t>(t)] = s ? s->get() : nullptr;
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    ASSERT_NE(seen[0], nullptr);
    for (const auto* s : seen) {
        EXPECT_EQ(s, seen[0]);
    }
}

} // namespace
} // namespace mcprov::xml
