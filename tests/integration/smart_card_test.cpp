#include <gtest/gtest.h>

#include <mcprov/agent/smart_card.hpp>
#include <mcprov/aka/authentication.hpp>
#include <mcprov/support/encoding.hpp>
#include <mcprov/syncml/message.hpp>
#include <mcprov/uicc/card_image.hpp>

#include "../unit/temp_dir.hpp"
#include "child_process.hpp"
#include "pcscd.hpp"

#include <fstream>

// The device's smart-card path end to end: a card built with `mcprov card build`, inserted with `mcprov card insert`
// into the real pcscd's vpcd reader, and read by the agent's PC/SC code as any card in any reader.
namespace mcprov {
namespace {

using testing::child_process;

std::string unhex(std::string_view h) {
    return *support::hex_decode(h);
}

constexpr std::string_view k_hex = "8b7d5c3a1e0f9a2b4c6d8e0f1a2b3c4d";
constexpr std::string_view opc_hex = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

class smart_card_test : public ::testing::Test {
protected:
    void SetUp() override {
        pcscd_ = std::make_unique<testing::pcscd_with_vpcd>(dir_.path());
        ASSERT_TRUE(pcscd_->ready()) << pcscd_->log();
        std::ofstream(dir_.path() / "bootstrap.xml")
            << R"(<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>)"
               R"(<SessionID>0</SessionID><MsgID>1</MsgID><Target><LocURI>*</LocURI></Target>)"
               R"(<Source><LocURI>operator</LocURI></Source></SyncHdr><SyncBody><Add><CmdID>1</CmdID><Item>)"
               R"(<Target><LocURI>./DMAcc/operator/ServerID</LocURI></Target><Data>operator</Data></Item></Add>)"
               R"(<Final/></SyncBody></SyncML>)";
        std::ofstream(dir_.path() / "card.toml")
            << "[card]\niccid = \"8949000000000000017\"\nimsi = \"001010000000017\"\nk = \"" << k_hex
            << "\"\nopc = \"" << opc_hex << "\"\npin = \"1234\"\npuk = \"12345678\"\n"
            << "[dm_bootstrap]\nmessage = \"bootstrap.xml\"\n";
        ::chmod((dir_.path() / "card.toml").c_str(), 0600);
        child_process build(MCPROV_BINARY, {"card", "build", "--description", (dir_.path() / "card.toml").string(),
                                            "--image", image().string()},
                            dir_.path() / "build");
        ASSERT_EQ(build.wait(), 0) << build.err();
    }

    std::filesystem::path image() const { return dir_.path() / "card.json"; }

    std::unique_ptr<child_process> insert() {
        auto card = std::make_unique<child_process>(
            MCPROV_BINARY,
            std::vector<std::string>{"card", "insert", "--image", image().string(), "--reader",
                                     "127.0.0.1:" + std::to_string(pcscd_->port())},
            dir_.path() / ("card" + std::to_string(++inserts_)));
        return card;
    }

