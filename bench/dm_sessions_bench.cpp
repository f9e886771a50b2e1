// Complete authenticated DM sessions per second against the DM server over HTTP on loopback, with many devices
// enrolled, and the limit of the same transport measured in the same run.
//
//   session   a device (agent::client_session, its own tree with DevInfo and its DMAcc) opens a session with MD5
//             credentials made from the nonce the server gave it last: package 1 (Alert 1201, DevInfo), package 2
//             (212, the server's credentials and the device's one queued job: a Get), package 3 (its Status and
//             Results), and the server's closing message: two HTTP exchanges, each message decoded, authenticated,
//             stored in one transaction (credentials and nonce, session, job, inventory) and answered.
//   echo      the same two exchanges per session with the same bodies against a route that only decodes the message
//             and encodes a reply of the same shape: HTTP, the codec, threads; no authentication, no store.
// The ratio session/echo is the share of the transport's limit the DM server reaches.
//
// Usage: dm_sessions_bench DEVICES SESSIONS [THREADS] [DIR]   (writes a SQLite store of DEVICES devices in DIR)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include <sys/resource.h>

#include "mcprov/agent/client_session.hpp"
#include "mcprov/dms/dm_interface.hpp"
#include "mcprov/dms/job.hpp"
#include "mcprov/http/client.hpp"
#include "mcprov/http/responses.hpp"
#include "mcprov/http/server.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/support/log.hpp"

using namespace mcprov;
namespace bhttp = boost::beast::http;

namespace {

const std::string server_id = "dms.bench.example.org";
const std::string nonce = "0123456789abcdef";

std::string device_name(std::size_t i) {
    char text[32];
    std::snprintf(text, sizeof text, "IMEI:%015zu", i);
    return text;
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Decodes a device's message and answers with a reply of the shape the server's would have: the transport's limit.
class echo_handler final : public http::handler {
public:
    http::response handle(http::request&& req, const http::peer_info&) override {
        const bool wbxml = req[bhttp::field::content_type].find("wbxml") != std::string_view::npos;
        auto in = wbxml ? syncml::decode_wbxml(req.body()) : syncml::decode_xml(req.body());
        auto res = http::make_response(bhttp::status::ok, req.version());
        if (!in) {
            res.result(bhttp::status::bad_request);
            return res;
        }
        syncml::message out;
        out.header = in->header;
        std::swap(out.header.source, out.header.target);
        out.final = true;
        for (const auto& c : in->commands) {
            auto s = syncml::status_for(*in, c, 200);
            s.cmd_id = "1";
            out.commands.push_back(std::move(s));
        }
        res.set(bhttp::field::content_type, req[bhttp::field::content_type]);
        res.body() = (wbxml ? syncml::encode_wbxml(out) : syncml::encode_xml(out)).value();
        return res;
    }
};

agent::management_tree device_tree(const std::string& device, const std::string& address) {
    agent::management_tree tree;
    (void)tree.install_interior("./DevInfo", "urn:oma:mo:oma-dm-devinfo:1.0", "Get=*");
    (void)tree.install_leaf("./DevInfo/DevId", {"chr", "text/plain", device});
    (void)tree.install_leaf("./DevInfo/Man", {"chr", "text/plain", "mcprov"});
    (void)tree.install_leaf("./DevInfo/Mod", {"chr", "text/plain", "bench"});
    (void)tree.install_leaf("./DevInfo/DmV", {"chr", "text/plain", "1.2"});
    (void)tree.install_leaf("./DevInfo/Lang", {"chr", "text/plain", "en"});
    agent::dm_account a;
    a.node = "bench";
    a.server_id = server_id;
    a.address = address;
    a.client = {"DIGEST", device, "device-secret", nonce};
    a.server = {"DIGEST", server_id, "server-secret", nonce};
    (void)agent::install_account(tree, a);
    return tree;
}

// One session of a device, over the client's connection; false if anything went wrong.
bool run_session(http::client& client, const std::string& url, std::size_t index, bool wbxml, bool echo) {
    const auto device = device_name(index);
    auto tree = device_tree(device, url);
    agent::client_session session(tree, server_id, device, "1B");
    auto next = session.start();
    if (!next) {
        return false;
    }
    std::optional<syncml::message> message = *next;
    const auto media = std::string(wbxml ? syncml::dm_wbxml_media_type : syncml::dm_xml_media_type);
    int exchanges = 0;
    while (message) {
        http::client_request req;
        req.method = bhttp::verb::post;
        req.url = echo ? url : session.next_uri();
        req.headers = {{"Content-Type", media}};
        req.body = (wbxml ? syncml::encode_wbxml(*message) : syncml::encode_xml(*message)).value();
        auto res = client.fetch(req);
        if (!res || res->result_int() != 200) {
            return false;
        }
        auto reply = wbxml ? syncml::decode_wbxml(res->body()) : syncml::decode_xml(res->body());
        if (!reply) {
            return false;
        }
        if (echo) {
            // The same two exchanges: package 1, then package 3 (the device's answer to a Get).
            if (++exchanges == 2) {
                return true;
            }
            continue;
        }
        auto answer = session.answer(*reply);
        if (!answer) {
            return false;
        }
        message = std::move(answer).value();
    }
    return session.authenticated();
}

struct run_result {
    double seconds = 0;
    double cpu = 0;
    std::size_t done = 0;
    std::size_t failed = 0;
};

run_result run(const std::string& url, std::size_t first, std::size_t count, unsigned threads, bool wbxml, bool echo) {
    std::atomic<std::size_t> next{0}, done{0}, failed{0};
    const auto cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            http::client_options options;
            options.max_idle_connections = 2;
            auto client = http::create_client(options).value();
            for (std::size_t i; (i = next++) < count;) {
                (run_session(*client, url, first + i, wbxml, echo) ? done : failed)++;
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), cpu_seconds() - cpu0,
            done.load(), failed.load()};
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: dm_sessions_bench DEVICES SESSIONS [THREADS] [DIR]\n";
        return 2;
    }
    const std::size_t devices = std::stoul(argv[1]);
    const std::size_t sessions = std::stoul(argv[2]);
    const unsigned threads = argc > 3 ? static_cast<unsigned>(std::stoul(argv[3])) : 4;
    const std::filesystem::path dir = argc > 4 ? argv[4] : std::filesystem::temp_directory_path() / "mcprov-dm-bench";
    if (sessions * 2 > devices) {
        std::cerr << "dm_sessions_bench: SESSIONS can be at most half of DEVICES (each session uses a device of its own)\n";
        return 2;
    }
    support::configure_logging("warn", support::log_format::text);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto clock = support::create_system_clock();
    std::shared_ptr<store::document_store> documents =
        store::open_store("sqlite:" + (dir / "dms.db").string(), clock).value();

