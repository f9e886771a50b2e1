#include "dev_security_domains.hpp"

#include <map>
#include <sstream>

#include "mcprov/identity/access_token.hpp"
#include "mcprov/kmc/key_material.hpp"
#include "mcprov/kmc/kms_client.hpp"
#include "mcprov/kms/master_secret_vault.hpp"
#include "mcprov/mikey/i_message_exchange.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::app {
namespace {

using support::errc;
using support::make_error;
using support::result;

const std::string key_scope = "3gpp:mc:key_management_service";
const std::vector<std::string> domain_names{"police", "fire"};

std::string user(const std::string& name, const std::string& organisation, const std::string& system) {
    return "sip:" + name + "@" + organisation + "." + system;
}

} // namespace

std::string dev_security_domains::url(const std::string& domain) const {
    return "https://127.0.0.1:" + std::to_string(first_port + (domain == "police" ? 0 : 1));
}

result<void> dev_security_domains::prepare() const {
    const auto alice = user("alice", "police", system_id);
    const auto bob = user("bob", "fire", system_id);
    const auto carol = user("carol", "ambulance", system_id);
    const std::map<std::string, std::vector<std::string>> members{{"police", {alice, carol}}, {"fire", {bob, carol}}};
    std::map<std::string, std::string> certificates;
    for (const auto& domain : domain_names) {
        auto d = dir(domain);
        std::error_code ec;
        std::filesystem::create_directories(d, ec);
        if (ec) {
            return make_error(errc::io, d.string() + ": " + ec.message());
        }
        std::ostringstream config;
        config << "# The KMS of the security domain " << domain << " of " << system_id
               << ", written by mcprov dev. See docs/kms.md.\n"
               << "[server]\nlisten = \"127.0.0.1:" << (first_port + (domain == "police" ? 0 : 1)) << "\"\n\n"
               << "[tls]\ncertificate = \"../cms.crt\"\nprivate_key = \"../cms.key\"\n\n"
               << "[domain]\nkms_uri = \"" << kms_uri(domain) << "\"\nmaster_key = \"master.key\"\n"
               << "user_key_period_seconds = 2592000\nuser_key_offset_seconds = 0\n\n"
               << "[store]\npath = \"kms.db\"\n\n"
               << "[auth]\nissuer = \"https://idms." << system_id << "\"\naudience = \"" << kms_uri(domain)
               << "\"\npublic_key = \"../idms.pub.pem\"\n\n[log]\nlevel = \"info\"\n";
        for (auto w : {support::write_file(d / "master.key", kms::master_secret_vault::generate_key_file_text()),
                       support::write_file(d / "kms.toml", config.str())}) {
            if (!w) {
                return w;
            }
        }
        auto loaded = kms::load_kms_config(d / "kms.toml");
        if (!loaded) {
            return std::move(loaded).err();
        }
        auto clock = support::create_system_clock();
        auto documents = store::open_store(loaded->store_url, clock);
        if (!documents) {
            return make_error(errc::io, "cannot open the store of " + kms_uri(domain) + ": " + documents.err().message);
        }
        kms::security_domain_store members_of_domain(*documents);
        for (const auto& m : members.at(domain)) {
            if (auto added = members_of_domain.add_member(m); !added) {
                return added;
            }
        }
        auto opened = kms::open_security_domain(*loaded, *documents, clock);
        if (!opened) {
            return std::move(opened).err();
        }
        auto xml = kms_interface::encode_kms_certificate((*opened)->certificate());
        if (!xml) {
            return std::move(xml).err();
        }
        certificates[domain] = *xml;
        if (auto w = support::write_file(d / "certificate.xml", *xml); !w) {
            return w;
        }
    }
    // police permits fire; fire permits nobody.
    auto documents = store::open_store("sqlite:" + (dir("police") / "kms.db").string(), support::create_system_clock());
    if (!documents) {
        return std::move(documents).err();
    }
    kms::security_domain_store police(std::move(documents).value());
    return police.permit(kms_uri("fire"), certificates["fire"]);
}

