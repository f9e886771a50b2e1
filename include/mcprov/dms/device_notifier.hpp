#pragma once

#include <memory>
#include <string>

#include "mcprov/http/client.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/syncml/notification.hpp"

namespace mcprov::dms {

// Server-initiated sessions (OMA-TS-DM_Notification-V1_2): package 0, its digest made with the server's credentials
// towards the device (SRVCRED: its password and the device's latest nonce), posted as
// application/vnd.syncml.notification to the device's push address, which stands in for WAP push or SMS.
class device_notifier {
public:
    device_notifier(std::string server_id, std::shared_ptr<store::document_store> documents,
                    std::shared_ptr<http::client> client);

    // Returns the session id the device will open its session with; audited as done by `actor`. Errors: not_found (no
    // such device), invalid_argument (the device has no push address), unavailable (the push endpoint did not take
    // it).
    support::result<std::string> notify(const std::string& device, std::string_view actor,
                                        syncml::ui_mode ui = syncml::ui_mode::not_specified) const;

private:
    std::string server_id_;
    std::shared_ptr<store::document_store> documents_;
    std::shared_ptr<http::client> client_;
};

} // namespace mcprov::dms