    // Enrolment, in batches (not timed): every device with the nonce the server gave it last.
    const auto e0 = std::chrono::steady_clock::now();
    std::vector<store::document_write> batch;
    for (std::size_t i = 0; i < devices; ++i) {
        const auto d = device_name(i);
        batch.push_back(dms::device_registry::credentials_write(
            d, {d, "device-secret", nonce, server_id, "server-secret", nonce, {}}));
        if (batch.size() == 20000 || i + 1 == devices) {
            if (!documents->write_all(batch)) {
                std::cerr << "enrolment failed\n";
                return 1;
            }
            batch.clear();
        }
    }
    // One queued Get for each device that will open a session (XML: the first SESSIONS, WBXML: the next).
    dms::job_queue jobs(documents);
    std::vector<dms::job> queued;
    for (std::size_t i = 0; i < 2 * sessions; ++i) {
        dms::job j;
        j.id = dms::job_queue::new_id(clock->now());
        j.device = device_name(i);
        j.created = clock->now();
        j.commands = {{.name = syncml::command_name::get, .target = "./DevInfo/Mod"}};
        queued.push_back(std::move(j));
        if (queued.size() == 5000 || i + 1 == 2 * sessions) {
            if (!jobs.queue_all(queued)) {
                std::cerr << "queueing failed\n";
                return 1;
            }
            queued.clear();
        }
    }
    const auto enrol_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();

    identity::verifier_config vc{"https://idms.bench", "dms",
                                 identity::public_key_pem_from_private(identity::generate_p256_private_key_pem().value())
                                     .value()};
    std::shared_ptr<const identity::access_token_verifier> verifier =
        identity::create_access_token_verifier(vc, clock).value();
    dms::dm_interface_config ic;
    ic.session.server_id = server_id;
    ic.tls = false;
    auto handler =
        std::make_shared<dms::dm_interface>(ic, documents, clock, verifier, http::create_client({}).value());
    http::server_config sc;
    sc.threads = 2;
    auto server = http::create_server(sc, handler).value();
    auto echo_server = http::create_server(sc, std::make_shared<echo_handler>()).value();
    const auto url = "http://127.0.0.1:" + std::to_string(server->port()) + "/dm";
    const auto echo_url = "http://127.0.0.1:" + std::to_string(echo_server->port()) + "/dm";

    std::printf("devices enrolled: %zu (%.1f s to enrol and queue %zu jobs), sessions per encoding: %zu, client "
                "threads: %u, server threads: 2\n",
                devices, enrol_seconds, 2 * sessions, sessions, threads);
    std::printf("%-7s %-7s %10s %10s %12s %8s %8s\n", "codec", "run", "sessions", "per s", "CPU ms/sess", "failed",
                "ratio");
    bool ok = true;
    for (bool wbxml : {false, true}) {
        const auto first = wbxml ? sessions : 0;
        auto echo = run(echo_url, first, sessions, threads, wbxml, true);
        auto real = run(url, first, sessions, threads, wbxml, false);
        const auto echo_rate = static_cast<double>(echo.done) / echo.seconds;
        const auto rate = static_cast<double>(real.done) / real.seconds;
        std::printf("%-7s %-7s %10zu %10.0f %12.3f %8zu\n", wbxml ? "wbxml" : "xml", "echo", echo.done, echo_rate,
                    1000 * echo.cpu / static_cast<double>(echo.done ? echo.done : 1), echo.failed);
        std::printf("%-7s %-7s %10zu %10.0f %12.3f %8zu %8.2f\n", wbxml ? "wbxml" : "xml", "session", real.done, rate,
                    1000 * real.cpu / static_cast<double>(real.done ? real.done : 1), real.failed, rate / echo_rate);
        ok = ok && real.failed == 0 && echo.failed == 0;
    }
    // Every session carried its job out: the jobs are finished, with the device's answer.
    auto sample = jobs.list(device_name(sessions / 2));
    const bool done = sample && !sample->empty() && sample->front().state == dms::job_state::done &&
                      !sample->front().outcomes.empty() && !sample->front().outcomes[0].results.empty() &&
                      sample->front().outcomes[0].results[0].data == "bench";
    std::printf("job of %s: %s\n", device_name(sessions / 2).c_str(), done ? "done, with its result" : "NOT DONE");
    server->stop();
    echo_server->stop();
    server->wait();
    echo_server->wait();
    std::filesystem::remove_all(dir);
    return ok && done ? 0 : 1;
}
