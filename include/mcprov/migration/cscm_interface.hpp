#pragma once

#include <memory>

#include "mcprov/http/pipeline.hpp"
#include "mcprov/migration/migration_services.hpp"

namespace mcprov::migration {

// The CSCM-x interface (docs/cscm-x.md), for its own mutual-TLS listener, as routes of one pipeline:
//   healthz              GET /healthz
//   migration-profile    GET /cscm-x/v1/users/{user}/migration-profile     at the primary (steps 7-8): MCPTT
//   migration-profile-of-service
//                        GET /cscm-x/v1/users/{user}/migration-profile/{service}   mcptt, mcdata or mcvideo
//   delivery-reports     POST /cscm-x/v1/users/{user}/delivery-reports     at the primary
//   visitor              DELETE /cscm-x/v1/visitors/{user}                 at the partner (release)
// The partner asking is the one whose CA issued the client certificate and whose certificate name it carries;
// nothing in the request says who asks. Every answer carries the request's correlation id (a new one if it came
// without a usable one); errors are problem+json and never carry internal text.
std::shared_ptr<http::pipeline> create_cscm_interface(std::shared_ptr<migration_services> services,
                                                      std::shared_ptr<support::metrics_registry> metrics = nullptr);

} // namespace mcprov::migration
