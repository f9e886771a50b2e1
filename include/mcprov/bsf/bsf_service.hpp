#pragma once

#include <memory>

#include "mcprov/bsf/bootstrapping_info_request.hpp"
#include "mcprov/bsf/bootstrapping_procedure.hpp"
#include "mcprov/http/pipeline.hpp"

namespace mcprov::bsf {

// The BSF's HTTP interface (docs/bsf.md), one pipeline:
//   ub       GET or POST /: the bootstrapping procedure (TS 24.109 clause 5.2); 401 with a Digest AKA challenge,
//            200 with BootstrappingInfo and Authentication-Info, 403 when authentication fails
//   zn       POST /zn/v1/bootstrapping-info: a NAF, by its client certificate, asks for Ks_NAF of a B-TID
//   healthz  GET /healthz
std::shared_ptr<http::pipeline> create_bsf_pipeline(std::shared_ptr<bootstrapping_procedure> ub,
                                                    std::shared_ptr<const bootstrapping_info_request> zn);

} // namespace mcprov::bsf
