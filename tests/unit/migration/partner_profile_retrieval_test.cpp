#include <functional>
#include <map>
#include <set>
#include <utility>

#include <gtest/gtest.h>

#include "../forwarding_store.hpp"
#include "../temp_dir.hpp"
#include "mcprov/devkit/example_data.hpp"
#include "mcprov/http/tls.hpp"
#include "mcprov/migration/partner_profile_retrieval.hpp"
#include "mcprov/migration/served_profile.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::migration {
namespace {

using namespace std::chrono_literals;
using support::errc;

const std::string alice = "sip:alice@police.mcx-a.example.org";
constexpr auto mcptt = xcap::mc_service::mcptt;
const std::string this_system = "mcx-b.example.org";

bool has(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

std::string read(const std::string& relative) {
    return support::read_file(MCPROV_TEST_DATA "/" + relative).value();
}

std::string migration_profile(const std::string& name, unsigned priority) {
    return R"(<?xml version="1.0" encoding="UTF-8"?>
<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0" XUI-URI="sip:alice@police.mcx-a.example.org" user-profile-index="1">
  <Name>)" +
           name + R"(</Name>
  <Common index="c">
    <MCPTTUserID><uri-entry>sip:alice@police.mcx-a.example.org</uri-entry></MCPTTUserID>
    <MCPTT-group-call><Priority>)" +
           std::to_string(priority) + R"(</Priority></MCPTT-group-call>
    <anyExt><allow-private-call>true</allow-private-call><allow-regroup>true</allow-regroup></anyExt>
  </Common>
  <OnNetwork index="o">
    <MCPTTGroupInfo>
      <entry index="g1"><uri-entry>sip:patrol-north@groups.example.org</uri-entry></entry>
      <entry index="g2"><uri-entry>sip:patrol-internal-7@groups.example.org</uri-entry></entry>
    </MCPTTGroupInfo>
  </OnNetwork>
  <migration-for xmlns="urn:mcprov:migration:1" partners="mcx-b.example.org"/>
</mcptt-user-profile>
)";
}

// The primary system, as this (the partner) system reaches it over CSCM-x: it holds one migration profile for the
// user and answers as the primary's CMS would; every call is recorded.
class fake_primary final : public primary_link {
public:
    struct fetch_call {
        std::string primary;
        xcap::mc_service service;
        std::string user;
        std::optional<std::string> if_none_match;
        std::string correlation_id;
    };
    struct report_call {
        std::string primary;
        std::string user;
        delivery_report report;
    };

    support::result<fetched_migration_profile> fetch_migration_profile(const partner_agreement& primary,
                                                                       xcap::mc_service service, std::string_view user,
                                                                       const std::optional<std::string>& if_none_match,
                                                                       std::string_view correlation_id) override {
        fetches.push_back({primary.system, service, std::string(user), if_none_match, std::string(correlation_id)});
        if (fetch_error) {
            return *fetch_error;
        }
        if (service != xcap::mc_service::mcptt) {
            auto held = other_services.find(service);
            if (held == other_services.end()) {
                return support::make_error(errc::not_found, "no migration profile of this service");
            }
            const auto held_etag = store::entity_tag_of(held->second);
            if (if_none_match && *if_none_match == held_etag) {
                return fetched_migration_profile{true, {}, {}, held_etag};
            }
            return fetched_migration_profile{false, name, held->second, held_etag};
        }
        if (always_not_modified || (if_none_match && *if_none_match == etag)) {
            return fetched_migration_profile{true, {}, {}, etag};
        }
        return fetched_migration_profile{false, name, content, etag};
    }

    support::result<void> report_delivery(const partner_agreement& primary, std::string_view user,
                                          const delivery_report& report) override {
        reports.push_back({primary.system, std::string(user), report});
        if (report_error) {
            return *report_error;
        }
        return {};
    }

    void set_profile(std::string new_content) {
        content = std::move(new_content);
        etag = store::entity_tag_of(content);
    }

    std::string name = "migration-profile-1.xml";
    std::string content; // the MCPTT migration profile
    std::map<xcap::mc_service, std::string> other_services;
    std::string etag;
    std::optional<support::error> fetch_error;
    std::optional<support::error> report_error;
    bool always_not_modified = false;
    std::vector<fetch_call> fetches;
    std::vector<report_call> reports;
};

// The store as a process sees it when another process, on the same database, runs a visitor's procedure just before
// this process asks for the lease: `other` (the other process's whole procedure) runs first; then the lease is
// refused (the other process still held it) or, with `other_finished`, given (it had already let it go).
class store_with_a_rival final : public testing::forwarding_store {
public:
    store_with_a_rival(std::shared_ptr<store::document_store> shared, std::function<void()> other,
                       bool other_finished = false)
        : forwarding_store(std::move(shared)), other_(std::move(other)), other_finished_(other_finished) {}

    support::result<bool> try_acquire_lease(std::string_view name, std::string_view holder,
                                            std::chrono::milliseconds ttl) override {
        ++lease_requests;
        if (other_) {
            auto other = std::exchange(other_, {});
            other();
            if (!other_finished_) {
                return false;
            }
        }
        return inner_->try_acquire_lease(name, holder, ttl);
    }

    int lease_requests = 0;

private:
    std::function<void()> other_;
    bool other_finished_;
};

