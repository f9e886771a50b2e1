// GBA at the BSF, against the real osmo-hlr, with the limit its HLR sets measured in the same run.
//
//   vectors     SendAuthInfo over GSUP straight to osmo-hlr, one after another: what one BSF can get from its HLR,
//               the floor under every bootstrap (a bootstrap needs one vector).
//   bootstrap   complete bootstraps against `mcprov bsf` over HTTPS (TLS resumed on kept connections): the first
//               request naming the IMPI, the 401 with RAND and AUTN (a vector from osmo-hlr), the USIM's answer
//               (MILENAGE here, in the client, as the card would compute it), the digest with RES, the 200 with the
//               B-TID and rspauth, each challenge and session in the BSF's store.
//   zn          a NAF's key requests for a B-TID over mutual TLS.
// Ratio bootstrap/vectors is the share of the HLR's pace the BSF keeps.
//
// Then authenticated DM operations at the DM server (in this process, SQLite store, HTTP on loopback), each device
// with the GBA session of one of the subscribers bootstrapped above:
//   plain       a DM session (MD5 credentials) that carries out one queued Replace: the reference.
//   gated       the same Replace held by a gate at the subscriber level: the session also carries the Exec of
//               ./Vendor/mcprov/GBA/Authenticate (the device's proof made with Ks_NAF) and the Get of the proof,
//               which the server verifies with the key it asks the BSF for over Zn, identifies the subscription,
//               records the pairing and the audit, and only then sends the Replace.
// Ratio gated/plain is what authenticating the subscriber costs a DM operation.
//
// Usage: gba_bench HLR_ADDRESS BSF_URL CA NAF_CERT NAF_KEY IMSI_FIRST SUBSCRIBERS BOOTSTRAPS [THREADS [DIR]]
// (bench/gba.sh starts osmo-hlr and the BSF; this provisions the subscribers, K and OPc below, IMSIs from IMSI_FIRST.)
#include <atomic>
#include <filesystem>
#include <mutex>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <boost/beast/http.hpp>

#include "mcprov/agent/client_session.hpp"
#include "mcprov/aka/authentication.hpp"
#include "mcprov/dms/dm_interface.hpp"
#include "mcprov/gba/dm_proof.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/gba/bootstrapping.hpp"
#include "mcprov/gba/digest.hpp"
#include "mcprov/gba/key_derivation.hpp"
#include "mcprov/gsup/hlr_client.hpp"
#include "mcprov/gsup/hlr_vty.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/log.hpp"

using namespace mcprov;
namespace bhttp = boost::beast::http;

