#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mcprov/agent/local_link.hpp"
#include "mcprov/dms/purchase_messages.hpp"

namespace mcprov::dms {
namespace {

using support::errc;

TEST(purchase_messages, when_a_purchase_is_well_formed_then_its_device_offers_and_means_are_read) {
    auto r = purchase_request_from_json(
        boost::json::parse(R"({"device":"IMEI:352099001761481","offers":["gold","sos"],"means":"card"})"));
    ASSERT_TRUE(r) << r.err().message;
    EXPECT_EQ(r->device, "IMEI:352099001761481");
    EXPECT_EQ(r->offers, (std::vector<std::string>{"gold", "sos"}));
    EXPECT_EQ(r->means, "card");
}

TEST(purchase_messages, when_a_purchase_is_malformed_then_the_member_at_fault_is_named) {
    const std::pair<const char*, const char*> cases[] = {
        {R"([1])", "JSON object"},
        {R"({"device":"d","offers":["a"],"means":"card","tip":1})", "unknown member 'tip'"},
        {R"({"offers":["a"],"means":"card"})", "device"},
        {R"({"device":"d","offers":[],"means":"card"})", "1 to 16"},
        {R"({"device":"d","offers":["a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a"],"means":"bill"})",
         "1 to 16"},
        {R"({"device":"d","offers":[7],"means":"bill"})", "offers' ids"},
        {R"({"device":"d","offers":["a"],"means":"cash"})", "bill, prepaid or card"},
    };
    for (const auto& [text, named] : cases) {
        auto r = purchase_request_from_json(boost::json::parse(text));
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.err().code, errc::invalid_argument);
        EXPECT_NE(r.err().message.find(named), std::string::npos) << r.err().message;
    }
    EXPECT_FALSE(purchase_completion_from_json(boost::json::parse(R"({"card_token":"t"})")));
    EXPECT_FALSE(purchase_completion_from_json(boost::json::parse(R"({"proof":"p","card_token":7})")));
    EXPECT_EQ(purchase_completion_from_json(boost::json::parse(R"({"proof":"p"})")).value().card_token, "");
}

TEST(purchase_messages, when_the_gateway_answers_then_captured_declined_and_failed_are_told_apart) {
    EXPECT_EQ(captured_payment_from(201, R"({"id":"pay_1","status":"captured"})").value().id, "pay_1");
    auto declined = captured_payment_from(402, "{\"reason\":\"insufficient\\nfunds\"}");
    ASSERT_FALSE(declined);
    EXPECT_EQ(declined.err().code, errc::forbidden);
    EXPECT_EQ(declined.err().message, "declined: insufficient funds"); // no line break of the gateway's in a log
    EXPECT_EQ(captured_payment_from(503, "").err().code, errc::unavailable);
    EXPECT_EQ(captured_payment_from(400, R"({"detail":"no such token"})").err().message,
              "the payment gateway refused the request (400): no such token");
    EXPECT_EQ(captured_payment_from(200, R"({"id":"pay_1","status":"pending"})").err().code, errc::invalid_argument);
    EXPECT_EQ(captured_payment_from(200, "not json").err().code, errc::invalid_argument);
}

TEST(local_link, when_a_pc_asks_for_a_proof_then_the_request_and_the_pin_are_checked) {
    auto ok = agent::local_proof_request_from_json(boost::json::parse(
        R"({"server_id":"dms.operator.example","request":"level=user&nonce=AAECAwQFBgcICQoLDA0ODw==",)"
        R"("confirmation":"Buy?","pin":"1234"})"));
    ASSERT_TRUE(ok) << ok.err().message;
    EXPECT_EQ(ok->request.level, gba::authentication_level::user);
    EXPECT_EQ(ok->pin, "1234");
    for (const auto* bad : {R"({"request":"level=user&nonce=AAECAwQFBgcICQoLDA0ODw=="})",
                            R"({"server_id":"s","request":"level=root"})",
                            R"({"server_id":"s","request":"level=user&nonce=AAECAwQFBgcICQoLDA0ODw==","pin":"12"})",
                            R"({"server_id":"s","request":"level=user&nonce=AAECAwQFBgcICQoLDA0ODw==","pin":"12ab"})"}) {
        auto r = agent::local_proof_request_from_json(boost::json::parse(bad));
        EXPECT_FALSE(r) << bad;
    }
    EXPECT_EQ(agent::local_session_request_from_json(boost::json::parse(R"({"server_id":"s"})")).value(), "s");
    EXPECT_FALSE(agent::local_session_request_from_json(boost::json::parse(R"({"server_id":""})")));
}

} // namespace
} // namespace mcprov::dms