result<std::vector<std::unique_ptr<kms::kms_server>>> dev_security_domains::start() const {
    std::vector<std::unique_ptr<kms::kms_server>> out;
    for (const auto& domain : domain_names) {
        auto config = kms::load_kms_config(dir(domain) / "kms.toml");
        if (!config) {
            return std::move(config).err();
        }
        auto clock = support::create_system_clock();
        auto documents = store::open_store(config->store_url, clock);
        auto kms = documents ? kms::create_kms(*config, std::move(documents).value(), clock)
                             : result<std::unique_ptr<kms::kms_server>>(std::move(documents).err());
        if (!kms) {
            return make_error(kms.err().code, kms_uri(domain) + ": " + kms.err().message);
        }
        out.push_back(std::move(kms).value());
    }
    return out;
}

result<std::string> dev_security_domains::demonstrate() const {
    auto key = support::read_file(system_dir / "idms.key.pem");
    if (!key) {
        return std::move(key).err();
    }
    auto issuer = identity::create_token_issuer(*key, support::create_system_clock());
    if (!issuer) {
        return std::move(issuer).err();
    }
    auto material_of = [&](const std::string& who, const std::string& domain) -> result<kmc::key_material> {
        identity::token_request r;
        r.issuer = "https://idms." + system_id;
        r.subject = who;
        r.audience = {kms_uri(domain)};
        r.mc_id = who;
        r.mcptt_id = who;
        r.scopes = {key_scope};
        auto token = (*issuer)->issue(r);
        if (!token) {
            return std::move(token).err();
        }
        auto client =
            kmc::kms_client::create({url(domain), system_dir / "ca.pem", *token, who, std::chrono::seconds(10)});
        if (!client) {
            return std::move(client).err();
        }
        kmc::key_material m;
        auto own = (*client)->init();
        auto keys = own ? (*client)->keyprov() : result<kms_interface::kms_key_set>(own.err());
        auto cache = keys ? (*client)->certcache() : result<kms_interface::kms_cert_cache>(keys.err());
        if (!cache) {
            return std::move(cache).err();
        }
        m.own = std::move(own).value();
        m.keys = std::move(keys).value();
        m.external = std::move(cache->certificates);
        return m;
    };
    const auto alice = user("alice", "police", system_id);
    const auto bob = user("bob", "fire", system_id);
    const auto carol = user("carol", "ambulance", system_id);
    auto alice_police = material_of(alice, "police");
    auto bob_fire = material_of(bob, "fire");
    auto carol_fire = material_of(carol, "fire");
    auto carol_police = material_of(carol, "police");
    for (const auto* m : {&alice_police, &bob_fire, &carol_fire, &carol_police}) {
        if (!*m) {
            return m->err();
        }
    }
    auto now = std::chrono::system_clock::now();
    std::ostringstream out;
    // carol signs with her fire keys and encapsulates to alice under police's certificate, which she holds as a
    // member of police; alice's domain permits fire.
    mikey::i_message_request request;
    request.initiator_uri = carol;
    request.initiator_kms = kmc::identity_of(carol_fire->own);
    request.initiator_keys = {carol_fire->keys.user_decrypt_key, carol_fire->keys.user_signing_key_ssk,
                              carol_fire->keys.user_pub_token_pvt};
    request.responder_uri = alice;
    request.responder_kms = kmc::identity_of(carol_police->own);
    request.time = now;
    auto built = mikey::build_i_message(request);
    if (!built) {
        return std::move(built).err();
    }
    auto responder = kmc::responder_of(*alice_police);
    if (!responder) {
        return std::move(responder).err();
    }
    auto received = mikey::process_i_message(built->bytes, *responder, kmc::trust_of(*alice_police, now), now,
                                             std::chrono::seconds(60));
    out << "  " << carol << " (" << kms_uri("fire") << ") -> " << alice << " (" << kms_uri("police") << "): ";
    if (received && received->ssv == built->ssv) {
        out << "key agreed, SSV " << support::hex_encode(received->ssv) << "\n";
    } else {
        out << "FAILED: " << (received ? std::string("different SSVs") : received.err().message) << "\n";
    }
    out << "  " << bob << " (" << kms_uri("fire") << ") -> " << alice << " (" << kms_uri("police") << "): ";
    auto refused = kmc::usable_certificate(*bob_fire, kms_uri("police"), now);
    out << (refused ? std::string("NOT refused") : "refused: " + refused.err().message) << "\n";
    return out.str();
}

} // namespace mcprov::app
