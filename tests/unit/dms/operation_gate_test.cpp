#include <gtest/gtest.h>

#include "mcprov/dms/audit.hpp"
#include "mcprov/dms/charging.hpp"
#include "mcprov/dms/operation_gate.hpp"
#include "mcprov/gba/dm_proof.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::dms {
namespace {

using namespace std::chrono_literals;

const std::string device = "IMEI:352099001761481";
const std::string server = "dms.operator.example";
const std::string btid = "AAECAwQFBgcICQoLDA0ODw==@bsf.example.org";
const std::string ks_naf(32, '\x42');

// The BSF as the DMS sees it over Zn: one B-TID, its key and when it was made.
class fake_zn final : public zn_client {
public:
    support::result<gba::zn_answer> bootstrapping_info(const std::string& asked) override {
        if (asked != btid)
            return support::make_error(support::errc::not_found, "unknown B-TID");
        return gba::zn_answer{.impi = "001010000000017@ims.mnc001.mcc001.3gppnetwork.org",
                              .ks_naf = ks_naf,
                              .bootstrap_time = bootstrapped,
                              .key_lifetime = bootstrapped + 12h,
                              .authentication = "3GPP AKA"};
    }
    std::chrono::system_clock::time_point bootstrapped{};
};

class operation_gate_test : public ::testing::Test {
protected:
    void SetUp() override {
        zn->bootstrapped = now + 10s;
        policy.home_networks = {"00101"};
        policy.corporations = {{.name = "acme", .devices = {device}, .subscriptions = {"00101000000*"}}};
    }

    // A gate for `g` queued now, answered by the device with a proof (or `proof_text` instead).
    std::pair<job, job> answered(job_gate g, std::optional<std::string> proof_text = std::nullopt,
                                 bool user_says_yes = true) {
        job request;
        request.commands = {{.name = syncml::command_name::replace, .target = "./Vendor/acme/Tariff", .data = "gold"}};
        request.gate = g;
        auto jobs = gated_jobs(request, device, "operator", now, [] { return std::string(16, '\x07'); });
        auto& gate = jobs[0];
        gate.outcomes.resize(gate.commands.size());
        for (std::size_t k = 0; k < gate.commands.size(); ++k) {
            gate.outcomes[k].status = 200;
            if (gate.commands[k].name == syncml::command_name::alert && !user_says_yes)
                gate.outcomes[k].status = 304;
        }
        gba::dm_proof p{.btid = btid,
                        .level = g.level == "user" ? gba::authentication_level::user
                                                   : gba::authentication_level::subscriber,
                        .nonce = gate.gate->nonce,
                        .confirmation_sha256 = g.confirmation.empty() ? "" : support::sha256(g.confirmation),
                        .answer = g.confirmation.empty() ? gba::user_answer::none : gba::user_answer::yes,
                        .mac = {}};
        p.mac = gba::dm_proof_mac(ks_naf, device, server, p);
        gate.outcomes.back().results.push_back({.data = proof_text.value_or(gba::format_dm_proof(p))});
        return {gate, jobs[1]};
    }

    gate_decision judge(const std::pair<job, job>& jobs) {
        gate_decision d;
        operation_gate gate(zn, policy, server);
        EXPECT_TRUE(documents
                        ->transact([&](store::transaction& tx) -> support::result<void> {
                            d = gate.judge(jobs.first, jobs.second, tx, now + 20s, *zn);
                            return {};
                        })
                        .has_value());
        return d;
    }

