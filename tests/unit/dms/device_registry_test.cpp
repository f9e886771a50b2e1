#include <gtest/gtest.h>

#include "mcprov/dms/device_registry.hpp"

namespace mcprov::dms {
namespace {

using support::errc;

TEST(device_registry, when_a_device_is_enrolled_then_its_credentials_read_back_binary_nonces_included) {
    device_registry registry(store::create_memory_document_store());
    const device_credentials c{"IMEI:1", "s1", std::string("\x00\xff\x10", 3), "dms", "s2", std::string("\x7f\x00", 2)};
    ASSERT_TRUE(registry.enroll("IMEI:1", c));
    auto read = registry.credentials("IMEI:1");
    ASSERT_TRUE(read && *read);
    EXPECT_EQ((*read)->client_nonce, c.client_nonce);
    EXPECT_EQ((*read)->server_nonce, c.server_nonce);
    EXPECT_EQ((*read)->client_secret, "s1");
    EXPECT_FALSE(registry.credentials("IMEI:2")->has_value());
    EXPECT_TRUE(registry.inventory("IMEI:1")->dev_info.empty());
}

TEST(device_registry, when_a_device_is_enrolled_twice_or_without_names_then_refused) {
    device_registry registry(store::create_memory_document_store());
    const device_credentials c{"IMEI:1", "s1", "n", "dms", "s2", "m"};
    ASSERT_TRUE(registry.enroll("IMEI:1", c));
    auto again = registry.enroll("IMEI:1", c);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.err().code, errc::conflict);
    auto nameless = registry.enroll("IMEI:3", {"", "s", "n", "dms", "s", "m"});
    ASSERT_FALSE(nameless);
    EXPECT_EQ(nameless.err().code, errc::invalid_argument);
}

} // namespace
} // namespace mcprov::dms
