#include <map>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "mcprov/http/tls.hpp"
#include "mcprov/migration/served_profile.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/xcap/application_usage.hpp"
#include "mcprov/xml/signature.hpp"
#include "two_systems.hpp"

namespace mcprov::testing {
namespace {

using boost::beast::http::status;
using boost::beast::http::verb;

const std::string mcptt_type = "application/vnd.3gpp.mcptt-user-profile+xml";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A counter of GET /stats: "name", or "group.name" for one of a group ("cscm.requests", "templates.reloads"); -1
// when absent.
std::int64_t stat(const std::string& json, const std::string& name) {
    boost::system::error_code ec;
    auto value = boost::json::parse(json, ec);
    if (ec || !value.is_object()) {
        return -1;
    }
    const boost::json::object* o = &value.as_object();
    auto key = name;
    for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.')) {
        const auto* c = o->if_contains(key.substr(0, dot));
        if (!c || !c->is_object()) {
            return -1;
        }
        o = &c->as_object();
        key = key.substr(dot + 1);
    }
    const auto* v = o->if_contains(key);
    return v && v->is_number() ? v->to_number<std::int64_t>() : -1;
}

// Polls until `done` holds (a release, a regeneration: work another thread or process finishes), or 20 s pass.
template <class F>
bool eventually(F done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

class migration : public ::testing::Test {
protected:
    void SetUp() override {}
    void start_both() {
        ASSERT_TRUE(systems.start("mcx-a"));
        ASSERT_TRUE(systems.start("mcx-b"));
    }
    http::response visit(const std::string& user, std::vector<std::pair<std::string, std::string>> headers = {}) {
        return systems.get("mcx-b", systems.profile_url("mcx-b", user), systems.visitor_token(user),
                           std::move(headers));
    }
    // What an MC service server of the partner gets at service authorization.
    http::response service_read(const std::string& user) {
        return systems.get("mcx-b", systems.profile_url("mcx-b", user),
                           systems.token("mcx-b", "mcx-b", "sip:mcptt-as@mcx-b.example.org",
                                         {two_systems::service_scope}));
    }
    // A counter of mcx-b's GET /stats.
    std::int64_t b_stat(const std::string& name) {
        return stat(systems.get("mcx-b", systems.base("mcx-b") + "/stats", systems.admin_token("mcx-b")).body(), name);
    }
    std::string ca(const std::string& label) { return support::read_file(systems.dir(label) / "ca.pem").value(); }

    two_systems systems;
};

TEST_F(migration, when_a_visitor_first_asks_then_the_partner_runs_the_procedure_and_serves_a_signed_adapted_profile) {
    start_both();
    auto res = visit(two_systems::alice);
    ASSERT_EQ(res.result(), status::ok) << res.body();
    EXPECT_EQ(res[boost::beast::http::field::content_type], mcptt_type);
    const auto& body = res.body();
    // The police template of mcx-b: internal groups denied, mutual aid added, priority capped, regroup withdrawn.
    EXPECT_FALSE(contains(body, "police-internal"));
    EXPECT_TRUE(contains(body, "sip:patrol-north@groups.mcx-a.example.org"));
    EXPECT_TRUE(contains(body, "sip:mutual-aid@groups.mcx-b.example.org"));
    EXPECT_TRUE(contains(body, "<Priority>3</Priority>"));
    EXPECT_TRUE(contains(body, "<allow-regroup>false</allow-regroup>"));
    EXPECT_FALSE(contains(body, "migration-for"));
    // The migration profile for mcx-b (not the default one, not a home profile) was used.
    EXPECT_TRUE(contains(body, "<ProfileName>visiting-mcx-b</ProfileName>"));

    auto verified = xml::verify_enveloped(body, ca("mcx-b"));
    ASSERT_TRUE(verified) << verified.err().message;
    EXPECT_FALSE(xml::verify_enveloped(body, ca("mcx-a"))) << "signed by the partner, not the primary";
    auto stamp = mcprov::migration::read_serving_stamp(body);
    ASSERT_TRUE(stamp) << stamp.err().message;
    EXPECT_EQ(stamp->serving_system, "mcx-b.example.org");
    EXPECT_EQ(stamp->primary_system, "mcx-a.example.org");
    EXPECT_EQ(stamp->template_name, "mcx-a-police");
    EXPECT_LE(stamp->valid_from, std::chrono::system_clock::now());
    EXPECT_GT(stamp->valid_until, std::chrono::system_clock::now() + std::chrono::hours(23));

    // One correlation id across both systems' logs, for each step.
    std::string cid(res["X-Correlation-ID"]);
    ASSERT_FALSE(cid.empty());
    EXPECT_TRUE(contains(systems.log("mcx-b"), "[" + cid + "] step 4"));
    EXPECT_TRUE(contains(systems.log("mcx-a"), "[" + cid + "] step 5"));
    EXPECT_TRUE(contains(systems.log("mcx-a"), "[" + cid + "] step 7-8: provided"));
    EXPECT_TRUE(contains(systems.log("mcx-b"), "[" + cid + "] step 11: stored"));

    // The primary sees where its user is served and a digest of exactly what was delivered.
    auto serving = systems.get("mcx-a", systems.base("mcx-a") + "/migration/serving", systems.admin_token("mcx-a"));
    ASSERT_EQ(serving.result(), status::ok) << serving.body();
    EXPECT_TRUE(contains(serving.body(), "\"partner\":\"mcx-b.example.org\""));
    EXPECT_TRUE(contains(serving.body(), "\"state\":\"serving\""));
    EXPECT_TRUE(contains(serving.body(), "sha-256:" + support::hex_encode(support::sha256(body))))
        << serving.body();

    // The partner's MC service server gets the same stored profile.
    auto stored = service_read(two_systems::alice);
    ASSERT_EQ(stored.result(), status::ok);
    EXPECT_EQ(stored.body(), body);
}

// The JSON of GET /migration/serving: the record of one user at one partner, or null.
boost::json::object serving_record_of(const std::string& listing, const std::string& user, const std::string& partner) {
    boost::system::error_code ec;
    auto value = boost::json::parse(listing, ec);
    if (!ec && value.is_array()) {
        for (const auto& r : value.as_array()) {
            if (r.is_object() && r.as_object().at("user") == user.c_str() &&
                r.as_object().at("partner") == partner.c_str()) {
                return r.as_object();
            }
        }
    }
    return {};
}

TEST_F(migration, when_a_visitor_uses_mcdata_and_mcvideo_then_each_profile_is_adapted_served_stale_and_released) {
    start_both();
    const auto& alice = two_systems::alice;
    const auto service_token =
        systems.token("mcx-b", "mcx-b", "sip:mcptt-as@mcx-b.example.org", {two_systems::service_scope});
    std::map<std::string, std::string> served;
    for (const std::string service : {"mcdata", "mcvideo"}) {
        auto res = systems.get("mcx-b", systems.service_profile_url("mcx-b", service, alice),
                               systems.visitor_token(alice));
        ASSERT_EQ(res.result(), status::ok) << service << ": " << res.body();
        EXPECT_EQ(res[boost::beast::http::field::content_type],
                  "application/vnd.3gpp." + service + "-user-profile+xml");
        const auto& body = res.body();
        served[service] = body;
        // From the migration profile for mcx-b, signed by mcx-b, valid against the service's schema.
        EXPECT_TRUE(contains(body, "<ProfileName>visiting-mcx-b</ProfileName>")) << body;
        EXPECT_FALSE(contains(body, "migration-for"));
        EXPECT_TRUE(xml::verify_enveloped(body, ca("mcx-b"))) << service;
        auto stamp = mcprov::migration::read_serving_stamp(body);
        ASSERT_TRUE(stamp) << stamp.err().message;
        EXPECT_EQ(stamp->serving_system, "mcx-b.example.org");
        EXPECT_EQ(stamp->template_name, "mcx-a-police");
        const auto service_id = xcap::service_named(service).value();
        auto valid = xcap::check_profile_document(xcap::user_profile_usage(service_id), alice,
                                                  service + "-user-profile-0.xml", body);
        EXPECT_TRUE(valid) << service << ": " << valid.err().message;
        // The police template: internal groups denied everywhere, and each service's own section.
        EXPECT_FALSE(contains(body, "police-internal")) << service;
        if (service == "mcdata") {
            EXPECT_TRUE(contains(body, "<allow-group-fd>false</allow-group-fd>")) << body;
            EXPECT_TRUE(contains(body, "<max-data-size-fd-bytes>10485760</max-data-size-fd-bytes>")) << body;
        } else {
            EXPECT_TRUE(contains(body, "<Priority>3</Priority>")) << body;
            EXPECT_TRUE(contains(body, "<allow-request-remote-initiated-ambient-viewing>false<")) << body;
        }
        std::string cid(res["X-Correlation-ID"]);
        EXPECT_TRUE(contains(systems.log("mcx-a"),
                             "[" + cid + "] step 5: mcx-b.example.org asks for the " + service + " migration profile"));
        // The partner's MC service server of that service gets the stored copy.
        auto stored = systems.get("mcx-b", systems.service_profile_url("mcx-b", service, alice), service_token);
        ASSERT_EQ(stored.result(), status::ok);
        EXPECT_EQ(stored.body(), body);
    }
    // The primary keeps one record of alice at mcx-b, with what each service's delivery was.
    auto listing =
        systems.get("mcx-a", systems.base("mcx-a") + "/migration/serving", systems.admin_token("mcx-a")).body();
    auto record = serving_record_of(listing, alice, "mcx-b.example.org");
    ASSERT_FALSE(record.empty()) << listing;
    const auto& profiles = record.at("profiles").as_array();
    ASSERT_EQ(profiles.size(), 2u) << listing;
    EXPECT_EQ(profiles[0].at("service"), "mcdata");
    EXPECT_EQ(profiles[1].at("service"), "mcvideo");
    for (const auto& p : profiles) {
        std::string service(p.at("service").as_string());
        EXPECT_EQ(p.at("delivery").at("digest"), ("sha-256:" + support::hex_encode(support::sha256(served[service]))).c_str())
            << listing;
    }

    // The primary goes down: each service's stored copy is served, marked stale.
    systems.process("mcx-a").signal(SIGTERM);
    ASSERT_TRUE(systems.process("mcx-a").wait(std::chrono::seconds(15)));
    for (const std::string service : {"mcdata", "mcvideo"}) {
        auto stale = systems.get("mcx-b", systems.service_profile_url("mcx-b", service, alice),
                                 systems.visitor_token(alice));
        ASSERT_EQ(stale.result(), status::ok) << service << ": " << stale.body();
        EXPECT_TRUE(contains(std::string(stale[boost::beast::http::field::warning]), "110")) << service;
        EXPECT_EQ(stale.body(), served[service]);
    }

    // Back up, the primary serves alice at home (her MCData profile): mcx-b deletes every service's copy.
    ASSERT_TRUE(systems.start("mcx-a"));
    auto home = systems.get("mcx-a", systems.service_profile_url("mcx-a", "mcdata", alice, "mcdata-user-profile-1.xml"),
                            systems.token("mcx-a", "mcx-a", alice, {two_systems::user_scope}));
    ASSERT_EQ(home.result(), status::ok) << home.body();
    for (const std::string service : {"mcdata", "mcvideo"}) {
        EXPECT_TRUE(eventually([&] {
            return systems.get("mcx-b", systems.service_profile_url("mcx-b", service, alice), service_token)
                       .result() == status::not_found;
        })) << service;
    }
    auto visitors = systems.get("mcx-b", systems.base("mcx-b") + "/migration/visitors", systems.admin_token("mcx-b"));
    EXPECT_EQ(visitors.body(), "[]");
    EXPECT_TRUE(eventually([&] {
        auto after = systems.get("mcx-a", systems.base("mcx-a") + "/migration/serving", systems.admin_token("mcx-a"));
        return serving_record_of(after.body(), alice, "mcx-b.example.org").at("state") == "released";
    }));
}

TEST_F(migration, when_the_visitor_asks_again_then_the_copy_is_revalidated_without_transfer) {
    start_both();
    auto first = visit(two_systems::alice);
    ASSERT_EQ(first.result(), status::ok);
    auto again = visit(two_systems::alice);
    ASSERT_EQ(again.result(), status::ok);
    EXPECT_EQ(again[boost::beast::http::field::etag], first[boost::beast::http::field::etag]);
    EXPECT_EQ(again.body(), first.body());
    std::string cid(again["X-Correlation-ID"]);
    EXPECT_TRUE(contains(systems.log("mcx-a"), "[" + cid + "] step 7-8: not modified"));
    EXPECT_TRUE(contains(systems.log("mcx-b"), "[" + cid + "] step 12-13: stored copy"));
    EXPECT_FALSE(contains(systems.log("mcx-b"), "[" + cid + "] step 10"));

    auto conditional =
        visit(two_systems::alice, {{"If-None-Match", std::string(first[boost::beast::http::field::etag])}});
    EXPECT_EQ(conditional.result(), status::not_modified);
}

TEST_F(migration, when_the_primary_changes_the_migration_profile_then_the_partner_serves_the_change) {
    start_both();
    ASSERT_EQ(visit(two_systems::alice).result(), status::ok);
    auto url = systems.base("mcx-a") + "/xcap/org.mcprov.migration-profile/users/" + two_systems::alice +
               "/migration-profile-1.xml";
    auto current = systems.get("mcx-a", url, systems.admin_token("mcx-a")).body();
    auto changed = current;
    auto at = changed.find("patrol-south");
    ASSERT_NE(at, std::string::npos);
    changed.replace(at, 12, "patrol-east");
    changed.replace(changed.find("patrol-south"), 12, "patrol-east");
    auto put = systems.request("mcx-a", verb::put, url, systems.admin_token("mcx-a"),
                               {{"Content-Type", mcptt_type}}, changed);
    ASSERT_EQ(put.result(), status::ok) << put.body();

    auto res = visit(two_systems::alice);
    ASSERT_EQ(res.result(), status::ok);
    EXPECT_TRUE(contains(res.body(), "sip:patrol-east@groups.mcx-a.example.org"));
    EXPECT_FALSE(contains(res.body(), "patrol-south"));
}

TEST_F(migration, when_a_template_changes_then_the_stored_profiles_it_governs_are_regenerated) {
    start_both();
    ASSERT_EQ(visit(two_systems::alice).result(), status::ok);
    ASSERT_EQ(visit(two_systems::bob).result(), status::ok);
    auto bob_before = service_read(two_systems::bob).body();
    auto path = systems.dir("mcx-b") / "templates" / "mcx-a-police.xml";
    auto text = support::read_file(path).value();
    text.replace(text.find("mode=\"cap\" value=\"3\""), 20, "mode=\"cap\" value=\"1\"");
    ASSERT_TRUE(support::write_file(path, text));
    systems.process("mcx-b").signal(SIGHUP);

    // Without any client request, the MC service server already sees the regenerated profile.
    EXPECT_TRUE(eventually([&] { return contains(service_read(two_systems::alice).body(), "<Priority>1</Priority>"); }))
        << systems.log("mcx-b");
    EXPECT_TRUE(eventually([&] { return b_stat("templates.reloads") == 1; }));
    EXPECT_EQ(b_stat("templates.profiles_changed"), 1) << "alice's, not bob's";
    EXPECT_EQ(service_read(two_systems::bob).body(), bob_before) << "bob's template did not change";
    auto res = visit(two_systems::alice);
    EXPECT_TRUE(contains(res.body(), "<Priority>1</Priority>"));
    EXPECT_TRUE(xml::verify_enveloped(res.body(), ca("mcx-b")));
}

TEST_F(migration, when_a_template_is_broken_then_the_reload_is_refused_and_the_old_one_stays) {
    start_both();
    ASSERT_EQ(visit(two_systems::alice).result(), status::ok);
    ASSERT_TRUE(support::write_file(systems.dir("mcx-b") / "templates" / "mcx-a-police.xml", "<migration-template"));
    systems.process("mcx-b").signal(SIGHUP);
    EXPECT_TRUE(eventually([&] { return b_stat("templates.reloads_refused") == 1; }));
    EXPECT_EQ(b_stat("templates.reloads"), 0);
    auto res = visit(two_systems::alice);
    EXPECT_EQ(res.result(), status::ok);
    EXPECT_TRUE(contains(res.body(), "<Priority>3</Priority>"));
}

TEST_F(migration, when_the_signing_certificate_does_not_name_the_system_then_the_cms_does_not_start) {
    // mcx-b's CSCM-x certificate, from mcx-b's own CA, names its CMS host, not the MC system visitors are served by.
    systems.edit_config("mcx-b", "[migration]\n",
                        "[migration]\nsigning_certificate = \"cscm.crt\"\nsigning_private_key = \"cscm.key\"\n");
    child_process refused(MCPROV_BINARY, {"cms", "--config", (systems.dir("mcx-b") / "cms.toml").string()},
                          systems.dir("mcx-b") / "refused-run");
    EXPECT_EQ(refused.wait(std::chrono::seconds(30)).value_or(-1), 1);
    EXPECT_TRUE(contains(refused.err(), "cscm.crt: the certificate that signs visitors' profiles must name this "
                                        "system: the certificate does not name mcx-b.example.org"))
        << refused.err();
}

TEST_F(migration, when_the_primary_is_unreachable_then_the_copy_is_served_stale_until_its_maximum_age) {
    systems.edit_config("mcx-b", "max_stale_seconds = 86400", "max_stale_seconds = 3");
    start_both();
    auto fresh = visit(two_systems::alice);
    ASSERT_EQ(fresh.result(), status::ok);
    EXPECT_TRUE(fresh[boost::beast::http::field::warning].empty());
    auto metrics = [&] { return systems.get("mcx-b", systems.base("mcx-b") + "/metrics", systems.admin_token("mcx-b")).body(); };
    auto before = metrics();
    EXPECT_TRUE(contains(before, "mcprov_migration_partner_up{peer=\"mcx-a.example.org\"} 1\n")) << before;
    EXPECT_TRUE(contains(before, "mcprov_migration_partner_call_failures_total{peer=\"mcx-a.example.org\"} 0\n")) << before;

    systems.process("mcx-a").signal(SIGTERM);
    ASSERT_TRUE(systems.process("mcx-a").wait(std::chrono::seconds(15)));
    auto stale = visit(two_systems::alice);
    // Peer health: the partner saw its primary stop answering.
    auto after = metrics();
    EXPECT_TRUE(contains(after, "mcprov_migration_partner_up{peer=\"mcx-a.example.org\"} 0\n")) << after;
    EXPECT_TRUE(contains(after, "mcprov_migration_partner_call_failures_total{peer=\"mcx-a.example.org\"} 1\n")) << after;
    EXPECT_FALSE(contains(after, "mcprov_migration_partner_last_answer_seconds{peer=\"mcx-a.example.org\"} 0\n")) << after;
    ASSERT_EQ(stale.result(), status::ok);
    EXPECT_EQ(stale.body(), fresh.body());
    EXPECT_TRUE(contains(std::string(stale[boost::beast::http::field::warning]), "110"));
    EXPECT_FALSE(stale[boost::beast::http::field::age].empty());

    // Once the copy is older than max_stale_seconds (3 s after the primary last confirmed it), it is refused.
    http::response too_old;
    EXPECT_TRUE(eventually([&] {
        too_old = visit(two_systems::alice);
        return too_old.result() != status::ok;
    }));
    EXPECT_EQ(too_old.result(), status::service_unavailable);
    EXPECT_TRUE(contains(too_old.body(), "too old")) << too_old.body();
    EXPECT_FALSE(too_old[boost::beast::http::field::retry_after].empty());
    // A user never seen before gets the same class of error at once.
    EXPECT_EQ(visit(two_systems::carol).result(), status::service_unavailable);
}

TEST_F(migration, when_the_primary_hangs_then_the_stored_copy_is_served_stale_within_the_cscm_timeout) {
    systems.edit_config("mcx-b", "[cscm]\n", "[cscm]\ntimeout_seconds = 2\n");
    start_both();
    auto fresh = visit(two_systems::alice);
    ASSERT_EQ(fresh.result(), status::ok);
    EXPECT_TRUE(fresh[boost::beast::http::field::warning].empty());

    // A primary that still accepts connections (the kernel does) but never answers.
    systems.process("mcx-a").signal(SIGSTOP);
    auto started = std::chrono::steady_clock::now();
    auto stale = visit(two_systems::alice);
    auto took = std::chrono::steady_clock::now() - started;
    systems.process("mcx-a").signal(SIGCONT);
    ASSERT_EQ(stale.result(), status::ok) << stale.body();
    EXPECT_EQ(stale.body(), fresh.body());
    EXPECT_TRUE(contains(std::string(stale[boost::beast::http::field::warning]), "110"));
    EXPECT_FALSE(stale[boost::beast::http::field::age].empty());
    EXPECT_GE(took, std::chrono::seconds(2));
    EXPECT_LT(took, std::chrono::seconds(10)) << "the CSCM-x timeout (2 s) bounds the wait";
    std::string cid(stale["X-Correlation-ID"]);
    EXPECT_TRUE(contains(systems.log("mcx-b"), "[" + cid + "] step 12: mcx-a.example.org unreachable")) << systems.log("mcx-b");
    EXPECT_TRUE(contains(systems.log("mcx-b"), "timed out after 2 s")) << systems.log("mcx-b");

    EXPECT_EQ(stat(systems.get("mcx-b", systems.base("mcx-b") + "/stats", systems.admin_token("mcx-b")).body(),
                   "visitor_stale"),
              1);

    // Running again, the primary answers: the copy is current, not stale. (A loaded machine may need a moment
    // before the resumed primary answers within the 2 s timeout.)
    EXPECT_TRUE(eventually([&] {
        auto again = visit(two_systems::alice);
        return again.result() == status::ok && again[boost::beast::http::field::warning].empty() &&
               again.body() == fresh.body();
    }));
}

TEST_F(migration, when_the_primary_hangs_then_the_partners_other_clients_are_served_meanwhile) {
    systems.edit_config("mcx-b", "[cscm]\n", "[cscm]\ntimeout_seconds = 6\n");
    start_both();
    ASSERT_EQ(visit(two_systems::alice).result(), status::ok);
    const auto before = b_stat("visitor_requests");

    // More visitors' requests than mcx-b has connection threads (2), each waiting on the stopped primary.
    systems.process("mcx-a").signal(SIGSTOP);
    constexpr int waiting = 4;
    std::vector<std::thread> visitors;
    std::vector<http::response> answers(waiting);
    for (int i = 0; i < waiting; ++i) {
        visitors.emplace_back([&, i] { answers[i] = visit(two_systems::alice); });
    }
    EXPECT_TRUE(eventually([&] { return b_stat("visitor_requests") >= before + waiting; }));
    // Every one of them is now waiting on the primary; the partner's own clients are answered meanwhile.
    auto started = std::chrono::steady_clock::now();
    auto health = systems.get("mcx-b", systems.base("mcx-b") + "/healthz", "");
    auto admin = systems.get("mcx-b", systems.base("mcx-b") + "/migration/visitors", systems.admin_token("mcx-b"));
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(health.result(), status::ok);
    EXPECT_EQ(admin.result(), status::ok);
    EXPECT_LT(took, std::chrono::seconds(3)) << "answered while the visitors still wait (6 s CSCM-x timeout)";
    for (auto& t : visitors) {
        t.join();
    }
    systems.process("mcx-a").signal(SIGCONT);
    for (const auto& a : answers) {
        EXPECT_EQ(a.result(), status::ok) << "served stale: " << a.body();
        EXPECT_TRUE(contains(std::string(a[boost::beast::http::field::warning]), "110"));
    }
}

TEST_F(migration, when_the_user_is_served_at_home_again_then_the_partner_deletes_its_copy) {
    start_both();
    ASSERT_EQ(visit(two_systems::alice).result(), status::ok);
    ASSERT_EQ(service_read(two_systems::alice).result(), status::ok);

    auto home = systems.get("mcx-a", systems.profile_url("mcx-a", two_systems::alice, "mcptt-user-profile-1.xml"),
                            systems.token("mcx-a", "mcx-a", two_systems::alice, {two_systems::user_scope}));
    ASSERT_EQ(home.result(), status::ok);

    EXPECT_TRUE(eventually([&] { return service_read(two_systems::alice).result() == status::not_found; }));
    EXPECT_TRUE(eventually([&] {
        auto serving =
            systems.get("mcx-a", systems.base("mcx-a") + "/migration/serving", systems.admin_token("mcx-a"));
        return contains(serving.body(), "\"state\":\"released\"");
    }));
    auto visitors = systems.get("mcx-b", systems.base("mcx-b") + "/migration/visitors", systems.admin_token("mcx-b"));
    EXPECT_EQ(visitors.body(), "[]");
}

TEST_F(migration, when_the_partner_is_unreachable_at_release_then_the_release_is_retried_until_it_lands) {
    start_both();
    ASSERT_EQ(visit(two_systems::alice).result(), status::ok);
    systems.process("mcx-b").signal(SIGTERM);
    ASSERT_TRUE(systems.process("mcx-b").wait(std::chrono::seconds(15)));
    ASSERT_EQ(systems
                  .get("mcx-a", systems.profile_url("mcx-a", two_systems::alice, "mcptt-user-profile-1.xml"),
                       systems.token("mcx-a", "mcx-a", two_systems::alice, {two_systems::user_scope}))
                  .result(),
              status::ok);
    EXPECT_TRUE(eventually([&] {
        auto a = systems.get("mcx-a", systems.base("mcx-a") + "/stats", systems.admin_token("mcx-a")).body();
        return stat(a, "releases.failed_attempts") >= 1;
    }));
    ASSERT_TRUE(systems.start("mcx-b"));
    // release_retry_seconds = 5 in the local deployment.
    EXPECT_TRUE(eventually([&] { return service_read(two_systems::alice).result() == status::not_found; }));
}

TEST_F(migration, when_a_system_without_an_agreement_calls_cscm_x_then_it_gets_nothing) {
    start_both();
    const auto url = "https://127.0.0.1:" + std::to_string(systems.cscm_port("mcx-a")) + "/cscm-x/v1/users/" +
                     support::percent_encode(two_systems::alice) + "/migration-profile";
    temp_dir keys;
    auto write = [&](const std::string& name, const std::string& content) {
        ASSERT_TRUE(support::write_file(keys.path() / name, content));
    };
    auto fetch_as = [&](const std::string& cert, const std::string& key) {
        http::client_options options;
        options.ca_file = systems.dir("mcx-a") / "ca.pem";
        options.certificate_chain = keys.path() / cert;
        options.private_key = keys.path() / key;
        return http::fetch({verb::get, url, {}, ""}, options);
    };
    // What CSCM-x answers a caller presenting a certificate of `ca` for `name` (an error: the handshake failed).
    int issued = 0;
    auto fetch_with = [&](const http::certificate_and_key& ca, const std::string& name, std::chrono::hours validity) {
        auto cert = http::issue_certificate(ca, name, {name}, {}, http::certificate_usage::client, validity).value();
        const auto file = std::to_string(++issued);
        write(file + ".crt", cert.certificate_pem);
        write(file + ".key", cert.private_key_pem);
        return fetch_as(file + ".crt", file + ".key");
    };
    // Refused by the handshake (where that may happen) or with 403, and never given the profile.
    auto expect_refused = [](const support::result<http::response>& answer, bool handshake_may_fail,
                             const std::string& what) {
        if (!answer) {
            EXPECT_TRUE(handshake_may_fail) << what << ": " << answer.err().message;
            return;
        }
        EXPECT_EQ(answer->result(), status::forbidden) << what;
        EXPECT_FALSE(contains(answer->body(), "mcptt-user-profile")) << what;
    };
    const auto hour = std::chrono::hours(1);

    // A certificate from a CA no agreement names: the handshake itself fails.
    auto stranger_ca = http::create_certificate_authority("stranger CA", hour).value();
    expect_refused(fetch_with(stranger_ca, "cms.mcx-b.example.org", hour), true, "another CA");
    // mcx-b's CA, but not the name the agreement gives mcx-b's CMS.
    http::certificate_and_key b_ca{support::read_file(systems.dir("mcx-b") / "ca.pem").value(),
                                   support::read_file(systems.dir("mcx-b") / "ca.key").value()};
    expect_refused(fetch_with(b_ca, "helpdesk.mcx-b.example.org", hour), false, "another name");
    // mcx-b's CA, and a name that covers the agreement's by a wildcard only: not the one peer the agreement names.
    expect_refused(fetch_with(b_ca, "*.mcx-b.example.org", hour), false, "a wildcard");
    // The agreement's exact name from mcx-b's CA, but expired.
    expect_refused(fetch_with(b_ca, "cms.mcx-b.example.org", -hour), true, "expired");
    // No client certificate at all.
    http::client_options anonymous;
    anonymous.ca_file = systems.dir("mcx-a") / "ca.pem";
    expect_refused(http::fetch({verb::get, url, {}, ""}, anonymous), true, "no certificate");

    // None of them was recorded as serving the user.
    auto serving = systems.get("mcx-a", systems.base("mcx-a") + "/migration/serving", systems.admin_token("mcx-a"));
    ASSERT_EQ(serving.result(), status::ok);
    EXPECT_EQ(serving.body(), "[]");

    // The real partner is served, and a user without a migration profile for it is not found, like an unknown one.
    std::filesystem::copy_file(systems.dir("mcx-b") / "cscm.crt", keys.path() / "b.crt");
    std::filesystem::copy_file(systems.dir("mcx-b") / "cscm.key", keys.path() / "b.key");
    auto partner = fetch_as("b.crt", "b.key");
    ASSERT_TRUE(partner) << partner.err().message;
    EXPECT_EQ(partner->result(), status::ok);
    EXPECT_TRUE(contains(partner->body(), "<ProfileName>visiting-mcx-b</ProfileName>"));
    // Which other partners the profile is written for is not mcx-b's business.
    EXPECT_FALSE(contains(partner->body(), "migration-for")) << partner->body();
    EXPECT_FALSE((*partner)[boost::beast::http::field::etag].empty());
}

TEST_F(migration, when_visitors_are_served_then_the_stats_of_both_systems_count_them) {
    start_both();
    auto stats = [&](const std::string& label) {
        auto res = systems.get(label, systems.base(label) + "/stats", systems.admin_token(label));
        EXPECT_EQ(res.result(), status::ok);
        return res.body();
    };
    auto a_before = stats("mcx-a");
    auto b_before = stats("mcx-b");
    EXPECT_EQ(stat(b_before, "visitor_requests"), 0) << b_before;
    EXPECT_EQ(stat(a_before, "cscm.profiles_provided"), 0) << a_before;
    ASSERT_EQ(visit(two_systems::alice).result(), status::ok);
    ASSERT_EQ(visit(two_systems::alice).result(), status::ok);
    EXPECT_EQ(systems.get("mcx-b", systems.profile_url("mcx-b", two_systems::alice, "other.xml"),
                          systems.visitor_token(two_systems::alice))
                  .result(),
              status::not_found);

    auto b = stats("mcx-b");
    EXPECT_EQ(stat(b, "visitor_requests"), 3) << b;
    EXPECT_EQ(stat(b, "visitor_refused"), 1) << b;
    EXPECT_EQ(stat(b, "visitor_stale"), 0) << b;
    EXPECT_EQ(stat(b, "cscm.requests"), 0) << "nobody called mcx-b's CSCM-x: " << b;
    // The three calls to mcx-a (profile, delivery report, revalidation) went over one kept-open connection.
    EXPECT_EQ(stat(b, "cscm.tls_handshakes.full") + stat(b, "cscm.tls_handshakes.resumed"), 1) << b;
    auto a = stats("mcx-a");
    EXPECT_EQ(stat(a, "cscm.profiles_provided"), 1) << a;
    EXPECT_EQ(stat(a, "cscm.not_modified"), 1) << a;
    EXPECT_EQ(stat(a, "cscm.delivery_reports"), 1) << a;
    EXPECT_EQ(stat(a, "cscm.refused_peers"), 0) << a;
    EXPECT_GE(stat(a, "cscm.requests"), 3) << a;
    EXPECT_EQ(stat(a, "visitor_requests"), 0) << a;
    EXPECT_EQ(stat(a, "cscm.tls_handshakes.full"), 0) << "mcx-a called nobody: " << a;

    // /metrics reads the same counters.
    auto metrics = [&](const std::string& label) {
        auto res = systems.get(label, systems.base(label) + "/metrics", systems.admin_token(label));
        EXPECT_EQ(res.result(), status::ok);
        return res.body();
    };
    auto b_metrics = metrics("mcx-b");
    EXPECT_NE(b_metrics.find("mcprov_migration_visitor_requests_total 3\n"), std::string::npos) << b_metrics;
    EXPECT_NE(b_metrics.find("mcprov_migration_visitor_refused_total 1\n"), std::string::npos) << b_metrics;
    auto a_metrics = metrics("mcx-a");
    EXPECT_NE(a_metrics.find("mcprov_migration_profiles_provided_total{answer=\"profile\"} 1\n"), std::string::npos)
        << a_metrics;
    EXPECT_NE(a_metrics.find("mcprov_migration_profiles_provided_total{answer=\"not_modified\"} 1\n"),
              std::string::npos)
        << a_metrics;
    EXPECT_NE(a_metrics.find("mcprov_migration_delivery_reports_total 1\n"), std::string::npos) << a_metrics;
    // The CSCM-x listener's requests and the store's calls are in the same registry.
    EXPECT_NE(a_metrics.find("mcprov_http_responses_total{server=\"cscm\",route=\"migration-profile-of-service\","
                             "class=\"2xx\"} 1\n"),
              std::string::npos)
        << a_metrics;
    EXPECT_NE(a_metrics.find("mcprov_http_responses_total{server=\"cscm\",route=\"delivery-reports\",class=\"2xx\"} "
                             "1\n"),
              std::string::npos)
        << a_metrics;
    EXPECT_EQ(b_metrics.find("mcprov_store_operation_seconds_count{operation=\"list_documents\"} 0\n"), std::string::npos)
        << b_metrics;
    EXPECT_NE(b_metrics.find("mcprov_store_errors_total{operation=\"list_documents\",error=\"io\"} 0\n"),
              std::string::npos)
        << b_metrics;
}

TEST_F(migration, when_a_cms_serves_another_users_profile_then_cmc_refuses_it) {
    start_both();
    auto alice_profile = visit(two_systems::alice);
    ASSERT_EQ(alice_profile.result(), status::ok);

    // A CMS with a certificate of mcx-b's CA that answers every request with alice's signed profile.
    http::certificate_and_key b_ca{support::read_file(systems.dir("mcx-b") / "ca.pem").value(),
                                   support::read_file(systems.dir("mcx-b") / "ca.key").value()};
    auto cert = http::issue_certificate(b_ca, "localhost", {"localhost"}, {"127.0.0.1"},
                                        http::certificate_usage::server, std::chrono::hours(1))
                    .value();
    temp_dir keys;
    ASSERT_TRUE(support::write_file(keys.path() / "cms.crt", cert.certificate_pem));
    ASSERT_TRUE(support::write_file(keys.path() / "cms.key", cert.private_key_pem));
    struct fixed_answer final : http::handler {
        std::string body;
        http::response handle(http::request&& req, const http::peer_info&) override {
            http::response res{status::ok, req.version()};
            res.set(boost::beast::http::field::content_type, mcptt_type);
            res.body() = body;
            return res;
        }
    };
    auto handler = std::make_shared<fixed_answer>();
    handler->body = alice_profile.body();
    http::server_config config;
    config.shutdown_grace = std::chrono::seconds(0);
    config.tls = http::tls_config{keys.path() / "cms.crt", keys.path() / "cms.key", {}};
    auto server = http::create_server(config, handler);
    ASSERT_TRUE(server) << server.err().message;
    const auto cms = "https://127.0.0.1:" + std::to_string((*server)->port());
    auto cmc = [&](const std::string& user, const std::string& label) {
        child_process p(MCPROV_BINARY,
                        {"cmc", "--cms", cms, "--ca", (systems.dir("mcx-b") / "ca.pem").string(), "--system",
                         "mcx-b.example.org", "--user", user, "--token", "any"},
                        keys.path() / label);
        auto code = p.wait(std::chrono::seconds(30)).value_or(-1);
        return std::make_pair(code, p.out() + p.err());
    };
    auto [code, output] = cmc(two_systems::bob, "as-bob");
    EXPECT_EQ(code, 4) << output;
    EXPECT_TRUE(contains(output, "the profile is of " + two_systems::alice + ", not " + two_systems::bob)) << output;
    auto [own_code, own_output] = cmc(two_systems::alice, "as-alice");
    EXPECT_EQ(own_code, 0) << own_output;
    (*server)->stop();
    (*server)->wait();
}

TEST_F(migration, when_a_visitor_token_is_not_valid_then_nothing_is_served) {
    start_both();
    auto url = systems.profile_url("mcx-b", two_systems::alice);
    // Signed by a key that is not mcx-a's identity management server's.
    auto rogue_key = identity::generate_p256_private_key_pem().value();
    auto rogue = identity::create_token_issuer(rogue_key, support::create_system_clock()).value();
    identity::token_request r;
    r.issuer = "https://idms.mcx-a.example.org";
    r.subject = r.mc_id = two_systems::alice;
    r.audience = {"cms.mcx-b.example.org"};
    r.scopes = {two_systems::user_scope};
    EXPECT_EQ(systems.get("mcx-b", url, rogue->issue(r).value()).result(), status::unauthorized);
    // mcx-a's token, but for mcx-a's own CMS.
    EXPECT_EQ(systems.get("mcx-b", url, systems.token("mcx-a", "mcx-a", two_systems::alice, {two_systems::user_scope}))
                  .result(),
              status::unauthorized);
    // mcx-a vouching for a user that is not its own.
    auto mallory = "sip:mallory@police.mcx-b.example.org";
    EXPECT_EQ(systems.get("mcx-b", systems.profile_url("mcx-b", mallory), systems.visitor_token(mallory)).result(),
              status::forbidden);
    // Another user's profile, and writes, are refused.
    EXPECT_EQ(systems.get("mcx-b", url, systems.visitor_token(two_systems::bob)).result(), status::forbidden);
    EXPECT_EQ(systems.get("mcx-b", url, "").result(), status::unauthorized);
    EXPECT_FALSE(contains(systems.log("mcx-a"), "step 5")) << "nothing reached the primary";
}

TEST_F(migration, when_the_partner_is_killed_mid_procedure_then_nothing_is_half_stored) {
    start_both();
    // Freeze the primary so that the partner's procedure is caught between steps 4 and 8.
    systems.process("mcx-a").signal(SIGSTOP);
    std::thread visitor([&] {
        http::client_request req{verb::get, systems.profile_url("mcx-b", two_systems::alice),
                                 {{"Authorization", "Bearer " + systems.visitor_token(two_systems::alice)}}, ""};
        http::client_options options;
        options.ca_file = systems.dir("mcx-b") / "ca.pem";
        (void)http::fetch(req, options);
    });
    EXPECT_TRUE(eventually([&] { return contains(systems.log("mcx-b"), "step 4: asking"); }));
    systems.process("mcx-b").signal(SIGKILL);
    systems.process("mcx-b").wait(std::chrono::seconds(10));
    visitor.join();
    systems.process("mcx-a").signal(SIGCONT);

    ASSERT_TRUE(systems.start("mcx-b"));
    auto visitors = systems.get("mcx-b", systems.base("mcx-b") + "/migration/visitors", systems.admin_token("mcx-b"));
    EXPECT_EQ(visitors.body(), "[]");
    EXPECT_EQ(service_read(two_systems::alice).result(), status::not_found);
    EXPECT_EQ(visit(two_systems::alice).result(), status::ok);
}

TEST_F(migration, when_the_partner_is_killed_during_a_burst_then_every_stored_profile_is_whole) {
    start_both();
    std::vector<std::thread> clients;
    for (const auto& user : {two_systems::alice, two_systems::bob, two_systems::carol}) {
        for (int i = 0; i < 4; ++i) {
            clients.emplace_back([&, user] {
                http::client_request req{verb::get, systems.profile_url("mcx-b", user),
                                         {{"Authorization", "Bearer " + systems.visitor_token(user)}}, ""};
                http::client_options options;
                options.ca_file = systems.dir("mcx-b") / "ca.pem";
                (void)http::fetch(req, options);
            });
        }
    }
    EXPECT_TRUE(eventually([&] { return contains(systems.log("mcx-b"), "step 10"); }));
    systems.process("mcx-b").signal(SIGKILL);
    systems.process("mcx-b").wait(std::chrono::seconds(10));
    for (auto& c : clients) {
        c.join();
    }
    ASSERT_TRUE(systems.start("mcx-b"));
    for (const auto& user : {two_systems::alice, two_systems::bob, two_systems::carol}) {
        auto stored = service_read(user);
        if (stored.result() == status::not_found) {
            continue;
        }
        ASSERT_EQ(stored.result(), status::ok);
        EXPECT_TRUE(xml::verify_enveloped(stored.body(), ca("mcx-b"))) << user;
        EXPECT_TRUE(contains(stored.body(), user));
    }
    for (const auto& user : {two_systems::alice, two_systems::bob, two_systems::carol}) {
        EXPECT_EQ(visit(user).result(), status::ok) << user;
    }
}

TEST(dev_process, when_dev_runs_then_a_visitor_gets_its_adapted_profile_and_cmc_checks_it) {
    temp_dir dir;
    auto port = std::to_string(two_systems::free_port_run());
    child_process dev(MCPROV_BINARY, {"dev", "--no-smart-cards", "--port", port, "--dir", (dir.path() / "dev").string()},
                      dir.path() / "dev-run");
    ASSERT_FALSE(dev.wait_for_output("Ctrl-C stops it").empty()) << dev.out() << dev.err();
    auto visiting = dev.wait_for_output(R"(export ALICE_AT_B=(\S+))");
    auto at_home = dev.wait_for_output(R"(export ALICE=(\S+))");
    auto b = dev.wait_for_output(R"(mcprov cmc --cms (\S+))");
    auto a = dev.wait_for_output(R"(--primary (\S+))");
    ASSERT_FALSE(visiting.empty() || at_home.empty() || b.empty() || a.empty()) << dev.out();
    // The two security domains of mcx-a: carol (in both) reaches alice across them, bob (fire only) does not.
    EXPECT_TRUE(contains(dev.out(), "(kms.police.mcx-a.example.org): key agreed, SSV ")) << dev.out();
    EXPECT_TRUE(contains(dev.out(), "refused: the security domain kms.police.mcx-a.example.org is not permitted by "
                                    "kms.fire.mcx-a.example.org"))
        << dev.out();

    child_process cmc(MCPROV_BINARY,
                      {"cmc", "--cms", b, "--ca", (dir.path() / "dev" / "mcx-b" / "ca.pem").string(), "--system",
                       "mcx-b.example.org", "--user", two_systems::alice, "--token", visiting, "--primary", a,
                       "--primary-ca", (dir.path() / "dev" / "mcx-a" / "ca.pem").string(), "--primary-token", at_home},
                      dir.path() / "cmc-run");
    EXPECT_EQ(cmc.wait(std::chrono::seconds(30)).value_or(-1), 0) << cmc.err();
    for (const std::string service : {"mcptt", "mcdata", "mcvideo"}) {
        EXPECT_TRUE(contains(cmc.out(), service + " profile of " + two_systems::alice +
                                            " served by mcx-b.example.org: valid"))
            << cmc.out();
    }
    EXPECT_TRUE(contains(cmc.out(), "signed by      CN=mcx-b.example.org\n")) << cmc.out();
    EXPECT_TRUE(contains(cmc.out(), "group removed: sip:police-internal@groups.mcx-a.example.org")) << cmc.out();
    EXPECT_TRUE(contains(cmc.out(), "priority: 7 -> 3")) << cmc.out();
    // What the template's MCData and MCVideo sections changed.
    EXPECT_TRUE(contains(cmc.out(), "limit max-data-size-fd-bytes: 52428800 -> 10485760")) << cmc.out();
    EXPECT_TRUE(contains(cmc.out(), "authorisation withdrawn: allow-group-fd")) << cmc.out();
    EXPECT_TRUE(contains(cmc.out(), "authorisation withdrawn: allow-request-remote-initiated-ambient-viewing"))
        << cmc.out();
    // mcprov dev showed the same visit when it started.
    EXPECT_TRUE(contains(dev.out(), "  mcdata: migration-profile-1.xml of mcx-a.example.org, template mcx-a-police, "
                                    "signed by CN=mcx-b.example.org\n"))
        << dev.out();
    EXPECT_TRUE(contains(dev.out(), "limit max-data-size-fd-bytes: 52428800 -> 10485760")) << dev.out();

    // One service only, written to a folder.
    child_process video(MCPROV_BINARY,
                        {"cmc", "--cms", b, "--ca", (dir.path() / "dev" / "mcx-b" / "ca.pem").string(), "--system",
                         "mcx-b.example.org", "--user", two_systems::alice, "--token", visiting, "--service", "mcvideo",
                         "--output", (dir.path() / "served").string()},
                        dir.path() / "cmc-video");
    EXPECT_EQ(video.wait(std::chrono::seconds(30)).value_or(-1), 0) << video.err();
    EXPECT_FALSE(contains(video.out(), "mcptt profile")) << video.out();
    auto written = support::read_file(dir.path() / "served" / "mcvideo-user-profile-0.xml");
    ASSERT_TRUE(written) << written.err().message;
    EXPECT_TRUE(xml::verify_enveloped(*written, support::read_file(dir.path() / "dev" / "mcx-b" / "ca.pem").value()));

    // The same profile is not valid for another system.
    child_process elsewhere(MCPROV_BINARY,
                            {"cmc", "--cms", b, "--ca", (dir.path() / "dev" / "mcx-b" / "ca.pem").string(),
                             "--system", "mcx-c.example.org", "--user", two_systems::alice, "--token", visiting},
                            dir.path() / "cmc-elsewhere");
    EXPECT_EQ(elsewhere.wait(std::chrono::seconds(30)).value_or(-1), 4);
    EXPECT_TRUE(contains(elsewhere.err(), "signed by CN=mcx-b.example.org, not by mcx-c.example.org"))
        << elsewhere.err();
    // Signed by mcx-b's CMS, so mcx-a's CA does not vouch for it (nor for the TLS connection).
    child_process wrong_ca(MCPROV_BINARY,
                           {"cmc", "--cms", b, "--ca", (dir.path() / "dev" / "mcx-a" / "ca.pem").string(),
                            "--system", "mcx-b.example.org", "--user", two_systems::alice, "--token", visiting},
                           dir.path() / "cmc-wrong-ca");
    EXPECT_NE(wrong_ca.wait(std::chrono::seconds(30)).value_or(0), 0);

    dev.signal(SIGINT);
    EXPECT_EQ(dev.wait(std::chrono::seconds(15)).value_or(-1), 0);
}

TEST_F(migration, when_two_partner_processes_share_a_store_then_a_visitors_procedure_runs_once_and_a_release_reaches_it) {
    start_both();
    auto [other_base, other_cscm] = systems.start_another("mcx-b");
    ASSERT_FALSE(other_base.empty());
    const std::string path = "/xcap/org.3gpp.mcptt.user-profile/users/" + two_systems::alice + "/" +
                             mcprov::migration::visitor_profile_name(xcap::mc_service::mcptt);
    const auto token = systems.visitor_token(two_systems::alice);

    // A burst of the visitor's first requests, spread over both processes of mcx-b.
    constexpr int clients = 8;
    std::vector<http::response> answers(clients);
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
            answers[i] = systems.get("mcx-b", (i % 2 ? other_base : systems.base("mcx-b")) + path, token);
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (const auto& a : answers) {
        ASSERT_EQ(a.result(), status::ok) << a.body();
        EXPECT_EQ(a.body(), answers[0].body()) << "every process serves the one stored profile";
        EXPECT_EQ(a[boost::beast::http::field::etag], answers[0][boost::beast::http::field::etag]);
    }
    auto a_stats = systems.get("mcx-a", systems.base("mcx-a") + "/stats", systems.admin_token("mcx-a")).body();
    EXPECT_EQ(stat(a_stats, "cscm.profiles_provided"), 1) << "the procedure ran once for the system: " << a_stats;
    EXPECT_EQ(stat(a_stats, "cscm.delivery_reports"), 1) << a_stats;

    // What the other process stored, the first one's MC service servers read.
    ASSERT_EQ(service_read(two_systems::alice).result(), status::ok);
    // The primary's release lands on the process its agreement names; the copy is gone for both.
    auto home = systems.get("mcx-a", systems.profile_url("mcx-a", two_systems::alice, "mcptt-user-profile-1.xml"),
                            systems.token("mcx-a", "mcx-a", two_systems::alice, {two_systems::user_scope}));
    ASSERT_EQ(home.result(), status::ok);
    auto service_token =
        systems.token("mcx-b", "mcx-b", "sip:mcptt-as@mcx-b.example.org", {two_systems::service_scope});
    EXPECT_TRUE(eventually([&] {
        return systems.get("mcx-b", other_base + path, service_token).result() == status::not_found;
    }));
    auto visitors = systems.get("mcx-b", other_base + "/migration/visitors", systems.admin_token("mcx-b"));
    EXPECT_EQ(visitors.body(), "[]");
}

} // namespace
} // namespace mcprov::testing
