#include "mcprov/devkit/signalling_path.hpp"

#include <condition_variable>
#include <future>
#include <mutex>
#include <sstream>

#include "mcprov/identity/access_token.hpp"
#include "mcprov/kmc/private_call.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::devkit {
namespace {

using support::errc;
using support::make_error;
using support::result;

const std::string lookup_scope = "mcprov:kms:lookup";

// The callee's client (when given) answers one call on `port` while the caller places it; what the callee's client
// said of the call, and the caller's outcome.
struct answered_exchange {
    std::string callee;
    result<kmc::private_call_outcome> caller = make_error(errc::internal, "not placed");
};

answered_exchange call_answered_by(const kmc::key_material* callee, int port, const kmc::private_call_request& call) {
    answered_exchange out;
    if (!callee) {
        out.caller = kmc::place_private_call(call);
        return out;
    }
    std::mutex mutex;
    std::condition_variable ready;
    bool listening = false;
    auto answering = std::async(std::launch::async, [&] {
        return kmc::answer_private_calls(
            *callee, static_cast<std::uint16_t>(port), 1, std::chrono::seconds(10),
            [&](const kmc::answered_call& a) {
                out.callee = std::to_string(a.status) + (a.why.empty() ? "" : " (" + a.why + ")") +
                             (a.external ? ", the caller's domain is external to the callee's" : "");
            },
            [&] {
                std::lock_guard lock(mutex);
                listening = true;
                ready.notify_all();
            });
    });
    {
        std::unique_lock lock(mutex);
        ready.wait_for(lock, std::chrono::seconds(10), [&] { return listening; });
    }
    out.caller = kmc::place_private_call(call);
    auto answered = answering.get();
    if (!answered && out.callee.empty()) {
        out.callee = "not reached";
    }
    return out;
}

} // namespace

void running_signalling_path::stop() {
    for (auto& s : servers) {
        if (s.as) {
            s.as->stop();
        }
    }
    for (auto& s : servers) {
        if (s.thread.joinable()) {
            s.thread.join();
        }
    }
    servers.clear();
}

std::filesystem::path signalling_path::config(const mc_system& sys) const {
    return (sys.id == domains.system.id ? domains.system_dir : partner_dir) / "sip-as" / "sip-as.toml";
}

std::string signalling_path::proxy(const mc_system& sys) const {
    return "sip:127.0.0.1:" + std::to_string(first_port + (sys.id == domains.system.id ? 0 : 1));
}

result<void> signalling_path::prepare() const {
    auto key = support::read_file(domains.system_dir / "idms.key.pem");
    if (!key) {
        return std::move(key).err();
    }
    auto issuer = identity::create_token_issuer(*key, support::create_system_clock());
    if (!issuer) {
        return std::move(issuer).err();
    }
    const auto& home = domains.system;
    for (const auto* sys : {&home, &partner}) {
        const bool is_home = sys->id == home.id;
        const auto dir = config(*sys).parent_path();
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            return make_error(errc::io, dir.string() + ": " + ec.message());
        }
        // The security-domain lookup's token of mcx-a's IdMS, for the KMSs the server follows.
        identity::token_request r;
        r.issuer = home.issuer();
        r.subject = "sip:as@" + sys->id;
        r.mc_id = r.subject;
        r.scopes = {lookup_scope};
        r.lifetime = std::chrono::hours(24);
        const std::vector<std::string> followed = is_home ? security_domains::names() : std::vector<std::string>{"police"};
        for (const auto& d : followed) {
            r.audience.push_back(domains.kms_uri(d));
        }
        auto token = (*issuer)->issue(r);
        if (!token) {
            return std::move(token).err();
        }
        std::ostringstream toml;
        toml << "# The application server of " << sys->id << " in the signalling path of private calls, written by "
             << "mcprov dev. See docs/sip-as.md.\n"
             << "[server]\nlisten = \"127.0.0.1:" << (first_port + (is_home ? 0 : 1)) << "\"\n\n"
             << "[as]\nuri = \"sip:as." << sys->id << "\"\n"
             << "next_hop = \"" << (is_home ? "sip:127.0.0.1:" + std::to_string(callee_port()) : proxy(home))
             << "\"   # " << (is_home ? "the called user's client" : "the application server of " + home.id) << "\n\n";
        if (!is_home) {
            toml << "[policy]\nallowed_kms = [\"" << domains.kms_uri("police") << "\"]   # its agreement with "
                 << home.id << "\n\n";
        }
        toml << "[lookup]\ntoken_file = \"lookup.token\"\nrefresh_seconds = 30\n\n";
        for (const auto& d : followed) {
            toml << "[[follow]]\nkms = \"" << domains.url(d) << "\"\nca = \"" << (domains.system_dir / "ca.pem").string()
                 << "\"\n\n";
        }
        toml << "[log]\nlevel = \"warn\"\n";
        for (auto w : {support::write_file(dir / "lookup.token", *token + "\n"),
                       support::write_file(dir / "sip-as.toml", toml.str())}) {
            if (!w) {
                return w;
            }
        }
    }
    return {};
}