class partner_profile_retrieval_test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto ca = http::create_certificate_authority("mcx-b test CA", 48h);
        ASSERT_TRUE(ca) << ca.err().message;
        auto leaf = http::issue_certificate(*ca, "cms.mcx-b.example.org", {"cms.mcx-b.example.org"}, {},
                                            http::certificate_usage::server_and_client, 24h);
        ASSERT_TRUE(leaf) << leaf.err().message;
        auto other = http::create_certificate_authority("another CA", 48h);
        ASSERT_TRUE(other);
        pki = new test_pki{ca->certificate_pem, other->certificate_pem,
                           xml::signer::read({leaf->private_key_pem, leaf->certificate_pem}).value()};
    }
    static void TearDownTestSuite() {
        delete pki;
        pki = nullptr;
    }

    void SetUp() override {
        ASSERT_NE(pki, nullptr);
        auto opened = store::create_sqlite_document_store(dir.path() / "cms.db");
        ASSERT_TRUE(opened) << opened.err().message;
        documents = std::move(opened).value();
        auto parsed = parse_migration_template(read("templates/police-visitors.xml"));
        ASSERT_TRUE(parsed) << parsed.err().message;
        police_template = std::move(parsed).value();
        primary.system = "mcx-a.example.org";
        primary.endpoint = "https://cscm.mcx-a.example.org:9443";
        primary.user_domains = {"*.mcx-a.example.org"};
        primary.idms_issuer = "https://idms.mcx-a.example.org";
        primary.organisation = organisation_rule::parse("sip:{user}@{org}.mcx-a.example.org").value();
        link->set_profile(migration_profile("Alice", 7));
        config.system = this_system;
        config.max_stale = 1h;
        config.validity = 24h;
        config.signer = pki->signer;
        retrieval = std::make_unique<partner_profile_retrieval>(
            config, documents, link, template_catalogue::create({police_template}).value(), clock);
    }

    support::result<visitor_profile> run(const std::string& cid = "cid-1") {
        return retrieval->run(primary, mcptt, alice, cid);
    }

    // The police template with its priority cap changed: same name, new digest.
    // Alice's first visit, with another process on the same store running hers too, just before this process asks
    // for the lease (store_with_a_rival): it still holds the lease then, or (other_finished) has already let it go.
    struct rival_visit {
        std::shared_ptr<fake_primary> other_link = std::make_shared<fake_primary>();
        std::unique_ptr<partner_profile_retrieval> other;
        std::optional<support::result<visitor_profile>> others_answer;
        std::shared_ptr<store_with_a_rival> shared;
        std::optional<support::result<visitor_profile>> got;
    };
    std::unique_ptr<rival_visit> visit_with_a_rival(bool other_finished) {
        auto v = std::make_unique<rival_visit>();
        v->other_link->set_profile(migration_profile("Alice", 7));
        v->other = std::make_unique<partner_profile_retrieval>(
            config, documents, v->other_link, template_catalogue::create({police_template}).value(), clock);
        auto* visit = v.get();
        v->shared = std::make_shared<store_with_a_rival>(
            documents, [this, visit] { visit->others_answer = visit->other->run(primary, mcptt, alice, "cid-other"); },
            other_finished);
        partner_profile_retrieval here(config, v->shared, link,
                                       template_catalogue::create({police_template}).value(), clock);
        v->got = here.run(primary, mcptt, alice, "cid-here");
        return v;
    }

    migration_template changed_template(unsigned cap) {
        auto text = read("templates/police-visitors.xml");
        const std::string from = R"(<priority mode="cap" value="3"/>)";
        auto at = text.find(from);
        EXPECT_NE(at, std::string::npos);
        text.replace(at, from.size(), R"(<priority mode="cap" value=")" + std::to_string(cap) + R"("/>)");
        auto parsed = parse_migration_template(text);
        EXPECT_TRUE(parsed) << parsed.err().message;
        return parsed.value();
    }

    agreement_set agreements() { return agreement_set::create({primary}).value(); }

    static std::string digest_of(const std::string& bytes) {
        return "sha-256:" + support::hex_encode(support::sha256(bytes));
    }

    struct test_pki {
        std::string ca_pem;
        std::string other_ca_pem;
        xml::signer signer;
    };
    static inline test_pki* pki = nullptr;

    const std::chrono::system_clock::time_point start = support::parse_utc("2026-11-23T19:13:24Z").value();
    testing::temp_dir dir;
    std::shared_ptr<support::manual_clock> clock = std::make_shared<support::manual_clock>(start);
    std::shared_ptr<store::document_store> documents;
    std::shared_ptr<fake_primary> link = std::make_shared<fake_primary>();
    migration_template police_template;
    partner_agreement primary;
    retrieval_config config;
    std::unique_ptr<partner_profile_retrieval> retrieval;
};

