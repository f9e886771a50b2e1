#include "mcprov/devkit/security_domains.hpp"

#include <map>
#include <sstream>

#include "mcprov/identity/access_token.hpp"
#include "mcprov/kmc/key_establishment.hpp"
#include "mcprov/kmc/key_material_fetch.hpp"
#include "mcprov/kms/master_secret_vault.hpp"
#include "mcprov/kms/security_domain_store.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::devkit {
namespace {

using support::errc;
using support::make_error;
using support::result;

// alice, bob and carol of the system.
struct members_of_system {
    std::string alice, bob, carol;
    explicit members_of_system(const mc_system& system)
        : alice(system.user_id(example_users()[0])), bob(system.user_id(example_users()[1])),
          carol(system.user_id(example_users()[2])) {}
};

} // namespace

const std::vector<std::string>& security_domains::names() {
    static const std::vector<std::string> domains{"police", "fire"};
    return domains;
}

result<void> security_domains::prepare() const {
    const auto& [alice, bob, carol] = members_of_system(system);
    const std::map<std::string, std::vector<std::string>> members{{"police", {alice, carol}}, {"fire", {bob, carol}}};
    std::map<std::string, std::string> certificates;
    for (const auto& domain : names()) {
        auto d = dir(domain);
        std::error_code ec;
        std::filesystem::create_directories(d, ec);
        if (ec) {
            return make_error(errc::io, d.string() + ": " + ec.message());
        }
        std::ostringstream config;
        config << "# The KMS of the security domain " << domain << " of " << system.id
               << ", written by mcprov dev. See docs/kms.md.\n"
               << "[server]\nlisten = \"127.0.0.1:" << port(domain) << "\"\n\n"
               << "[tls]\ncertificate = \"../cms.crt\"\nprivate_key = \"../cms.key\"\n\n"
               << "[domain]\nkms_uri = \"" << kms_uri(domain) << "\"\nmaster_key = \"master.key\"\n"
               << "user_key_period_seconds = 2592000\nuser_key_offset_seconds = 0\n\n"
               << "[store]\npath = \"kms.db\"\n\n"
               << "[auth]\nissuer = \"https://idms." << system.id << "\"\naudience = \"" << kms_uri(domain)
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

result<std::vector<std::unique_ptr<kms::kms_server>>> security_domains::start() const {
    std::vector<std::unique_ptr<kms::kms_server>> out;
    for (const auto& domain : names()) {
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

result<kmc::key_material> security_domains::key_material(const std::string& who, const std::string& domain) const {
    auto key = support::read_file(system_dir / "idms.key.pem");
    if (!key) {
        return std::move(key).err();
    }
    auto issuer = identity::create_token_issuer(*key, support::create_system_clock());
    if (!issuer) {
        return std::move(issuer).err();
    }
    identity::token_request r;
    r.issuer = system.issuer();
    r.subject = who;
    r.audience = {kms_uri(domain)};
    r.mc_id = who;
    r.mcptt_id = who;
    r.scopes = {key_scope};
    auto token = (*issuer)->issue(r);
    if (!token) {
        return std::move(token).err();
    }
    auto client = kmc::kms_client::create({url(domain), system_dir / "ca.pem", *token, who, std::chrono::seconds(10)});
    if (!client) {
        return std::move(client).err();
    }
    auto fetched = kmc::fetch_key_material(**client);
    if (!fetched) {
        return std::move(fetched).err();
    }
    return std::move(fetched->material);
}

result<std::string> security_domains::demonstrate() const {
    const auto& [alice, bob, carol] = members_of_system(system);
    auto alice_police = key_material(alice, "police");
    auto bob_fire = key_material(bob, "fire");
    auto carol_fire = key_material(carol, "fire");
    auto carol_police = key_material(carol, "police");
    for (const auto* m : {&alice_police, &bob_fire, &carol_fire, &carol_police}) {
        if (!*m) {
            return m->err();
        }
    }
    auto now = std::chrono::system_clock::now();
    std::ostringstream out;
    // carol signs with her fire keys and encapsulates to alice under police's certificate, which she holds as a
    // member of police; alice's domain permits fire.
    auto carol_as_sender = *carol_fire;
    carol_as_sender.external.push_back(carol_police->own);
    auto built = kmc::send_i_message(carol_as_sender, alice, kms_uri("police"), now);
    if (!built) {
        return std::move(built).err();
    }
    auto received = kmc::receive_i_message(*alice_police, built->bytes, now);
    out << "  " << carol << " (" << kms_uri("fire") << ") -> " << alice << " (" << kms_uri("police") << "): ";
    if (received && received->ssv == built->ssv) {
        out << "key agreed, SSV " << support::hex_encode(received->ssv) << "\n";
    } else {
        out << "FAILED: " << (received ? std::string("different SSVs") : received.err().message) << "\n";
    }
    out << "  " << bob << " (" << kms_uri("fire") << ") -> " << alice << " (" << kms_uri("police") << "): ";
    auto refused = kmc::send_i_message(*bob_fire, alice, kms_uri("police"), now);
    out << (refused ? std::string("NOT refused") : "refused: " + refused.err().message) << "\n";
    return out.str();
}

} // namespace mcprov::devkit