    std::chrono::system_clock::time_point now = std::chrono::system_clock::time_point(1'800'000'000s);
    std::shared_ptr<support::manual_clock> clock = std::make_shared<support::manual_clock>(now);
    std::shared_ptr<store::document_store> documents = store::create_memory_document_store(clock);
    std::shared_ptr<fake_zn> zn = std::make_shared<fake_zn>();
    subscriber_policy policy;
};

TEST_F(operation_gate_test, when_the_proof_verifies_then_the_subscription_is_identified_and_the_operation_allowed) {
    auto d = judge(answered({.level = "user", .confirmation = "Install?", .entitlement = "home", .charge = std::nullopt}));
    EXPECT_TRUE(d.passed) << d.reason;
    EXPECT_EQ(d.subscription, "001010000000017");
    std::string actions;
    for (const auto& w : d.writes)
        actions += w.content.value_or("");
    for (const auto* a : {"identified", "authenticated", "consented", "allowed"})
        EXPECT_NE(actions.find(a), std::string::npos) << a;
}

TEST_F(operation_gate_test, when_the_mac_or_the_nonce_or_the_confirmation_is_not_the_gates_then_it_is_refused) {
    auto jobs = answered({.level = "subscriber", .confirmation = {}, .entitlement = "any", .charge = std::nullopt});
    auto proof = gba::parse_dm_proof(*jobs.first.outcomes.back().results.front().data).value();
    auto tampered = proof;
    tampered.mac[0] = static_cast<char>(tampered.mac[0] ^ 1);
    EXPECT_NE(judge(answered({.level = "subscriber", .entitlement = "any"}, gba::format_dm_proof(tampered))).reason.find(
                  "MAC does not verify"),
              std::string::npos);
    auto other_nonce = proof;
    other_nonce.nonce = std::string(16, '\x08');
    other_nonce.mac = gba::dm_proof_mac(ks_naf, device, server, other_nonce);
    EXPECT_NE(judge(answered({.level = "subscriber", .entitlement = "any"}, gba::format_dm_proof(other_nonce)))
                  .reason.find("another request"),
              std::string::npos);
    auto unknown = proof;
    unknown.btid = "AAAAAAAAAAAAAAAAAAAAAA==@bsf.example.org";
    EXPECT_NE(judge(answered({.level = "subscriber", .entitlement = "any"}, gba::format_dm_proof(unknown)))
                  .reason.find("unknown B-TID"),
              std::string::npos);
    // A proof without the confirmation the gate asked for.
    auto d = judge(answered({.level = "user", .confirmation = "Install?", .entitlement = "any"},
                            gba::format_dm_proof(proof)));
    EXPECT_FALSE(d.passed);
}

TEST_F(operation_gate_test, when_the_user_level_proof_comes_from_an_older_bootstrap_then_it_is_refused) {
    zn->bootstrapped = now - 1h;
    auto d = judge(answered({.level = "user", .confirmation = {}, .entitlement = "any", .charge = std::nullopt}));
    EXPECT_FALSE(d.passed);
    EXPECT_NE(d.reason.find("made for this request"), std::string::npos) << d.reason;
    // The subscriber level takes a bootstrap of any time while its key is valid.
    EXPECT_TRUE(judge(answered({.level = "subscriber", .entitlement = "any"})).passed);
}

TEST_F(operation_gate_test, when_the_device_reports_why_it_did_not_authenticate_then_that_is_the_reason) {
    auto d = judge(answered({.level = "user", .entitlement = "any"}, "error=PIN1: the card answered 63C1 (1 tries left)"));
    EXPECT_FALSE(d.passed);
    EXPECT_NE(d.reason.find("63C1"), std::string::npos);
    auto declined = judge(answered({.level = "user", .confirmation = "Pay?", .entitlement = "any"}, std::nullopt, false));
    EXPECT_NE(declined.reason.find("declined"), std::string::npos);
}

TEST_F(operation_gate_test, when_a_corporate_device_holds_another_subscription_then_it_is_refused) {
    policy.corporations.front().subscriptions = {"001019*"};
    auto d = judge(answered({.level = "subscriber", .confirmation = {}, .entitlement = "corporate"}));
    EXPECT_FALSE(d.passed);
    EXPECT_NE(d.reason.find("acme"), std::string::npos);
    policy.corporations.front().subscriptions = {"001010000000017"};
    EXPECT_TRUE(judge(answered({.level = "subscriber", .confirmation = {}, .entitlement = "corporate"})).passed);
}

TEST_F(operation_gate_test, when_the_same_job_is_judged_twice_then_the_prepaid_balance_is_debited_once) {
    ASSERT_TRUE(credit_prepaid(*documents, "001010000000017", 1000, "EUR").has_value());
    const job_gate g{.level = "subscriber", .confirmation = {}, .entitlement = "any",
                     .charge = charge_request{.amount = 300, .currency = "EUR", .description = "x", .means = "prepaid"}};
    auto jobs = answered(g);
    for (int i = 0; i < 2; ++i) {
        auto d = judge(jobs);
        ASSERT_TRUE(d.passed) << d.reason;
        ASSERT_TRUE(documents->write_all(d.writes).has_value());
    }
    EXPECT_EQ(read_prepaid(*documents, "001010000000017").value().balance, 700u);
    EXPECT_EQ(charges_of(*documents, "001010000000017").value().size(), 1u);
}

TEST_F(operation_gate_test, when_a_charged_job_fails_then_its_prepaid_charge_is_given_back_once_and_recorded) {
    const std::string imsi = "001010000000017";
    ASSERT_TRUE(credit_prepaid(*documents, imsi, 1000, "EUR").has_value());
    const job_gate g{.level = "subscriber", .confirmation = {}, .entitlement = "any",
                     .charge = charge_request{.amount = 300, .currency = "EUR", .description = "x", .means = "prepaid"}};
    auto jobs = answered(g);
    auto d = judge(jobs);
    ASSERT_TRUE(d.passed) << d.reason;
    ASSERT_TRUE(documents->write_all(d.writes).has_value());
    ASSERT_EQ(read_prepaid(*documents, imsi).value().balance, 700u);

    auto failed = jobs.second;
    failed.state = job_state::failed;
    failed.subscription = d.subscription;
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(documents
                        ->transact([&](store::transaction& tx) -> support::result<void> {
                            auto writes = refund_writes(tx, failed, "the device reported result 1405", now + 1min);
                            if (!writes)
                                return std::move(writes).err();
                            EXPECT_EQ(writes->empty(), i == 1);
                            for (const auto& w : *writes)
                                if (auto put = tx.put(w.key, *w.content); !put)
                                    return std::move(put).err();
                            return {};
                        })
                        .has_value());
    }
    EXPECT_EQ(read_prepaid(*documents, imsi).value().balance, 1000u);
    const auto charges = charges_of(*documents, imsi).value();
    ASSERT_EQ(charges.size(), 1u);
    EXPECT_EQ(charges[0].refunded, now + 1min);
    EXPECT_EQ(charges[0].refund_reason, "the device reported result 1405");
    const auto records = read_subscription_audit(*documents, imsi).value();
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records.back().action, "refunded");
    EXPECT_EQ(records.back().detail, "3.00 EUR by prepaid for job " + failed.id + ": the device reported result 1405");
}