TEST_F(partner_profile_retrieval_test, when_a_visitor_first_asks_then_a_signed_stamped_profile_is_stored_and_returned) {
    auto got = run("cid-first");
    ASSERT_TRUE(got) << got.err().message;
    EXPECT_FALSE(got->stale);
    EXPECT_EQ(got->age, 0s);
    EXPECT_EQ(got->etag, store::entity_tag_of(got->content));

    auto verified = xml::verify_enveloped(got->content, pki->ca_pem);
    ASSERT_TRUE(verified) << verified.err().message;
    EXPECT_NE(verified->signer_subject.find("cms.mcx-b.example.org"), std::string::npos) << verified->signer_subject;
    EXPECT_FALSE(xml::verify_enveloped(got->content, pki->other_ca_pem));

    auto stamp = read_serving_stamp(got->content);
    ASSERT_TRUE(stamp) << stamp.err().message;
    EXPECT_EQ(stamp->serving_system, this_system);
    EXPECT_EQ(stamp->primary_system, "mcx-a.example.org");
    EXPECT_EQ(stamp->template_name, "mcx-a-police");
    EXPECT_EQ(stamp->source_profile, "migration-profile-1.xml");
    EXPECT_EQ(stamp->valid_from, start);
    EXPECT_EQ(stamp->valid_until, start + 24h);

    // The template was applied, and the primary's addressing removed.
    EXPECT_NE(got->content.find("sip:mutual-aid@groups.mcx-b.example.org"), std::string::npos);
    EXPECT_EQ(got->content.find("patrol-internal-7"), std::string::npos);
    EXPECT_NE(got->content.find("<Priority>3</Priority>"), std::string::npos);
    EXPECT_EQ(got->content.find("migration-for"), std::string::npos);
    EXPECT_NE(got->content.find(R"(user-profile-index="0")"), std::string::npos);

    auto stored = retrieval->stored_profile(mcptt, alice);
    ASSERT_TRUE(stored) << stored.err().message;
    EXPECT_EQ(stored->content, got->content);
    EXPECT_EQ(stored->etag, got->etag);

    ASSERT_EQ(link->fetches.size(), 1u);
    EXPECT_EQ(link->fetches[0].primary, "mcx-a.example.org");
    EXPECT_EQ(link->fetches[0].user, alice);
    EXPECT_EQ(link->fetches[0].if_none_match, std::nullopt);
    EXPECT_EQ(link->fetches[0].correlation_id, "cid-first");

    ASSERT_EQ(link->reports.size(), 1u);
    const auto& report = link->reports[0].report;
    EXPECT_EQ(link->reports[0].user, alice);
    EXPECT_EQ(link->reports[0].primary, "mcx-a.example.org");
    EXPECT_EQ(report.digest, digest_of(got->content));
    EXPECT_EQ(report.profile_etag, link->etag);
    EXPECT_EQ(report.template_name, "mcx-a-police");
    EXPECT_EQ(report.delivered_at, start);
    EXPECT_EQ(report.correlation_id, "cid-first");

    auto visitors = retrieval->visitors();
    ASSERT_TRUE(visitors);
    ASSERT_EQ(visitors->size(), 1u);
    const auto& v = (*visitors)[0];
    EXPECT_EQ(v.user, alice);
    EXPECT_EQ(v.primary_system, "mcx-a.example.org");
    EXPECT_EQ(v.profile_name, "migration-profile-1.xml");
    EXPECT_EQ(v.profile_etag, link->etag);
    EXPECT_EQ(v.template_name, "mcx-a-police");
    EXPECT_EQ(v.template_digest, police_template.digest);
    EXPECT_EQ(v.served_etag, got->etag);
    EXPECT_EQ(v.valid_until, start + 24h);
    EXPECT_TRUE(v.reported);
}

TEST_F(partner_profile_retrieval_test, when_the_visitor_asks_again_then_the_copy_is_revalidated_without_a_new_report) {
    auto first = run("cid-1");
    ASSERT_TRUE(first) << first.err().message;
    clock->advance(10min);
    auto again = run("cid-2");
    ASSERT_TRUE(again) << again.err().message;
    EXPECT_EQ(again->content, first->content);
    EXPECT_EQ(again->etag, first->etag);
    EXPECT_FALSE(again->stale);
    ASSERT_EQ(link->fetches.size(), 2u);
    EXPECT_EQ(link->fetches[1].if_none_match, link->etag);
    EXPECT_EQ(link->fetches[1].correlation_id, "cid-2");
    EXPECT_EQ(link->reports.size(), 1u);
}

TEST_F(partner_profile_retrieval_test, when_the_primary_changed_the_profile_then_the_new_content_is_served) {
    auto first = run();
    ASSERT_TRUE(first);
    const auto old_etag = link->etag;
    link->set_profile(migration_profile("Alice Revised", 2));
    clock->advance(1min);
    auto changed = run("cid-2");
    ASSERT_TRUE(changed) << changed.err().message;
    EXPECT_NE(changed->content, first->content);
    EXPECT_NE(changed->etag, first->etag);
    EXPECT_NE(changed->content.find("Alice Revised"), std::string::npos);
    EXPECT_NE(changed->content.find("<Priority>2</Priority>"), std::string::npos);
    EXPECT_TRUE(xml::verify_enveloped(changed->content, pki->ca_pem));
    EXPECT_EQ(link->fetches.at(1).if_none_match, old_etag);
    EXPECT_EQ(retrieval->stored_profile(mcptt, alice)->content, changed->content);
    ASSERT_EQ(link->reports.size(), 2u);
    EXPECT_EQ(link->reports[1].report.profile_etag, link->etag);
    EXPECT_EQ(link->reports[1].report.digest, digest_of(changed->content));
    EXPECT_EQ(read_serving_stamp(changed->content)->valid_from, start + 1min);
}

TEST_F(partner_profile_retrieval_test,
       when_the_primary_is_unreachable_then_the_stored_copy_is_served_stale_with_its_age) {
    auto first = run();
    ASSERT_TRUE(first);
    link->fetch_error = support::make_error(errc::unavailable, "connection refused");
    clock->advance(10min);
    auto stale = run("cid-2");
    ASSERT_TRUE(stale) << stale.err().message;
    EXPECT_TRUE(stale->stale);
    EXPECT_EQ(stale->age, 10min);
    EXPECT_EQ(stale->content, first->content);
    EXPECT_EQ(stale->etag, first->etag);
    EXPECT_EQ(link->reports.size(), 1u);
}

