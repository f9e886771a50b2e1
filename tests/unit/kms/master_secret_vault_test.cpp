#include <gtest/gtest.h>

#include <fstream>

#include "../temp_dir.hpp"
#include "mcprov/kms/master_secret_vault.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::kms {
namespace {

using support::errc;

mikey::master_secrets some_secrets() {
    return {std::string(mikey::ksak_size, '\x11'), std::string(mikey::sakke_master_secret_size, '\x22')};
}

master_secret_vault vault_with(char fill) {
    return std::move(master_secret_vault::from_key(std::string(master_secret_vault::key_size, fill))).value();
}

TEST(master_secret_vault, when_sealed_then_opened_with_the_same_key_and_domain_then_the_secrets_come_back) {
    auto vault = vault_with('k');
    auto sealed = vault.seal(some_secrets(), "kms.police.example.org");
    ASSERT_TRUE(sealed) << sealed.err().message;
    auto opened = vault.open(*sealed, "kms.police.example.org");
    ASSERT_TRUE(opened) << opened.err().message;
    EXPECT_EQ(opened->ksak, some_secrets().ksak);
    EXPECT_EQ(opened->z, some_secrets().z);
}

TEST(master_secret_vault, when_sealed_then_the_secrets_do_not_appear_in_clear) {
    auto sealed = vault_with('k').seal(some_secrets(), "kms.police.example.org");
    ASSERT_TRUE(sealed);
    EXPECT_EQ(sealed->find(support::hex_encode(some_secrets().ksak)), std::string::npos);
    EXPECT_EQ(sealed->find(support::hex_encode(some_secrets().z.substr(0, 16))), std::string::npos);
    EXPECT_EQ(sealed->find(some_secrets().z.substr(0, 16)), std::string::npos);
}

TEST(master_secret_vault, when_opened_with_another_key_or_for_another_domain_then_unauthenticated) {
    auto sealed = vault_with('k').seal(some_secrets(), "kms.police.example.org");
    ASSERT_TRUE(sealed);
    auto other_key = vault_with('x').open(*sealed, "kms.police.example.org");
    ASSERT_FALSE(other_key);
    EXPECT_EQ(other_key.err().code, errc::unauthenticated);
    auto other_domain = vault_with('k').open(*sealed, "kms.fire.example.org");
    ASSERT_FALSE(other_domain);
    EXPECT_EQ(other_domain.err().code, errc::unauthenticated);
}

TEST(master_secret_vault, when_the_ciphertext_is_altered_then_unauthenticated) {
    auto vault = vault_with('k');
    auto sealed = vault.seal(some_secrets(), "kms.police.example.org");
    ASSERT_TRUE(sealed);
    auto at = sealed->find("\"ciphertext\":\"") + 14;
    auto altered = *sealed;
    altered[at] = altered[at] == '0' ? '1' : '0';
    auto opened = vault.open(altered, "kms.police.example.org");
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.err().code, errc::unauthenticated);
}

TEST(master_secret_vault, when_the_sealed_document_is_malformed_then_invalid_argument) {
    auto vault = vault_with('k');
    for (const std::string& bad : std::vector<std::string>{"", "[]", "{}", R"({"version":2,"algorithm":"AES-256-GCM"})",
                            R"({"version":1,"algorithm":"AES-256-GCM","nonce":"00","ciphertext":"00","tag":"00"})",
                            std::string(5000, ' ')}) {
        auto opened = vault.open(bad, "kms.police.example.org");
        ASSERT_FALSE(opened) << bad;
        EXPECT_EQ(opened.err().code, errc::invalid_argument) << bad;
    }
}

TEST(master_secret_vault, when_the_key_file_is_readable_by_others_or_malformed_then_it_is_refused) {
    testing::temp_dir dir;
    auto file = dir.path() / "master.key";
    auto write = [&](const std::string& text, std::filesystem::perms perms) {
        std::ofstream(file) << text;
        std::filesystem::permissions(file, perms);
    };
    using std::filesystem::perms;
    write(master_secret_vault::generate_key_file_text(), perms::owner_read | perms::owner_write);
    EXPECT_TRUE(master_secret_vault::from_key_file(file));
    write(master_secret_vault::generate_key_file_text(), perms::owner_read | perms::group_read);
    auto shared = master_secret_vault::from_key_file(file);
    ASSERT_FALSE(shared);
    EXPECT_NE(shared.err().message.find("chmod 600"), std::string::npos);
    write(std::string(62, 'a') + "\n", perms::owner_read);
    EXPECT_FALSE(master_secret_vault::from_key_file(file));
    write(std::string(63, 'a') + "g", perms::owner_read);
    EXPECT_FALSE(master_secret_vault::from_key_file(file));
    EXPECT_FALSE(master_secret_vault::from_key_file(dir.path() / "absent.key"));
}

TEST(master_secret_vault, when_two_key_files_are_generated_then_they_differ) {
    EXPECT_NE(master_secret_vault::generate_key_file_text(), master_secret_vault::generate_key_file_text());
    EXPECT_EQ(master_secret_vault::generate_key_file_text().size(), 65u);
}

} // namespace
} // namespace mcprov::kms
