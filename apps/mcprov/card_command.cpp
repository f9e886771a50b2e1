#include <csignal>
#include <iostream>
#include <thread>

#include <unistd.h>

#include "commands.hpp"
#include "mcprov/gsup/hlr_vty.hpp"
#include "mcprov/support/config_reader.hpp"
#include "mcprov/support/file.hpp"
#include "mcprov/support/log.hpp"
#include "mcprov/uicc/card_description.hpp"
#include "mcprov/uicc/vpcd.hpp"
#include "serve.hpp"

namespace mcprov::app {
namespace {

struct card_options {
    std::string description;
    std::string image;
    std::string reader = "127.0.0.1:35963";
    std::string vty = "127.0.0.1:4258";
    std::string msisdn;
    unsigned wait_ms = 10'000;
};

int build(const card_options& o) {
    auto text = support::read_secret_file(o.description);
    if (!text) {
        std::cerr << "mcprov card build: " << text.err().message << "\n";
        return 2;
    }
    const std::filesystem::path path(o.description);
    auto image = uicc::build_card(*text, o.description, path.parent_path().empty() ? "." : path.parent_path());
    if (!image) {
        std::cerr << "mcprov card build: " << image.err().message << "\n";
        return 2;
    }
    if (auto saved = uicc::save_card_image(o.image, *image); !saved) {
        std::cerr << "mcprov card build: " << o.image << ": " << saved.err().message << "\n";
        return 1;
    }
    std::cout << "card " << image->iccid << " (IMSI " << image->imsi << ") written to " << o.image << "\n";
    return 0;
}

int show(const card_options& o) {
    auto image = uicc::load_card_image(o.image);
    if (!image) {
        std::cerr << "mcprov card show: " << image.err().message << "\n";
        return 2;
    }
    std::cout << "ICCID " << image->iccid << "\nIMSI " << image->imsi << "\nPIN1 "
              << (image->pin.enabled ? "enabled" : "disabled") << ", " << image->pin.tries_left << " of "
              << image->pin.tries << " tries left\nPUK " << image->puk.tries_left << " of " << image->puk.tries
              << " tries left\nhighest SQN accepted " << image->sqn.highest_sqn << "\n";
    for (const auto& f : image->files) {
        std::cout << f.path;
        if (f.kind == uicc::file_kind::transparent)
            std::cout << " " << f.data.size() << " octets";
        if (f.kind == uicc::file_kind::linear_fixed)
            std::cout << " " << f.records.size() << " records of " << f.record_size;
        std::cout << "\n";
    }
    return 0;
}

int provision(const card_options& o) {
    auto image = uicc::load_card_image(o.image);
    if (!image) {
        std::cerr << "mcprov card hlr: " << image.err().message << "\n";
        return 2;
    }
    gsup::hlr_vty_address vty;
    if (!support::split_listen(o.vty, vty.host, vty.port)) {
        std::cerr << "mcprov card hlr: --vty must be HOST:PORT\n";
        return 2;
    }
    if (auto done = gsup::provision_subscriber(
            vty, {.imsi = image->imsi, .k = image->k, .opc = image->opc, .msisdn = o.msisdn});
        !done) {
        std::cerr << "mcprov card hlr: " << done.err().message << "\n";
        return 1;
    }
    std::cout << "subscriber " << image->imsi << " (card " << image->iccid << ") provisioned in the HLR at " << o.vty
              << "\n";
    return 0;
}

int insert(const card_options& o) {
    support::configure_logging("info", support::log_format::text);
    auto log = support::logger("card");
    std::string host;
    std::uint16_t port = 0;
    if (!support::split_listen(o.reader, host, port)) {
        std::cerr << "mcprov card insert: --reader must be HOST:PORT\n";
        return 2;
    }
    auto image = uicc::load_card_image(o.image);
    if (!image) {
        std::cerr << "mcprov card insert: " << image.err().message << "\n";
        return 2;
    }
    block_termination_signals();
    uicc::uicc card(std::move(*image));
    const std::string file = o.image;
    auto slot = uicc::vpcd_slot::insert(
        card, host, port, [file](const uicc::card_image& i) { return uicc::save_card_image(file, i); }, o.wait_ms);
    if (!slot) {
        std::cerr << "mcprov card insert: " << slot.err().message << "\n";
        return 1;
    }
    log->info("card {} inserted in the reader on {}", card.image().iccid, o.reader);
    support::result<void> served;
    std::thread reader_thread([&] {
        served = (*slot)->serve();
        ::kill(::getpid(), SIGTERM); // the reader went away: end as if removed
    });
    wait_for_signal();
    (*slot)->stop();
    reader_thread.join();
    log->info("card {} removed after {} command(s)", card.image().iccid, (*slot)->commands());
    return served ? 0 : 1;
}

} // namespace

command add_card_command(CLI::App& parent) {
    auto o = std::make_shared<card_options>();
    auto* cmd = parent.add_subcommand(
        "card", "A virtual UICC with a USIM, for pcscd's vpcd reader (Debian's vsmartcard-vpcd): build one from\n"
                "a card description, show it, insert it into a reader. See docs/card.md.");
    cmd->require_subcommand(1);
    auto* b = cmd->add_subcommand("build", "mcprov card build --description FILE --image FILE\n"
                                           "Lay out the card a description gives (TOML) and write its image (mode 600).");
    b->add_option("-d,--description", o->description, "the card description (TOML)")
        ->required()
        ->check(CLI::ExistingFile);
    b->add_option("-i,--image", o->image, "the card image to write (JSON)")->required();
    auto* s = cmd->add_subcommand("show", "mcprov card show --image FILE\nPrint a card's identities, counters and files.");
    s->add_option("-i,--image", o->image, "the card image")->required()->check(CLI::ExistingFile);
    auto* i = cmd->add_subcommand(
        "insert", "mcprov card insert --image FILE [--reader HOST:PORT]\n"
                  "Insert the card into a vpcd reader and answer it until SIGTERM or SIGINT (the card is removed)\n"
                  "or the reader goes away. What the card keeps (PIN counters, sequence numbers) is written back\n"
                  "to the image after each command that changes it.");
    i->add_option("-i,--image", o->image, "the card image")->required()->check(CLI::ExistingFile);
    i->add_option("-r,--reader", o->reader, "the vpcd reader's address (the port in its reader.conf)")
        ->capture_default_str();
    i->add_option("--wait-ms", o->wait_ms, "how long to wait for the reader to listen")->capture_default_str();
    auto* h = cmd->add_subcommand(
        "hlr", "mcprov card hlr --image FILE [--vty HOST:PORT] [--msisdn DIGITS]\n"
               "Provision the card's subscription (IMSI, MILENAGE with its K and OPc) in osmo-hlr through its VTY,\n"
               "creating the subscriber or updating its keys.");
    h->add_option("-i,--image", o->image, "the card image")->required()->check(CLI::ExistingFile);
    h->add_option("--vty", o->vty, "osmo-hlr's VTY (its 'line vty' bind address and port)")->capture_default_str();
    h->add_option("--msisdn", o->msisdn, "the subscription's MSISDN, when it has one");
    return [o, b, s, i, h]() -> int {
        if (h->parsed())
            return provision(*o);
        if (b->parsed())
            return build(*o);
        if (s->parsed())
            return show(*o);
        if (i->parsed())
            return insert(*o);
        return 2;
    };
}

} // namespace mcprov::app