TEST_F(partner_profile_retrieval_test, when_the_stored_copy_is_older_than_max_stale_then_unavailable) {
    ASSERT_TRUE(run());
    link->fetch_error = support::make_error(errc::unavailable, "connection refused");
    clock->advance(1h);
    auto at_limit = run();
    ASSERT_TRUE(at_limit) << at_limit.err().message;
    EXPECT_EQ(at_limit->age, 1h);
    clock->advance(1s);
    auto too_old = run();
    ASSERT_FALSE(too_old);
    EXPECT_EQ(too_old.err().code, errc::unavailable);
    EXPECT_TRUE(retrieval->stored_profile(mcptt, alice)) << "the copy is kept for when the primary is back";
}

TEST_F(partner_profile_retrieval_test, when_the_primary_confirmed_the_copy_later_then_the_age_counts_from_then) {
    ASSERT_TRUE(run());
    clock->advance(50min);
    ASSERT_TRUE(run()); // not modified: the primary confirms the copy
    link->fetch_error = support::make_error(errc::unavailable, "connection refused");
    clock->advance(30min);
    auto stale = run();
    ASSERT_TRUE(stale) << stale.err().message;
    EXPECT_TRUE(stale->stale);
    EXPECT_EQ(stale->age, 30min);
}

TEST_F(partner_profile_retrieval_test, when_the_primary_is_unreachable_and_nothing_is_stored_then_unavailable) {
    link->fetch_error = support::make_error(errc::unavailable, "connection refused");
    auto got = run();
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::unavailable);
    EXPECT_TRUE(link->reports.empty());
    EXPECT_EQ(retrieval->stored_profile(mcptt, alice).err().code, errc::not_found);
}

TEST_F(partner_profile_retrieval_test,
       when_the_primary_says_not_modified_to_an_unconditional_request_then_unavailable) {
    link->always_not_modified = true;
    auto got = run();
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::unavailable);
}

TEST_F(partner_profile_retrieval_test,
       when_the_primary_no_longer_has_a_profile_then_not_found_and_the_copy_is_deleted) {
    ASSERT_TRUE(run());
    link->fetch_error = support::make_error(errc::not_found, "no migration profile for this user and partner system");
    auto got = run();
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::not_found);
    auto stored = retrieval->stored_profile(mcptt, alice);
    ASSERT_FALSE(stored);
    EXPECT_EQ(stored.err().code, errc::not_found);
    EXPECT_TRUE(retrieval->visitors()->empty());

    // Not even a stale copy is served afterwards.
    link->fetch_error = support::make_error(errc::unavailable, "connection refused");
    auto later = run();
    ASSERT_FALSE(later);
    EXPECT_EQ(later.err().code, errc::unavailable);
}

TEST_F(partner_profile_retrieval_test, when_the_primary_refuses_this_system_then_forbidden_and_the_copy_is_deleted) {
    ASSERT_TRUE(run());
    link->fetch_error = support::make_error(errc::forbidden, "no agreement");
    auto got = run();
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::forbidden);
    EXPECT_FALSE(retrieval->stored_profile(mcptt, alice));
}

TEST_F(partner_profile_retrieval_test, when_no_template_applies_to_the_visitors_primary_then_forbidden) {
    partner_agreement other = primary;
    other.system = "mcx-c.example.org";
    other.organisation = organisation_rule::parse("sip:{user}@{org}.mcx-c.example.org").value();
    auto got = retrieval->run(other, mcptt, "sip:dan@police.mcx-c.example.org", "cid-1");
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::forbidden);
    EXPECT_FALSE(retrieval->stored_profile(mcptt, "sip:dan@police.mcx-c.example.org"));
    EXPECT_TRUE(link->reports.empty()) << "nothing was delivered";
}

TEST_F(partner_profile_retrieval_test, when_the_visitor_is_not_of_the_templates_organisation_then_forbidden) {
    auto got = retrieval->run(primary, mcptt, "sip:bob@fire.mcx-a.example.org", "cid-1");
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::forbidden);
}

TEST_F(partner_profile_retrieval_test, when_the_copy_came_from_another_primary_then_it_is_fetched_unconditionally) {
    auto mcx_c_template = police_template;
    mcx_c_template.name = "mcx-c-police";
    mcx_c_template.primary_system = "mcx-c.example.org";
    mcx_c_template.organisation.reset();
    retrieval = std::make_unique<partner_profile_retrieval>(
        config, documents, link, template_catalogue::create({police_template, mcx_c_template}).value(), clock);
    ASSERT_TRUE(run());
    partner_agreement other = primary;
    other.system = "mcx-c.example.org";
    other.organisation.reset();
    auto got = retrieval->run(other, mcptt, alice, "cid-2");
    ASSERT_TRUE(got) << got.err().message;
    ASSERT_EQ(link->fetches.size(), 2u);
    EXPECT_EQ(link->fetches[1].primary, "mcx-c.example.org");
    EXPECT_EQ(link->fetches[1].if_none_match, std::nullopt);
    EXPECT_EQ(read_serving_stamp(got->content)->primary_system, "mcx-c.example.org");
    EXPECT_EQ(retrieval->visitors()->at(0).primary_system, "mcx-c.example.org");
}

TEST_F(partner_profile_retrieval_test, when_the_primary_releases_the_user_then_the_copy_is_deleted) {
    ASSERT_TRUE(run());
    auto released = retrieval->release(alice, "mcx-a.example.org");
    ASSERT_TRUE(released) << released.err().message;
    EXPECT_TRUE(*released);
    EXPECT_EQ(retrieval->stored_profile(mcptt, alice).err().code, errc::not_found);
    EXPECT_TRUE(retrieval->visitors()->empty());
    auto again = retrieval->release(alice, "mcx-a.example.org");
    ASSERT_TRUE(again);
    EXPECT_FALSE(*again);
}