TEST_F(operation_gate_test, when_a_job_let_through_without_a_charge_fails_then_nothing_is_refunded) {
    auto jobs = answered({.level = "subscriber", .confirmation = {}, .entitlement = "any", .charge = std::nullopt});
    auto d = judge(jobs);
    ASSERT_TRUE(d.passed) << d.reason;
    auto failed = jobs.second;
    failed.subscription = d.subscription;
    ASSERT_TRUE(documents
                    ->transact([&](store::transaction& tx) -> support::result<void> {
                        EXPECT_TRUE(refund_writes(tx, failed, "failed", now).value().empty());
                        return {};
                    })
                    .has_value());
}

TEST(zn_answers, when_a_transaction_asks_for_an_answer_not_fetched_then_it_is_noted_and_fetched_once_outside) {
    auto bsf = std::make_shared<fake_zn>();
    zn_answers answers(bsf);
    EXPECT_EQ(answers.bootstrapping_info(btid).err().code, support::errc::unavailable);
    EXPECT_EQ(answers.bootstrapping_info("other@bsf.example.org").err().code, support::errc::unavailable);
    EXPECT_TRUE(answers.missing());
    answers.fetch_missing();
    EXPECT_FALSE(answers.missing());
    EXPECT_EQ(answers.bootstrapping_info(btid)->ks_naf, ks_naf) << "the BSF's answer";
    EXPECT_EQ(answers.bootstrapping_info("other@bsf.example.org").err().code, support::errc::not_found)
        << "and its refusal, as the BSF gave it";
    EXPECT_FALSE(answers.missing());
}

TEST(zn_answers, when_a_message_names_more_b_tids_than_a_message_verifies_then_the_rest_are_refused_unasked) {
    zn_answers answers(std::make_shared<fake_zn>());
    for (std::size_t k = 0; k < zn_answers::max_answers; ++k)
        EXPECT_FALSE(answers.bootstrapping_info("b" + std::to_string(k) + "@bsf.example.org").has_value());
    answers.fetch_missing();
    EXPECT_FALSE(answers.bootstrapping_info("one-more@bsf.example.org").has_value());
    EXPECT_FALSE(answers.missing()) << "no round of fetching without end";
}

} // namespace
} // namespace mcprov::dms
