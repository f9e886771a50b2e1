#include <gtest/gtest.h>

#include <mcprov/aka/authentication.hpp>
#include <mcprov/gsup/hlr_client.hpp>
#include <mcprov/gsup/hlr_vty.hpp>
#include <mcprov/support/encoding.hpp>

#include "../unit/temp_dir.hpp"
#include "osmo_hlr.hpp"

// The network side of switch-on against the real osmo-hlr: subscribers provisioned through its VTY, vectors and the
// IMEI check over GSUP, each vector checked by the USIM's side of AKA with the subscriber's keys.
namespace mcprov {
namespace {

std::string unhex(std::string_view h) {
    return *support::hex_decode(h);
}

const std::string k = unhex("8b7d5c3a1e0f9a2b4c6d8e0f1a2b3c4d");
const std::string opc = unhex("0a1b2c3d4e5f60718293a4b5c6d7e8f9");
constexpr std::string_view imsi = "001010000000017";

class gsup_test : public ::testing::Test {
protected:
    void SetUp() override {
        hlr_ = std::make_unique<testing::osmo_hlr>(dir_.path());
        ASSERT_TRUE(hlr_->ready()) << hlr_->log();
        const auto provisioned = gsup::provision_subscriber(vty(), {.imsi = std::string(imsi), .k = k, .opc = opc});
        ASSERT_TRUE(provisioned.has_value()) << provisioned.err().message << "\n" << hlr_->log();
        auto client = gsup::create_gsup_hlr_client({.host = hlr_->address(), .port = 4222, .unit_name = "mcprov-test",
                                                    .timeout = std::chrono::milliseconds(5000)});
        ASSERT_TRUE(client.has_value()) << client.err().message;
        client_ = std::move(*client);
    }

    gsup::hlr_vty_address vty() const {
        return {.host = hlr_->address(), .port = 4258, .timeout = std::chrono::milliseconds(5000)};
    }

    testing::temp_dir dir_;
    std::unique_ptr<testing::osmo_hlr> hlr_;
    std::unique_ptr<gsup::hlr_client> client_;
};

TEST_F(gsup_test, when_subscriber_is_provisioned_then_the_hlr_vector_is_accepted_by_the_usim_with_the_same_res) {
    const auto av = client_->send_auth_info(imsi);
    ASSERT_TRUE(av.has_value()) << av.err().message << "\n" << hlr_->log();
    aka::sequence_numbers seen;
    const auto f = *aka::milenage::create(k, opc);
    const auto answer = aka::usim_authenticate(f, seen, av->rand, av->autn);
    ASSERT_EQ(answer.result, aka::usim_answer::outcome::success);
    EXPECT_EQ(answer.res, av->xres);
    EXPECT_EQ(answer.ck, av->ck);
    EXPECT_EQ(answer.ik, av->ik);

    // A second vector carries a fresher SQN that the same USIM accepts too.
    const auto next = client_->send_auth_info(imsi);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(aka::usim_authenticate(f, seen, next->rand, next->autn).result, aka::usim_answer::outcome::success);
}

TEST_F(gsup_test, when_usim_answers_auts_then_the_hlr_resynchronises_and_its_next_vector_is_accepted) {
    const auto f = *aka::milenage::create(k, opc);
    // The IND slot the HLR uses for this network: the low five bits of the SQN hidden in AUTN.
    const auto first = client_->send_auth_info(imsi);
    ASSERT_TRUE(first.has_value());
    std::string sqn = first->autn.substr(0, 6);
    const std::string ak = f.f2345(first->rand).ak;
    for (std::size_t i = 0; i < 6; ++i)
        sqn[i] = static_cast<char>(sqn[i] ^ ak[i]);
    const std::uint64_t ind = aka::sqn_value(sqn) & 31;
    // A USIM that has already accepted a far higher sequence number in that slot than the HLR's.
    aka::sequence_numbers seen;
    const auto ahead = aka::make_authentication_vector(f, unhex("00112233445566778899aabbccddeeff"),
                                                       (std::uint64_t{5000} << 5) | ind, unhex("8000"));
    ASSERT_EQ(aka::usim_authenticate(f, seen, ahead.rand, ahead.autn).result, aka::usim_answer::outcome::success);

    const auto stale = client_->send_auth_info(imsi);
    ASSERT_TRUE(stale.has_value());
    const auto refused = aka::usim_authenticate(f, seen, stale->rand, stale->autn);
    ASSERT_EQ(refused.result, aka::usim_answer::outcome::synchronisation_failure);

    const auto resynced = client_->send_auth_info(imsi, gsup::hlr_client::resynchronisation{stale->rand, refused.auts});
    ASSERT_TRUE(resynced.has_value()) << resynced.err().message << "\n" << hlr_->log();
    EXPECT_EQ(aka::usim_authenticate(f, seen, resynced->rand, resynced->autn).result,
              aka::usim_answer::outcome::success);
}

TEST_F(gsup_test, when_imsi_is_unknown_then_not_found) {
    const auto av = client_->send_auth_info("001019999999999");
    ASSERT_FALSE(av.has_value());
    EXPECT_EQ(av.err().code, support::errc::not_found) << av.err().message;
}

TEST_F(gsup_test, when_imei_is_checked_then_the_hlr_keeps_it_with_the_subscriber) {
    ASSERT_TRUE(client_->check_imei(imsi, "352099001761481").has_value());
    const auto shown = gsup::show_subscriber(vty(), imsi);
    ASSERT_TRUE(shown.has_value()) << shown.err().message;
    EXPECT_NE(shown->find("IMEI: 352099001761481"), std::string::npos) << *shown;
}

TEST_F(gsup_test, when_the_hlr_is_gone_then_unavailable_after_the_timeout) {
    client_.reset();
    hlr_->stop();
    auto client = gsup::create_gsup_hlr_client({.host = hlr_->address(), .port = 4222, .unit_name = "mcprov-test",
                                                .timeout = std::chrono::milliseconds(500)});
    ASSERT_TRUE(client.has_value());
    const auto av = (*client)->send_auth_info(imsi);
    ASSERT_FALSE(av.has_value());
    EXPECT_EQ(av.err().code, support::errc::unavailable);
    EXPECT_NE(av.err().message.find("cannot be reached"), std::string::npos) << av.err().message;
}

TEST_F(gsup_test, when_a_second_client_is_created_in_the_process_then_conflict) {
    auto second = gsup::create_gsup_hlr_client({});
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.err().code, support::errc::conflict);
}

TEST_F(gsup_test, when_vty_provisioning_has_bad_keys_then_refused_before_reaching_the_hlr) {
    EXPECT_EQ(gsup::provision_subscriber(vty(), {.imsi = "00101", .k = k, .opc = opc}).err().code,
              support::errc::invalid_argument);
    EXPECT_EQ(gsup::provision_subscriber(vty(), {.imsi = std::string(imsi), .k = "short", .opc = opc}).err().code,
              support::errc::invalid_argument);
}

} // namespace
} // namespace mcprov