TEST_F(partner_profile_retrieval_test, when_another_primary_asks_for_a_release_then_forbidden_and_the_copy_stays) {
    auto first = run();
    ASSERT_TRUE(first);
    auto released = retrieval->release(alice, "mcx-c.example.org");
    ASSERT_FALSE(released);
    EXPECT_EQ(released.err().code, errc::forbidden);
    auto stored = retrieval->stored_profile(mcptt, alice);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->content, first->content);
}

TEST_F(partner_profile_retrieval_test, when_a_template_changes_then_stored_profiles_are_regenerated) {
    auto first = run();
    ASSERT_TRUE(first);
    auto stricter = changed_template(2);
    ASSERT_NE(stricter.digest, police_template.digest);
    clock->advance(5min);
    auto changed = retrieval->replace_templates(template_catalogue::create({stricter}).value(), agreements());
    ASSERT_TRUE(changed) << changed.err().message;
    EXPECT_EQ(*changed, 1u);
    auto stored = retrieval->stored_profile(mcptt, alice);
    ASSERT_TRUE(stored);
    EXPECT_NE(stored->content, first->content);
    EXPECT_NE(stored->content.find("<Priority>2</Priority>"), std::string::npos);
    EXPECT_TRUE(xml::verify_enveloped(stored->content, pki->ca_pem));
    EXPECT_EQ(read_serving_stamp(stored->content)->valid_from, start + 5min);
    EXPECT_EQ(retrieval->visitors()->at(0).template_digest, stricter.digest);
    EXPECT_EQ(link->fetches.size(), 1u) << "regenerated from the stored migration profile, without asking";
    ASSERT_EQ(link->reports.size(), 2u);
    EXPECT_EQ(link->reports[1].report.digest, digest_of(stored->content));

    // The next request revalidates and serves the regenerated copy.
    auto next = run();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->content, stored->content);
}

TEST_F(partner_profile_retrieval_test, when_the_same_templates_are_loaded_again_then_nothing_changes) {
    auto first = run();
    ASSERT_TRUE(first);
    auto reread = parse_migration_template(read("templates/police-visitors.xml")).value();
    clock->advance(5min);
    auto changed = retrieval->replace_templates(template_catalogue::create({reread}).value(), agreements());
    ASSERT_TRUE(changed) << changed.err().message;
    EXPECT_EQ(*changed, 0u);
    EXPECT_EQ(retrieval->stored_profile(mcptt, alice)->content, first->content);
    EXPECT_EQ(link->reports.size(), 1u);
}

TEST_F(partner_profile_retrieval_test, when_a_template_no_longer_applies_then_the_copy_is_deleted) {
    ASSERT_TRUE(run());
    auto other = police_template;
    other.primary_system = "mcx-c.example.org";
    auto changed = retrieval->replace_templates(template_catalogue::create({other}).value(), agreements());
    ASSERT_TRUE(changed);
    EXPECT_EQ(*changed, 1u);
    EXPECT_FALSE(retrieval->stored_profile(mcptt, alice));
    auto got = run();
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::forbidden);
}

TEST_F(partner_profile_retrieval_test, when_a_delivery_report_failed_then_it_is_retried_on_the_next_revalidation) {
    link->report_error = support::make_error(errc::unavailable, "primary busy");
    auto first = run("cid-1");
    ASSERT_TRUE(first) << "a failed report does not stop the visitor being served";
    ASSERT_EQ(link->reports.size(), 1u);
    EXPECT_FALSE(retrieval->visitors()->at(0).reported);

    link->report_error.reset();
    clock->advance(1min);
    auto second = run("cid-2");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->content, first->content);
    ASSERT_EQ(link->reports.size(), 2u);
    EXPECT_EQ(link->reports[1].report.digest, digest_of(first->content));
    EXPECT_EQ(link->reports[1].report.profile_etag, link->etag);
    EXPECT_EQ(link->reports[1].report.correlation_id, "cid-2");
    EXPECT_EQ(link->reports[1].report.delivered_at, start + 1min);
    EXPECT_TRUE(retrieval->visitors()->at(0).reported);

    ASSERT_TRUE(run("cid-3"));
    EXPECT_EQ(link->reports.size(), 2u) << "once reported, not again";
}

TEST_F(partner_profile_retrieval_test,
       when_a_revalidation_finds_the_report_unsent_while_another_holds_the_lease_then_it_leaves_the_report_to_it) {
    link->report_error = support::make_error(errc::unavailable, "primary busy");
    ASSERT_TRUE(run("cid-1"));
    link->report_error.reset();
    // Another process is generating and reporting this visitor's profile right now.
    ASSERT_TRUE(documents->try_acquire_lease("visitor:mcptt:" + alice, "another process", 10s).value());

    ASSERT_TRUE(run("cid-2")) << "the revalidation itself needs no lease";
    EXPECT_EQ(link->reports.size(), 1u) << "the lease holder reports, not this request";

    ASSERT_TRUE(documents->release_lease("visitor:mcptt:" + alice, "another process").value());
    ASSERT_TRUE(run("cid-3"));
    ASSERT_EQ(link->reports.size(), 2u);
    EXPECT_EQ(link->reports[1].report.correlation_id, "cid-3");
}