namespace {

const std::string k = *support::hex_decode("8b7d5c3a1e0f9a2b4c6d8e0f1a2b3c4d");
const std::string opc = *support::hex_decode("0a1b2c3d4e5f60718293a4b5c6d7e8f9");

std::string imsi_of(std::uint64_t first, std::size_t i) {
    return std::to_string(first + i);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

struct gba_session {
    std::string btid, impi, rand, ks;
};

// One bootstrap of subscriber `imsi` with its USIM state `seen`; the session, or an empty B-TID on failure.
gba_session bootstrap(http::client& client, const std::string& url, const std::string& imsi,
                      aka::sequence_numbers& seen) {
    const auto f = aka::milenage::create(k, opc).value();
    aka::usim_answer last;
    std::string rand;
    gba::digest_credentials c{.username = gba::impi_of_imsi(imsi, 2).value(), .realm = "bsf", .nonce = {},
                              .uri = "/", .response = {}, .algorithm = {}, .cnonce = {}, .nc = {}, .qop = {},
                              .opaque = {}, .auts = std::nullopt};
    auto send = [&] {
        return client.fetch({.method = bhttp::verb::get, .url = url,
                             .headers = {{"Authorization", gba::format_digest_credentials(c)}}, .body = {}});
    };
    auto answer = send();
    for (int round = 0; round < 2 && answer && answer->result() == bhttp::status::unauthorized; ++round) {
        auto challenge = gba::parse_digest_challenge((*answer)[bhttp::field::www_authenticate]);
        auto parts = challenge ? gba::split_aka_nonce(challenge->nonce) : support::result<gba::aka_nonce_parts>(
                                                                               challenge.err());
        if (!parts)
            return {};
        const auto usim = aka::usim_authenticate(f, seen, parts->rand, parts->autn);
        last = usim;
        rand = parts->rand;
        c.realm = challenge->realm;
        c.nonce = challenge->nonce;
        c.algorithm = "AKAv1-MD5";
        c.qop = "auth-int";
        c.nc = "00000001";
        c.cnonce = "bench";
        if (usim.result == aka::usim_answer::outcome::synchronisation_failure) {
            c.auts = support::base64_encode(usim.auts);
            c.response = gba::digest_response(c, "", "GET", "");
        } else {
            c.auts.reset();
            c.response = gba::digest_response(c, usim.res, "GET", "");
        }
        answer = send();
    }
    if (!answer || answer->result() != bhttp::status::ok)
        return {};
    auto info = gba::parse_bootstrapping_info(answer->body());
    if (!info)
        return {};
    return {.btid = info->btid, .impi = c.username, .rand = rand, .ks = gba::ks_of(last.ck, last.ik)};
}

const std::string server_id = "naf.bench.example.org";
const std::string nonce = "0123456789abcdef";

std::string device_name(std::size_t i) {
    char text[32];
    std::snprintf(text, sizeof text, "IMEI:%015zu", i);
    return text;
}

// A device with its DM account and the GBA object, as `mcprov agent` makes them.
agent::management_tree device_tree(const std::string& device, const std::string& address) {
    agent::management_tree tree;
    (void)tree.install_interior("./DevInfo", "urn:oma:mo:oma-dm-devinfo:1.0", "Get=*");
    for (auto [leaf, value] : {std::pair{"DevId", device}, std::pair{"Man", std::string("mcprov")},
                               std::pair{"Mod", std::string("bench")}, std::pair{"DmV", std::string("1.2")},
                               std::pair{"Lang", std::string("en")}})
        (void)tree.install_leaf(std::string("./DevInfo/") + leaf, {"chr", "text/plain", value});
    (void)tree.install_interior("./Vendor", {}, "Add=*&Get=*&Replace=*");
    (void)tree.install_interior(gba::dm_gba_node, {}, "Get=*");
    (void)tree.install_leaf(gba::dm_authenticate_node, {"null", "text/plain", ""}, "Exec=*&Get=*");
    (void)tree.install_leaf(gba::dm_proof_node, {"chr", "text/plain", ""}, "Get=*");
    agent::dm_account a;
    a.node = "bench";
    a.server_id = server_id;
    a.address = address;
    a.client = {"DIGEST", device, "device-secret", nonce};
    a.server = {"DIGEST", server_id, "server-secret", nonce};
    (void)agent::install_account(tree, a);
    return tree;
}

// One DM session of a device whose subscriber holds `gba`; whether its job was carried out.
bool dm_session(http::client& client, const std::string& url, const std::string& device, const gba_session& gba) {
    auto tree = device_tree(device, url);
    agent::client_session session(tree, server_id, device, "1B");
    session.set_exec_handler([&](const syncml::command&, const syncml::item& i) -> unsigned {
        auto request = gba::parse_dm_authentication_request(i.data.value_or(""));
        if (!request)
            return 400;
        gba::dm_proof p{.btid = gba.btid, .level = request->level, .nonce = request->nonce,
                        .confirmation_sha256 = {}, .answer = gba::user_answer::none, .mac = {}};
        p.mac = gba::dm_proof_mac(gba::ks_naf(gba.ks, gba.rand, gba.impi, gba::naf_id(server_id, gba::ua_dm_proof)),
                                  device, server_id, p);
        (void)tree.install_leaf(gba::dm_proof_node, {"chr", "text/plain", gba::format_dm_proof(p)}, "Get=*");
        return 200;
    });
    auto next = session.start();
    if (!next)
        return false;
    std::optional<syncml::message> message = *next;
    while (message) {
        auto res = client.fetch({.method = bhttp::verb::post, .url = session.next_uri(),
                                 .headers = {{"Content-Type", std::string(syncml::dm_xml_media_type)}},
                                 .body = syncml::encode_xml(*message).value()});
        if (!res || res->result_int() != 200)
            return false;
        auto reply = syncml::decode_xml(res->body());
        if (!reply)
            return false;
        auto answer = session.answer(*reply);
        if (!answer)
            return false;
        message = std::move(answer).value();
    }
    auto tariff = tree.value("./Vendor/Tariff");
    return session.authenticated() && tariff && tariff->data == "gold";
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 9) {
        std::cerr << "usage: gba_bench HLR_ADDRESS BSF_URL CA NAF_CERT NAF_KEY IMSI_FIRST SUBSCRIBERS BOOTSTRAPS "
                     "[THREADS]\n";
        return 2;
    }
    support::configure_logging("warn", support::log_format::text);
    const std::string hlr_address = argv[1], url = argv[2], ca = argv[3], naf_cert = argv[4], naf_key = argv[5];
    const std::uint64_t first = std::stoull(argv[6]);
    const std::size_t subscribers = std::stoul(argv[7]);
    const std::size_t count = std::stoul(argv[8]);
    const unsigned threads = argc > 9 ? static_cast<unsigned>(std::stoul(argv[9])) : 4;

    for (std::size_t i = 0; i < subscribers; ++i)
        if (auto made = gsup::provision_subscriber({.host = hlr_address, .port = 4258, .timeout = std::chrono::seconds(5)},
                                                   {.imsi = imsi_of(first, i), .k = k, .opc = opc, .msisdn = {}});
            !made) {
            std::cerr << "gba_bench: provisioning the HLR: " << made.err().message << "\n";
            return 1;
        }
    // The HLR's pace: vectors one after another from one GSUP client (a BSF has one).
    auto hlr = gsup::create_gsup_hlr_client({.host = hlr_address, .port = 4222, .unit_name = "gba-bench",
                                             .timeout = std::chrono::seconds(5)});
    if (!hlr) {
        std::cerr << "gba_bench: " << hlr.err().message << "\n";
        return 1;
    }
    const auto vectors_start = std::chrono::steady_clock::now();
    std::size_t vectors = 0;
    for (std::size_t i = 0; i < count; ++i)
        vectors += (*hlr)->send_auth_info(imsi_of(first, i % subscribers)).has_value() ? 1 : 0;
    const double vectors_rate = static_cast<double>(vectors) / seconds_since(vectors_start);
    hlr->reset();

    // Bootstraps, THREADS clients at once, each its own subscribers (a USIM's sequence numbers are its own).
    std::atomic<std::size_t> done{0}, failed{0};
    std::vector<std::string> btids(threads);
    std::vector<gba_session> sessions(subscribers);
    std::mutex sessions_mutex;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            http::client_options options;
            options.ca_file = ca;
            auto client = http::create_client(options).value();
            std::vector<aka::sequence_numbers> usims(subscribers);
            for (std::size_t i = t; i < count; i += threads) {
                const std::size_t s = (i / threads) % (subscribers / threads) * threads + t;
                auto session = bootstrap(*client, url, imsi_of(first, s), usims[s]);
                if (session.btid.empty()) {
                    ++failed;
                } else {
                    ++done;
                    btids[t] = session.btid;
                    std::lock_guard lock(sessions_mutex);
                    sessions[s] = std::move(session);
                }
            }
        });
    }
    for (auto& w : workers)
        w.join();
    const double bootstrap_rate = static_cast<double>(done) / seconds_since(start);

    // Zn: a NAF asks for the key of a B-TID, again and again.
    http::client_options naf;
    naf.ca_file = ca;
    naf.certificate_chain = naf_cert;
    naf.private_key = naf_key;
    auto zn_client = http::create_client(naf).value();
    const auto zn_start = std::chrono::steady_clock::now();
    std::size_t keys = 0;
    const std::string body = gba::format_zn_request(
        {.btid = btids.front(), .naf_id = gba::naf_id("naf.bench.example.org", gba::ua_protocol::http_digest)});
    for (std::size_t i = 0; i < count; ++i) {
        auto res = zn_client->fetch({.method = bhttp::verb::post, .url = url + "zn/v1/bootstrapping-info",
                                     .headers = {{"Content-Type", "application/json"}}, .body = body});
        keys += res && res->result() == bhttp::status::ok ? 1 : 0;
    }
    const double zn_rate = static_cast<double>(keys) / seconds_since(zn_start);

    std::printf("%-10s %10s %12s\n", "what", "per second", "failed");
    std::printf("%-10s %10.0f %12zu\n", "vectors", vectors_rate, count - vectors);
    std::printf("%-10s %10.0f %12zu\n", "bootstrap", bootstrap_rate, failed.load());
    std::printf("%-10s %10.0f %12zu\n", "zn", zn_rate, count - keys);
    std::printf("ratio bootstrap/vectors %.2f (%u client threads, %zu subscribers)\n", bootstrap_rate / vectors_rate,
                threads, subscribers);

    // Authenticated DM operations: one device per operation, its subscriber's GBA session from above.
    const std::filesystem::path dir = argc > 10 ? argv[10] : std::filesystem::temp_directory_path() / "mcprov-gba-bench";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto clock = support::create_system_clock();
    std::shared_ptr<store::document_store> documents =
        store::open_store("sqlite:" + (dir / "dms.db").string(), clock).value();
    const std::size_t operations = count / 2;
    std::vector<store::document_write> enrolled;
    for (std::size_t i = 0; i < 2 * operations; ++i) {
        const auto d = device_name(i);
        enrolled.push_back(dms::device_registry::credentials_write(
            d, {d, "device-secret", nonce, server_id, "server-secret", nonce, {}}));
    }
    (void)documents->write_all(enrolled);
    dms::job_queue jobs(documents);
    dms::job plain;
    plain.commands = {{.name = syncml::command_name::add, .target = "./Vendor/Tariff", .data = "gold"}};
    dms::job gated = plain;
    gated.gate = dms::job_gate{.level = "subscriber", .confirmation = {}, .entitlement = "any", .charge = std::nullopt};
    for (std::size_t i = 0; i < 2 * operations; ++i)
        if (!dms::queue_jobs(jobs, {device_name(i)}, i < operations ? plain : gated, "bench", clock->now())) {
            std::cerr << "gba_bench: queueing failed\n";
            return 1;
        }
    auto zn = dms::create_zn_client({.bsf = url, .certificate = naf_cert, .private_key = naf_key, .ca = ca,
                                     .timeout = std::chrono::seconds(5)},
                                    server_id);
    if (!zn) {
        std::cerr << "gba_bench: " << zn.err().message << "\n";
        return 1;
    }
    identity::verifier_config vc{"https://idms.bench", "dms",
                                 identity::public_key_pem_from_private(identity::generate_p256_private_key_pem().value())
                                     .value()};
    dms::dm_interface_config ic;
    ic.session.server_id = server_id;
    ic.tls = false;
    auto handler = std::make_shared<dms::dm_interface>(
        ic, documents, clock, identity::create_access_token_verifier(vc, clock).value(),
        http::create_client({}).value(), nullptr,
        std::make_shared<dms::operation_gate>(std::shared_ptr<dms::zn_client>(std::move(zn).value()),
                                              dms::subscriber_policy{}, server_id));
    http::server_config sc;
    sc.threads = 2;
    sc.waiting_threads = 0;
    auto server = http::create_server(sc, handler).value();
    const auto dm_url = "http://127.0.0.1:" + std::to_string(server->port()) + "/dm";
    double rates[2] = {0, 0};
    std::size_t failures[2] = {0, 0};
    for (int kind = 0; kind < 2; ++kind) {
        std::atomic<std::size_t> next{0}, ok{0}, bad{0};
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> clients;
        for (unsigned t = 0; t < threads; ++t) {
            clients.emplace_back([&] {
                auto client = http::create_client({}).value();
                for (std::size_t i; (i = next++) < operations;) {
                    const std::size_t device = kind * operations + i;
                    (dm_session(*client, dm_url, device_name(device), sessions[device % subscribers]) ? ok : bad)++;
                }
            });
        }
        for (auto& c : clients)
            c.join();
        rates[kind] = static_cast<double>(ok) / seconds_since(t0);
        failures[kind] = bad;
    }
    server->stop();
    server->wait();
    std::printf("%-10s %10s %12s\n", "DM ops", "per second", "failed");
    std::printf("%-10s %10.0f %12zu\n", "plain", rates[0], failures[0]);
    std::printf("%-10s %10.0f %12zu\n", "gated", rates[1], failures[1]);
    std::printf("ratio gated/plain %.2f (%zu operations each)\n", rates[1] / rates[0], operations);
    return failed == 0 && keys == count && failures[0] == 0 && failures[1] == 0 ? 0 : 1;
}
