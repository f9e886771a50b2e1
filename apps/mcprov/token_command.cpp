#include <iostream>

#include "commands.hpp"
#include "mcprov/identity/access_token.hpp"
#include "mcprov/support/clock.hpp"
#include "mcprov/support/file.hpp"

namespace mcprov::app {
namespace {

struct token_options {
    std::string key;
    identity::token_request request;
    long lifetime_seconds = 3600;
    std::string private_out;
    std::string public_out;
};

int run_token(token_options& options) {
    auto key = support::read_secret_file(options.key);
    if (!key) {
        std::cerr << "mcprov token: " << key.err().message << "\n";
        return 2;
    }
    auto issuer = identity::create_token_issuer(std::move(key).value(), support::create_system_clock());
    if (!issuer) {
        std::cerr << "mcprov token: " << options.key << ": " << issuer.err().message << "\n";
        return 2;
    }
    if (options.request.subject.empty()) {
        options.request.subject = options.request.mc_id;
    }
    options.request.lifetime = std::chrono::seconds(options.lifetime_seconds);
    auto token = issuer.value()->issue(options.request);
    if (!token) {
        std::cerr << "mcprov token: " << token.err().message << "\n";
        return 1;
    }
    std::cout << *token << "\n";
    return 0;
}

int run_keygen(const token_options& options) {
    auto private_pem = identity::generate_p256_private_key_pem();
    if (!private_pem) {
        std::cerr << "mcprov keygen: " << private_pem.err().message << "\n";
        return 1;
    }
    auto public_pem = identity::public_key_pem_from_private(*private_pem);
    if (!public_pem) {
        std::cerr << "mcprov keygen: " << public_pem.err().message << "\n";
        return 1;
    }
    if (auto w = support::write_file(options.private_out, *private_pem); !w) {
        std::cerr << "mcprov keygen: " << w.err().message << "\n";
        return 1;
    }
    using std::filesystem::perms;
    if (auto w = support::write_file(options.public_out, *public_pem,
                                     perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
        !w) {
        std::cerr << "mcprov keygen: " << w.err().message << "\n";
        return 1;
    }
    std::cout << "private key: " << options.private_out << " (keep secret)\npublic key:  " << options.public_out
              << " (give to the servers that check tokens: auth.public_key)\n";
    return 0;
}

} // namespace

command add_token_command(CLI::App& parent) {
    auto options = std::make_shared<token_options>();
    auto* cmd = parent.add_subcommand(
        "token", "Issue an ES256 access token (TS 33.180 Annex B claims), as an identity management server would.\n"
                 "For tests and the local deployment; production tokens come from the IdM server.");
    cmd->add_option("-k,--key", options->key, "P-256 private key, PEM (from mcprov keygen)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--issuer", options->request.issuer, "iss: the IdM server's URL")->required();
    cmd->add_option("--audience", options->request.audience, "aud: the resource server(s), e.g. mcprov-cms")
        ->required();
    cmd->add_option("--mc-id", options->request.mc_id, "mc_id: the user's MC ID, e.g. sip:alice@example.org")
        ->required();
    cmd->add_option("--mcptt-id", options->request.mcptt_id, "mcptt_id claim (default: none; the CMS then uses mc_id)");
    cmd->add_option("--mcdata-id", options->request.mcdata_id, "mcdata_id claim");
    cmd->add_option("--mcvideo-id", options->request.mcvideo_id, "mcvideo_id claim");
    cmd->add_option("--subject", options->request.subject, "sub (default: the MC ID)");
    cmd->add_option("--client-id", options->request.client_id, "client_id")->capture_default_str();
    cmd->add_option("--scope", options->request.scopes,
                    "a scope; repeat for several (e.g. 3gpp:mc:config_management_service, mcprov:cms:admin)");
    cmd->add_option("--lifetime", options->lifetime_seconds, "seconds until exp")
        ->capture_default_str()
        ->check(CLI::Range(1L, 31L * 24 * 3600));
    return [options] { return run_token(*options); };
}

command add_keygen_command(CLI::App& parent) {
    auto options = std::make_shared<token_options>();
    auto* cmd = parent.add_subcommand("keygen", "Generate a P-256 key pair for signing access tokens.");
    cmd->add_option("--private", options->private_out, "where to write the private key (PEM, mode 0600)")->required();
    cmd->add_option("--public", options->public_out, "where to write the public key (PEM)")->required();
    return [options] { return run_keygen(*options); };
}

} // namespace mcprov::app