TEST_F(partner_profile_retrieval_test, when_less_than_half_the_validity_remains_then_the_profile_is_signed_again) {
    auto first = run();
    ASSERT_TRUE(first);
    clock->advance(11h);
    auto early = run();
    ASSERT_TRUE(early);
    EXPECT_EQ(early->content, first->content) << "more than half the validity left: the copy stands";

    clock->advance(1h + 1s);
    auto renewed = run("cid-renew");
    ASSERT_TRUE(renewed) << renewed.err().message;
    EXPECT_NE(renewed->content, first->content);
    EXPECT_FALSE(renewed->stale);
    auto stamp = read_serving_stamp(renewed->content);
    ASSERT_TRUE(stamp);
    EXPECT_EQ(stamp->valid_from, start + 12h + 1s);
    EXPECT_EQ(stamp->valid_until, start + 36h + 1s);
    EXPECT_TRUE(xml::verify_enveloped(renewed->content, pki->ca_pem));
    EXPECT_EQ(retrieval->visitors()->at(0).valid_until, start + 36h + 1s);
    EXPECT_EQ(link->fetches.size(), 3u);
    EXPECT_EQ(link->fetches[2].if_none_match, link->etag) << "renewed from the stored copy, not a new transfer";
    ASSERT_EQ(link->reports.size(), 2u) << "the partner now serves other bytes";
    EXPECT_EQ(link->reports[1].report.digest, digest_of(renewed->content));
}

TEST_F(partner_profile_retrieval_test, when_the_stored_copy_has_expired_then_it_is_not_served_stale) {
    config.max_stale = 48h; // longer than the validity: the validity is the limit
    retrieval = std::make_unique<partner_profile_retrieval>(
        config, documents, link, template_catalogue::create({police_template}).value(), clock);
    ASSERT_TRUE(run());
    link->fetch_error = support::make_error(errc::unavailable, "connection refused");
    clock->advance(23h);
    EXPECT_TRUE(run());
    clock->advance(1h);
    auto expired = run();
    ASSERT_FALSE(expired);
    EXPECT_EQ(expired.err().code, errc::unavailable);
}

TEST_F(partner_profile_retrieval_test, when_the_system_restarts_then_the_stored_copy_is_revalidated) {
    auto first = run();
    ASSERT_TRUE(first);
    auto restarted = std::make_unique<partner_profile_retrieval>(
        config, store::create_sqlite_document_store(dir.path() / "cms.db").value(), link,
        template_catalogue::create({police_template}).value(), clock);
    auto again = restarted->run(primary, mcptt, alice, "cid-2");
    ASSERT_TRUE(again) << again.err().message;
    EXPECT_EQ(again->content, first->content);
    EXPECT_EQ(link->fetches.at(1).if_none_match, link->etag);
    EXPECT_EQ(link->reports.size(), 1u);
}

TEST_F(partner_profile_retrieval_test,
       when_another_process_obtains_a_first_visit_meanwhile_then_its_stored_copy_is_served_without_asking_again) {
    const auto visit = visit_with_a_rival(false);
    const auto& v = *visit;
    ASSERT_TRUE(*v.got) << v.got->err().message;
    ASSERT_TRUE(v.others_answer && *v.others_answer);
    EXPECT_EQ((*v.got)->content, (*v.others_answer)->content);
    EXPECT_FALSE((*v.got)->stale);
    EXPECT_TRUE(link->fetches.empty()) << "the procedure ran once, in the other process";
    EXPECT_EQ(v.other_link->fetches.size(), 1u);
    EXPECT_EQ(link->reports.size() + v.other_link->reports.size(), 1u);
    EXPECT_GE(v.shared->lease_requests, 2);
}

TEST_F(partner_profile_retrieval_test,
       when_another_process_finished_a_first_visit_before_the_lease_was_asked_then_its_copy_is_served) {
    const auto visit = visit_with_a_rival(true);
    const auto& v = *visit;
    ASSERT_TRUE(*v.got) << v.got->err().message;
    ASSERT_TRUE(v.others_answer && *v.others_answer);
    EXPECT_EQ((*v.got)->content, (*v.others_answer)->content);
    EXPECT_TRUE(link->fetches.empty()) << "the lease was free, yet the procedure had already run";
    EXPECT_EQ(v.shared->lease_requests, 1);
}

TEST_F(partner_profile_retrieval_test, when_a_visitor_first_asks_then_the_lease_is_given_back_for_the_next_process) {
    ASSERT_TRUE(run());
    auto taken = documents->try_acquire_lease("visitor:mcptt:" + alice, "another process", 1s);
    ASSERT_TRUE(taken) << taken.err().message;
    EXPECT_TRUE(*taken);
}

TEST_F(partner_profile_retrieval_test, when_the_primary_confirms_the_copy_then_the_store_records_it_once_a_minute) {
    ASSERT_TRUE(run());
    const store::document_key state{"org.mcprov.visitor", alice, "mcptt-state.json"};
    auto before = documents->get(state).value().etag;
    clock->advance(30s);
    ASSERT_TRUE(run());
    EXPECT_EQ(documents->get(state).value().etag, before) << "a revalidation within a minute writes nothing";
    clock->advance(31s);
    ASSERT_TRUE(run());
    auto after = documents->get(state).value();
    EXPECT_NE(after.etag, before);
    EXPECT_NE(after.content.find(support::format_utc(start + 61s)), std::string::npos) << after.content;
}

TEST_F(partner_profile_retrieval_test, when_another_process_confirmed_the_copy_then_a_stale_answer_counts_from_then) {
    ASSERT_TRUE(run());
    auto other = std::make_unique<partner_profile_retrieval>(
        config, documents, link, template_catalogue::create({police_template}).value(), clock);
    clock->advance(20min);
    ASSERT_TRUE(other->run(primary, mcptt, alice, "cid-other"));
    link->fetch_error = support::make_error(errc::unavailable, "connection refused");
    clock->advance(10min);
    auto stale = run();
    ASSERT_TRUE(stale) << stale.err().message;
    EXPECT_TRUE(stale->stale);
    EXPECT_EQ(stale->age, 10min);
}