    std::unique_ptr<agent::card_channel> connect() {
        auto channel = agent::connect_pcsc_card("mcprov vpcd", 10'000);
        EXPECT_TRUE(channel.has_value()) << channel.err().message << "\n" << pcscd_->log();
        return channel ? std::move(*channel) : nullptr;
    }

    testing::temp_dir dir_;
    std::unique_ptr<testing::pcscd_with_vpcd> pcscd_;
    int inserts_ = 0;
};

TEST_F(smart_card_test, when_card_inserted_then_device_reads_iccid_and_after_pin_the_imsi) {
    auto card = insert();
    auto channel = connect();
    ASSERT_TRUE(channel);
    agent::usim_card usim(*channel);
    EXPECT_EQ(*usim.read_iccid(), "8949000000000000017");
    const auto before_pin = usim.read_imsi();
    ASSERT_FALSE(before_pin.has_value());
    EXPECT_EQ(before_pin.err().code, support::errc::forbidden);
    ASSERT_TRUE(usim.verify_pin("1234").has_value());
    EXPECT_EQ(*usim.read_imsi(), "001010000000017");
}

TEST_F(smart_card_test, when_network_vector_then_card_answers_res_and_a_replay_gives_auts_the_network_verifies) {
    auto card = insert();
    auto channel = connect();
    ASSERT_TRUE(channel);
    agent::usim_card usim(*channel);
    ASSERT_TRUE(usim.verify_pin("1234").has_value());
    const auto network = *aka::milenage::create(unhex(k_hex), unhex(opc_hex));
    const auto av = aka::make_authentication_vector(network, unhex("f0e1d2c3b4a5968778695a4b3c2d1e0f"), (5 << 5) | 1,
                                                    unhex("8000"));
    const auto answer = usim.authenticate(av.rand, av.autn);
    ASSERT_TRUE(answer.has_value()) << answer.err().message;
    EXPECT_EQ(answer->res, av.xres);
    EXPECT_EQ(answer->ck, av.ck);
    EXPECT_EQ(answer->ik, av.ik);

    const auto replay = usim.authenticate(av.rand, av.autn);
    ASSERT_TRUE(replay.has_value()) << replay.err().message;
    ASSERT_EQ(replay->result, iso7816::authenticate_answer::outcome::synchronisation_failure);
    EXPECT_EQ(*aka::sqn_from_auts(network, av.rand, replay->auts), std::uint64_t{(5 << 5) | 1});

    auto tampered = av.autn;
    tampered[10] = static_cast<char>(tampered[10] ^ 0x01);
    const auto mac_failure = usim.authenticate(av.rand, tampered);
    ASSERT_FALSE(mac_failure.has_value());
    EXPECT_EQ(mac_failure.err().code, support::errc::unauthenticated);

    // The card keeps the sequence number it accepted, in its image, across removal.
    card->signal(SIGTERM);
    ASSERT_EQ(card->wait(), 0) << card->err();
    EXPECT_EQ(uicc::load_card_image(image())->sqn.highest_sqn, std::uint64_t{(5 << 5) | 1});
}

TEST_F(smart_card_test, when_pin_wrong_three_times_then_blocked_and_still_blocked_after_reinsertion) {
    {
        auto card = insert();
        auto channel = connect();
        ASSERT_TRUE(channel);
        agent::usim_card usim(*channel);
        const auto first = usim.verify_pin("9999");
        ASSERT_FALSE(first.has_value());
        EXPECT_EQ(first.err().code, support::errc::unauthenticated);
        EXPECT_NE(first.err().message.find("2 tries left"), std::string::npos) << first.err().message;
        EXPECT_FALSE(usim.verify_pin("9999").has_value());
        const auto third = usim.verify_pin("9999");
        EXPECT_EQ(third.err().code, support::errc::forbidden);
        channel.reset();
        card->signal(SIGTERM);
        ASSERT_EQ(card->wait(), 0);
        ASSERT_TRUE(agent::wait_for_card_removal("mcprov vpcd", 10'000).has_value());
    }
    auto card = insert();
    auto channel = connect();
    ASSERT_TRUE(channel);
    agent::usim_card usim(*channel);
    const auto left = usim.pin_tries_left();
    ASSERT_TRUE(left.has_value()) << left.err().message;
    EXPECT_EQ(*left, std::optional<unsigned>(0u));
    const auto right_pin = usim.verify_pin("1234");
    ASSERT_FALSE(right_pin.has_value());
    EXPECT_EQ(right_pin.err().code, support::errc::forbidden);
}

TEST_F(smart_card_test, when_card_has_dm_bootstrap_then_found_through_pkcs15_dodf_and_decodes_as_a_dm_message) {
    auto card = insert();
    auto channel = connect();
    ASSERT_TRUE(channel);
    agent::usim_card usim(*channel);
    const auto before_pin = usim.read_dm_bootstrap();
    ASSERT_FALSE(before_pin.has_value());
    EXPECT_EQ(before_pin.err().code, support::errc::forbidden);
    ASSERT_TRUE(usim.verify_pin("1234").has_value());
    const auto bootstrap = usim.read_dm_bootstrap();
    ASSERT_TRUE(bootstrap.has_value()) << bootstrap.err().message;
    const auto message = syncml::decode_wbxml(*bootstrap);
    ASSERT_TRUE(message.has_value()) << message.err().message;
    ASSERT_EQ(message->commands.size(), 1u);
    EXPECT_EQ(message->commands[0].items.at(0).target, "./DMAcc/operator/ServerID");
}

TEST_F(smart_card_test, when_card_removed_then_the_next_command_is_unavailable) {
    auto card = insert();
    auto channel = connect();
    ASSERT_TRUE(channel);
    agent::usim_card usim(*channel);
    ASSERT_TRUE(usim.read_iccid().has_value());
    card->signal(SIGTERM);
    ASSERT_EQ(card->wait(), 0);
    const auto after = usim.read_iccid();
    ASSERT_FALSE(after.has_value());
    EXPECT_EQ(after.err().code, support::errc::unavailable);
}

} // namespace
} // namespace mcprov