result<std::unique_ptr<running_signalling_path>> signalling_path::start() const {
    auto running = std::make_unique<running_signalling_path>();
    for (const auto* sys : {&domains.system, &partner}) {
        auto loaded = sip_as::load_sip_as_config(config(*sys));
        if (!loaded) {
            return make_error(loaded.err().code, "the application server of " + sys->id + ": " + loaded.err().message);
        }
        // sofia-sip's event loop belongs to the thread that made it: each server is made on the thread that runs it.
        using made = result<sip_as::sip_application_server*>;
        auto started = std::make_shared<std::promise<made>>();
        auto ready = started->get_future();
        auto& slot = running->servers.emplace_back();
        slot.thread = std::thread([config = *loaded, started] {
            result<std::unique_ptr<sip_as::sip_application_server>> server = make_error(errc::internal, "not made");
            try {
                server = sip_as::create_sip_application_server(config);
            } catch (const std::exception& e) {
                server = make_error(errc::internal, e.what());
            }
            if (!server) {
                started->set_value(std::move(server).err());
                return;
            }
            started->set_value(server->get());
            (*server)->run();
        });
        auto outcome = ready.get();
        slot.as = outcome ? *outcome : nullptr;
        if (!outcome) {
            slot.thread.join();
            running->servers.pop_back();
            return make_error(outcome.err().code, "the application server of " + sys->id + ": " + outcome.err().message);
        }
    }
    return running;
}

result<std::string> signalling_path::demonstrate() const {
    const auto& users = example_users();
    const auto& home = domains.system;
    const auto alice = home.user_id(users[0]);
    const auto bob = home.user_id(users[1]);
    const auto carol = home.user_id(users[2]);
    const auto police = domains.kms_uri("police");
    const auto fire = domains.kms_uri("fire");
    auto alice_police = domains.key_material(alice, "police");
    auto bob_fire = domains.key_material(bob, "fire");
    auto carol_fire = domains.key_material(carol, "fire");
    auto carol_police = domains.key_material(carol, "police");
    for (const auto* m : {&alice_police, &bob_fire, &carol_fire, &carol_police}) {
        if (!*m) {
            return m->err();
        }
    }
    // Carol holds police's certificate as a member of police: her fire keys may encapsulate to it.
    auto carol_fire_to_police = *carol_fire;
    carol_fire_to_police.external.push_back(carol_police->own);

    std::ostringstream out;
    auto describe = [&](const std::string& title, const answered_exchange& e) -> result<void> {
        if (!e.caller) {
            return make_error(e.caller.err().code, title + ": " + e.caller.err().message);
        }
        out << "  " << title << "\n";
        for (const auto& round : e.caller->rounds) {
            out << "      " << round << "\n";
        }
        out << "      " << (e.caller->established ? "established" : "not established: " + e.caller->why)
            << "; the callee's client: " << (e.callee.empty() ? "not reached" : e.callee) << "\n";
        return {};
    };
    struct planned_call {
        std::string title;
        const kmc::key_material* callee;
        kmc::private_call_request request;
    };
    const std::vector<planned_call> calls{
        {carol + " (signing in " + fire + ") calls " + alice + " under " + police + " through " + proxy(home) + ":",
         &*alice_police,
         {.held = {carol_fire_to_police, *carol_police},
          .to = alice,
          .responder_kms = police,
          .proxy = proxy(home),
          .max_rounds = 4,
          .trusted_ca_pem = {}}},
        {carol + " calls " + bob + " under " + police + " (she holds police and fire keys):",
         &*bob_fire,
         {.held = {*carol_police, *carol_fire},
          .to = bob,
          .responder_kms = police,
          .proxy = proxy(home),
          .max_rounds = 4,
          .trusted_ca_pem = {}}},
        {alice + ", visiting " + partner.id + ", calls " + bob + " through " + proxy(partner) + " (" + partner.id +
             " allows only " + police + "):",
         nullptr, // refused on the way: bob's client is not reached
         {.held = {*alice_police},
          .to = bob,
          .responder_kms = police,
          .proxy = proxy(partner),
          .max_rounds = 4,
          .trusted_ca_pem = {}}},
    };
    for (const auto& c : calls) {
        if (auto described = describe(c.title, call_answered_by(c.callee, callee_port(), c.request)); !described) {
            return std::move(described).err();
        }
    }
    return out.str();
}

} // namespace mcprov::devkit