TEST_F(partner_profile_retrieval_test, when_copies_of_an_earlier_version_are_stored_then_they_are_discarded) {
    const std::string bob = "sip:bob@fire.mcx-a.example.org";
    auto put = [&](const std::string& user, const std::string& name) {
        ASSERT_TRUE(documents->put({"org.mcprov.visitor", user, name}, "<x/>", {}));
    };
    for (const auto* name : {"state.json", "migration-profile.xml", "mcptt-user-profile-0.xml"}) {
        put(bob, name);
    }
    ASSERT_TRUE(run()); // alice: stored by this version
    put(alice, "state.json"); // and a leftover of the earlier one beside it
    auto alice_served = retrieval->stored_profile(mcptt, alice)->content;

    auto discarded = retrieval->discard_earlier_copies();
    ASSERT_TRUE(discarded) << discarded.err().message;
    EXPECT_EQ(*discarded, 2u);
    EXPECT_TRUE(documents->list_documents("org.mcprov.visitor", bob)->empty()) << "bob's earlier copy is gone";
    EXPECT_EQ(retrieval->stored_profile(mcptt, alice)->content, alice_served) << "this version's copy stays";
    EXPECT_EQ(documents->get({"org.mcprov.visitor", alice, "state.json"}).err().code, errc::not_found);
    EXPECT_EQ(*retrieval->discard_earlier_copies(), 0u);
}

// Alice's migration profiles of every service, and a template with a section for MCData and one for MCVideo.
class partner_profile_retrieval_services_test : public partner_profile_retrieval_test {
protected:
    static constexpr auto mcdata = xcap::mc_service::mcdata;
    static constexpr auto mcvideo = xcap::mc_service::mcvideo;

    void SetUp() override {
        partner_profile_retrieval_test::SetUp();
        const auto& a = devkit::system_a();
        const auto& u = devkit::example_users()[0];
        ASSERT_EQ(a.user_id(u), alice);
        const std::string for_b = "<migration-for xmlns=\"urn:mcprov:migration:1\" partners=\"" + this_system + "\"/>";
        link->other_services[mcdata] = devkit::mcdata_user_profile(a, u, 1, "visiting", u.groups, for_b);
        link->other_services[mcvideo] = devkit::mcvideo_user_profile(a, u, 1, "visiting", 7, u.groups, for_b);
        auto t = parse_migration_template(R"(<migration-template xmlns="urn:mcprov:migration-template:1" name="all">
  <applies-to primary-system="mcx-a.example.org"/>
  <groups><deny pattern="sip:*-internal@*"/></groups>
  <priority mode="cap" value="3"/>
  <mcdata>
    <authorisations><withdraw name="allow-group-fd"/></authorisations>
    <limits><cap name="max-data-size-fd-bytes" value="1024"/></limits>
  </mcdata>
  <mcvideo><authorisations><withdraw name="allow-request-remote-initiated-ambient-viewing"/></authorisations></mcvideo>
</migration-template>)");
        ASSERT_TRUE(t) << t.err().message;
        every_service = std::move(t).value();
        retrieval = std::make_unique<partner_profile_retrieval>(
            config, documents, link, template_catalogue::create({every_service}).value(), clock);
    }

    support::result<visitor_profile> run_for(xcap::mc_service service, const std::string& cid = "cid-1") {
        return retrieval->run(primary, service, alice, cid);
    }

    // What an MC client of the service would check: the document as its XCAP usage stores it.
    static void expect_valid(xcap::mc_service service, const std::string& content) {
        const auto& usage = xcap::user_profile_usage(service);
        auto checked = xcap::check_profile_document(usage, alice, visitor_profile_name(service), content);
        EXPECT_TRUE(checked) << xcap::to_string(service) << ": " << checked.err().message;
    }

    migration_template every_service;
};

