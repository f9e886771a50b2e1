#pragma once

#include "child_process.hpp"

#include <filesystem>
#include <fstream>
#include <string>

namespace mcprov::testing {

// The real Kamailio (Debian's package) as the proxy around a test's SIP servers: stateful (tm), listening on UDP and
// TCP at 127.0.0.1:`port`, relaying every request to `next_hop` (sip:host:port); in the foreground, logging to
// stderr, its runtime files in `dir`.
class kamailio {
public:
    kamailio(const std::filesystem::path& dir, std::uint16_t port, const std::string& next_hop) {
        const auto run = dir / "kamailio-run";
        std::filesystem::create_directories(run);
        const auto listen = "127.0.0.1:" + std::to_string(port);
        std::ofstream(dir / "kamailio.cfg")
            << "#!KAMAILIO\n"
               "debug=2\nlog_stderror=yes\nfork=yes\nchildren=2\nauto_aliases=no\n"
               "listen=udp:" << listen << "\nlisten=tcp:" << listen << "\n"
               "mpath=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/\"\n"
               "loadmodule \"tm.so\"\nloadmodule \"sl.so\"\nloadmodule \"rr.so\"\nloadmodule \"pv.so\"\n"
               "loadmodule \"maxfwd.so\"\nloadmodule \"textops.so\"\nloadmodule \"siputils.so\"\n"
               "request_route {\n"
               "  if (!mf_process_maxfwd_header(\"10\")) { sl_send_reply(\"483\", \"Too Many Hops\"); exit; }\n"
               "  if (has_totag()) {\n"
               "    if (loose_route()) { route(RELAY); exit; }\n"
               "    if (is_method(\"ACK\")) { if (t_check_trans()) { route(RELAY); } exit; }\n"
               "  }\n"
               "  if (is_method(\"CANCEL\")) { if (t_check_trans()) { route(RELAY); } exit; }\n"
               "  t_check_trans();\n"
               "  $du = \"" << next_hop << "\";\n"
               "  route(RELAY);\n"
               "}\n"
               "route[RELAY] { if (!t_relay()) { sl_reply_error(); } exit; }\n";
        process_ = std::make_unique<child_process>(
            "/usr/sbin/kamailio",
            std::vector<std::string>{"-f", (dir / "kamailio.cfg").string(), "-DD", "-E", "-Y", run.string()},
            dir / "kamailio");
        ready_ = !process_->wait_for_output("udp: 127\\.0\\.0\\.1 \\[127\\.0\\.0\\.1\\]:" + std::to_string(port)).empty();
    }
    ~kamailio() {
        process_->signal(SIGTERM);
        process_->wait();
    }

    bool ready() const { return ready_; }
    std::string log() const { return process_->out() + process_->err(); }

private:
    std::unique_ptr<child_process> process_;
    bool ready_ = false;
};

} // namespace mcprov::testing
