#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/dms/client_authentication.hpp"
#include "mcprov/store/document_store.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::dms {

// What the server knows of a device between sessions: its DevInfo and when it was last seen.
struct device_inventory {
    std::map<std::string, std::string> dev_info; // "./DevInfo/Man" -> "mcprov"
    std::chrono::system_clock::time_point last_session{};
    std::string last_session_id;
};

// The devices a DM server manages, in the store (application usage org.mcprov.dm-device, one user per device id):
// their credentials (nonces included) and inventory.
class device_registry {
public:
    explicit device_registry(std::shared_ptr<store::document_store> documents);

    // Audited as done by `actor`. Errors: invalid_argument (an empty device id or name), conflict (the device is
    // enrolled already), io.
    support::result<void> enroll(std::string_view device_id, const device_credentials& credentials,
                                 std::string_view actor = {});
    // The devices enrolled, sorted. Errors: io.
    support::result<std::vector<std::string>> devices() const;
    // nullopt for a device never enrolled.
    support::result<std::optional<device_credentials>> credentials(std::string_view device_id) const;
    support::result<device_inventory> inventory(std::string_view device_id) const;

    // The writes that keep a device's new credentials (nonces) and inventory: part of the caller's one transaction.
    static store::document_write credentials_write(std::string_view device_id, const device_credentials& credentials);
    static store::document_write inventory_write(std::string_view device_id, const device_inventory& inventory);
    // The stored forms (credentials.json, inventory.json), for a caller that read the device's documents itself: an
    // empty inventory text is an empty inventory. Errors: internal (a stored document that does not decode).
    static support::result<device_credentials> decode_credentials(std::string_view text);
    static support::result<device_inventory> decode_inventory(std::string_view text);

private:
    std::shared_ptr<store::document_store> documents_;
};

} // namespace mcprov::dms
