#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "mcprov/store/document_store.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::dms {

// What an operator did to a device (enrolled it, queued or cancelled a job), kept in the store with the change itself
// (org.mcprov.dm-audit, one user per device) and logged.
struct audit_record {
    std::chrono::system_clock::time_point time{};
    std::string actor{};  // who: the administrator's MC ID (its token's), or "cli:<user>" for the command line
    std::string action{}; // enroll, queue, cancel, notify
    std::string device{};
    std::string detail{}; // the job's id, or what else the action concerned
    // The subscription (IMSI) the action concerned, when one was identified: the record is kept with it too.
    std::string subscription{};
};

// The write that keeps the record (part of the change's one transaction); logs it too.
store::document_write audit_write(const audit_record& record);
// The same, and with a subscription its copy under the subscription ("IMSI:<imsi>").
std::vector<store::document_write> audit_writes(const audit_record& record);
// A device's records, oldest first. Errors: io.
support::result<std::vector<audit_record>> read_audit(const store::document_store& documents, std::string_view device);
// A subscription's records, oldest first. Errors: io.
support::result<std::vector<audit_record>> read_subscription_audit(const store::document_store& documents,
                                                                   std::string_view imsi);

} // namespace mcprov::dms
