#pragma once

#include <mcprov/aka/authentication.hpp>
#include <mcprov/support/metrics.hpp>
#include <mcprov/support/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcprov::gsup {

// The network's requests to the home subscriber's HLR, as a VLR or SGSN makes them (TS 29.002 MAP procedures, carried
// over Osmocom's GSUP): authentication vectors, with re-synchronisation when the USIM answered AUTS, and the check of
// the IMEI the subscriber's device presents, which the HLR keeps with the subscriber.
class hlr_client {
public:
    virtual ~hlr_client() = default;

    struct resynchronisation {
        std::string rand; // the RAND the USIM answered AUTS to
        std::string auts;
    };
    // Errors: not_found for an IMSI the HLR does not know or has no 3G key for, unavailable when the HLR cannot be
    // reached or does not answer in time.
    virtual support::result<aka::authentication_vector>
    send_auth_info(std::string_view imsi, const std::optional<resynchronisation>& resync = std::nullopt) = 0;
    // The 15-digit IMEI (or its 14 digits without the check digit); forbidden when the HLR refuses it.
    virtual support::result<void> check_imei(std::string_view imsi, std::string_view imei) = 0;
};

struct hlr_address {
    std::string host = "127.0.0.1";
    std::uint16_t port = 4222;
    std::string unit_name = "mcprov"; // the IPA unit name the HLR sees
    std::chrono::milliseconds timeout{5000};
};

// A client over GSUP (Debian's libosmo-gsup-client), reconnecting by itself. libosmocore's event loop is
// process-wide, so a process has at most one: a second create fails with conflict while the first lives.
// `health`, when given, learns of every request whether the HLR answered (with anything, an error included).
support::result<std::unique_ptr<hlr_client>> create_gsup_hlr_client(const hlr_address& address,
                                                                    std::shared_ptr<support::peer_health> health = nullptr);

} // namespace mcprov::gsup
