#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "fake_kms.hpp"
#include "mcprov/kmc/key_material_folder.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::kmc::testing {
namespace {

namespace fs = std::filesystem;
using support::errc;

const std::string alice = "sip:alice@police.example.org";

class key_material_folder_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        police_ = new fake_domain("kms.police.example.org");
        fire_ = new fake_domain("kms.fire.example.org");
    }
    static void TearDownTestSuite() {
        delete police_;
        delete fire_;
    }

    static fake_domain* police_;
    static fake_domain* fire_;
    mcprov::testing::temp_dir dir_;
};

fake_domain* key_material_folder_test::police_ = nullptr;
fake_domain* key_material_folder_test::fire_ = nullptr;

TEST_F(key_material_folder_test, when_material_is_stored_then_it_loads_back_whole) {
    auto material = police_->material_of(alice, {fire_->as_external(), fire_->as_external(true)});
    material.external[1].kms_uri = "kms.ambulance.example.org";
    const key_material_folder folder(dir_.path() / "alice-police");
    ASSERT_TRUE(folder.store(material));

    EXPECT_TRUE(fs::exists(dir_.path() / "alice-police" / "kms-certificate.xml"));
    EXPECT_TRUE(fs::exists(dir_.path() / "alice-police" / "key-set.xml"));
    EXPECT_TRUE(fs::exists(dir_.path() / "alice-police" / "external" / "kms.fire.example.org.xml"));
    EXPECT_EQ(fs::status(folder.key_set_file()).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    auto loaded = folder.load();
    ASSERT_TRUE(loaded) << loaded.err().message;
    EXPECT_EQ(loaded->own, material.own);
    EXPECT_EQ(loaded->keys, material.keys);
    ASSERT_EQ(loaded->external.size(), 2u);
    auto revoked = loaded->external[0].revoked ? loaded->external[0] : loaded->external[1];
    EXPECT_EQ(revoked.kms_uri, "kms.ambulance.example.org");
}

TEST_F(key_material_folder_test, when_stored_again_then_a_domain_no_longer_listed_is_gone) {
    const key_material_folder folder(dir_.path());
    ASSERT_TRUE(folder.store(police_->material_of(alice, {fire_->as_external()})));
    ASSERT_TRUE(folder.store(police_->material_of(alice)));
    EXPECT_FALSE(fs::exists(folder.external_file("kms.fire.example.org")));
    auto loaded = folder.load();
    ASSERT_TRUE(loaded) << loaded.err().message;
    EXPECT_TRUE(loaded->external.empty());
}

TEST_F(key_material_folder_test, when_material_does_not_encode_then_the_folder_keeps_what_it_had) {
    const key_material_folder folder(dir_.path());
    ASSERT_TRUE(folder.store(police_->material_of(alice, {fire_->as_external()})));
    auto broken = police_->material_of(alice, {});
    auto external = fire_->as_external();
    external.user_key_period = 0;
    broken.external.push_back(external);
    auto stored = folder.store(broken);
    ASSERT_FALSE(stored);
    EXPECT_EQ(stored.err().code, errc::invalid_argument);
    EXPECT_TRUE(fs::exists(folder.external_file("kms.fire.example.org")));
    auto loaded = folder.load();
    ASSERT_TRUE(loaded) << loaded.err().message;
    EXPECT_EQ(loaded->external.size(), 1u);
}

TEST(key_material_folder, when_a_kms_uri_has_other_characters_then_they_become_underscores_in_the_file_name) {
    EXPECT_EQ(external_file_name("kms.fire-1.example.org"), "kms.fire-1.example.org.xml");
    EXPECT_EQ(external_file_name("https://kms/../x"), "https___kms_.._x.xml");
    EXPECT_EQ(key_material_folder("/k").external_file("a/b"), fs::path("/k/external/a_b.xml"));
}

TEST_F(key_material_folder_test, when_the_key_set_is_missing_then_loading_fails_and_names_the_file) {
    const key_material_folder folder(dir_.path());
    ASSERT_TRUE(folder.store(police_->material_of(alice)));
    fs::remove(folder.key_set_file());
    auto loaded = folder.load();
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.err().code, errc::io);
    EXPECT_NE(loaded.err().message.find("key-set.xml"), std::string::npos) << loaded.err().message;
}

TEST_F(key_material_folder_test, when_a_file_is_not_its_document_then_the_error_names_the_file) {
    const key_material_folder folder(dir_.path());
    ASSERT_TRUE(folder.store(police_->material_of(alice)));
    ASSERT_TRUE(support::write_file(folder.certificate_file(), "<KmsKeySet/>"));
    auto loaded = folder.load();
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.err().message.find(folder.certificate_file().string() + ": "), std::string::npos)
        << loaded.err().message;
}

TEST_F(key_material_folder_test, when_other_domains_are_given_then_their_own_certificates_become_usable) {
    const auto dave = "sip:dave@example.org";
    ASSERT_TRUE(key_material_folder(dir_.path() / "fire").store(fire_->material_of(dave)));
    ASSERT_TRUE(key_material_folder(dir_.path() / "police").store(police_->material_of(dave)));
    auto alone = load_key_material(dir_.path() / "fire");
    ASSERT_TRUE(alone) << alone.err().message;
    EXPECT_FALSE(usable_certificate(*alone, "kms.police.example.org", t0));
    auto both = load_key_material(dir_.path() / "fire", {dir_.path() / "police"});
    ASSERT_TRUE(both) << both.err().message;
    EXPECT_EQ(both->own.kms_uri, "kms.fire.example.org");
    EXPECT_TRUE(usable_certificate(*both, "kms.police.example.org", t0));
    EXPECT_FALSE(load_key_material(dir_.path() / "fire", {dir_.path() / "nowhere"}));
}

} // namespace
} // namespace mcprov::kmc::testing