TEST_F(partner_profile_retrieval_services_test,
       when_each_service_is_asked_then_each_profile_is_adapted_signed_stored_and_reported_apart) {
    auto video = run_for(mcvideo, "cid-v");
    auto data = run_for(mcdata, "cid-d");
    auto ptt = run_for(mcptt, "cid-p");
    ASSERT_TRUE(video) << video.err().message;
    ASSERT_TRUE(data) << data.err().message;
    ASSERT_TRUE(ptt) << ptt.err().message;

    EXPECT_TRUE(has(data->content, "<mcdata-user-profile"));
    EXPECT_TRUE(has(data->content, "<max-data-size-fd-bytes>1024</max-data-size-fd-bytes>")) << data->content;
    EXPECT_TRUE(has(data->content, "<max-data-size-sds-bytes>8192</max-data-size-sds-bytes>")) << "not capped";
    EXPECT_TRUE(has(data->content, "<allow-group-fd>false</allow-group-fd>"));
    EXPECT_TRUE(has(data->content, "<allow-one-to-one-fd>true</allow-one-to-one-fd>"));
    EXPECT_TRUE(has(video->content, "<mcvideo-user-profile"));
    EXPECT_TRUE(has(video->content, "<Priority>3</Priority>")) << "the common cap applies to MCVideo too";
    EXPECT_TRUE(has(video->content,
                    "<allow-request-remote-initiated-ambient-viewing>false</allow-request-remote-initiated-ambient-"
                    "viewing>"));
    EXPECT_FALSE(has(ptt->content, "max-data-size")) << "MCPTT gets no MCData rules";
    for (const auto& [service, got] : {std::pair{mcdata, &*data}, std::pair{mcvideo, &*video}, std::pair{mcptt, &*ptt}}) {
        EXPECT_TRUE(xml::verify_enveloped(got->content, pki->ca_pem)) << xcap::to_string(service);
        EXPECT_EQ(read_serving_stamp(got->content)->serving_system, this_system);
        expect_valid(service, got->content);
        auto stored = retrieval->stored_profile(service, alice);
        ASSERT_TRUE(stored) << xcap::to_string(service);
        EXPECT_EQ(stored->content, got->content) << "each service's copy is stored apart";
    }

    ASSERT_EQ(link->fetches.size(), 3u);
    EXPECT_EQ(link->fetches[0].service, mcvideo);
    EXPECT_EQ(link->fetches[1].service, mcdata);
    EXPECT_EQ(link->fetches[2].service, mcptt);
    ASSERT_EQ(link->reports.size(), 3u);
    EXPECT_EQ(link->reports[0].report.service, "mcvideo");
    EXPECT_EQ(link->reports[0].report.digest, digest_of(video->content));
    EXPECT_EQ(link->reports[1].report.service, "mcdata");
    EXPECT_EQ(link->reports[1].report.profile_etag, store::entity_tag_of(link->other_services[mcdata]));
    EXPECT_EQ(link->reports[2].report.service, "mcptt");
    auto visitors = retrieval->visitors().value();
    ASSERT_EQ(visitors.size(), 3u);
    std::set<xcap::mc_service> listed;
    for (const auto& v : visitors) {
        listed.insert(v.service);
        EXPECT_TRUE(v.reported);
    }
    EXPECT_EQ(listed.size(), 3u);

    // Revalidations of each: no new transfer, no new report.
    ASSERT_TRUE(run_for(mcdata, "cid-d2"));
    ASSERT_TRUE(run_for(mcvideo, "cid-v2"));
    EXPECT_EQ(link->fetches[3].if_none_match, store::entity_tag_of(link->other_services[mcdata]));
    EXPECT_EQ(link->fetches[4].if_none_match, store::entity_tag_of(link->other_services[mcvideo]));
    EXPECT_EQ(link->reports.size(), 3u);
}

TEST_F(partner_profile_retrieval_services_test, when_the_primary_has_no_profile_of_a_service_then_only_that_one_is_refused) {
    link->other_services.erase(mcvideo);
    ASSERT_TRUE(run_for(mcdata));
    auto video = run_for(mcvideo);
    ASSERT_FALSE(video);
    EXPECT_EQ(video.err().code, errc::not_found);
    EXPECT_TRUE(retrieval->stored_profile(mcdata, alice));
    EXPECT_EQ(retrieval->stored_profile(mcvideo, alice).err().code, errc::not_found);
}

TEST_F(partner_profile_retrieval_services_test, when_the_primary_sends_another_services_profile_then_nothing_is_served) {
    link->other_services[mcdata] = link->content; // an MCPTT profile where an MCData one was asked for
    auto data = run_for(mcdata);
    ASSERT_FALSE(data);
    EXPECT_EQ(data.err().code, errc::unavailable);
    EXPECT_EQ(retrieval->stored_profile(mcdata, alice).err().code, errc::not_found);
    EXPECT_TRUE(link->reports.empty());
}

TEST_F(partner_profile_retrieval_services_test, when_the_primary_cannot_be_reached_then_each_service_is_served_stale) {
    ASSERT_TRUE(run_for(mcdata));
    ASSERT_TRUE(run_for(mcvideo));
    link->fetch_error = support::make_error(errc::unavailable, "connection refused");
    clock->advance(10min);
    for (auto service : {mcdata, mcvideo}) {
        auto stale = run_for(service, "cid-stale");
        ASSERT_TRUE(stale) << stale.err().message;
        EXPECT_TRUE(stale->stale);
        EXPECT_EQ(stale->age, 10min);
        EXPECT_EQ(stale->content, retrieval->stored_profile(service, alice)->content);
    }
    EXPECT_FALSE(run_for(mcptt)) << "no MCPTT copy was ever stored";
}

TEST_F(partner_profile_retrieval_services_test, when_the_primary_releases_the_user_then_every_services_copy_is_deleted) {
    ASSERT_TRUE(run_for(mcptt));
    ASSERT_TRUE(run_for(mcdata));
    ASSERT_TRUE(run_for(mcvideo));
    auto released = retrieval->release(alice, "mcx-a.example.org");
    ASSERT_TRUE(released) << released.err().message;
    EXPECT_TRUE(*released);
    for (auto service : {mcptt, mcdata, mcvideo}) {
        EXPECT_EQ(retrieval->stored_profile(service, alice).err().code, errc::not_found) << xcap::to_string(service);
    }
    EXPECT_TRUE(retrieval->visitors()->empty());
    EXPECT_TRUE(documents->list_documents("org.mcprov.visitor", alice)->empty()) << "nothing of the visitor is left";
}

TEST_F(partner_profile_retrieval_services_test, when_the_mcdata_section_changes_then_the_mcdata_copy_is_regenerated) {
    auto first = run_for(mcdata);
    ASSERT_TRUE(first);
    auto changed = every_service;
    changed.services[static_cast<std::size_t>(mcdata)].limits[0].value = 512;
    changed.digest = "another digest";
    auto regenerated = retrieval->replace_templates(template_catalogue::create({changed}).value(), agreements());
    ASSERT_TRUE(regenerated) << regenerated.err().message;
    EXPECT_EQ(*regenerated, 1u);
    auto stored = retrieval->stored_profile(mcdata, alice);
    ASSERT_TRUE(stored);
    EXPECT_TRUE(has(stored->content, "<max-data-size-fd-bytes>512</max-data-size-fd-bytes>")) << stored->content;
    expect_valid(mcdata, stored->content);
}

} // namespace
} // namespace mcprov::migration
