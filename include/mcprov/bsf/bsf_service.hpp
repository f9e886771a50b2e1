#pragma once

#include <memory>

#include "mcprov/bsf/bootstrapping_info_request.hpp"
#include "mcprov/bsf/bootstrapping_procedure.hpp"
#include "mcprov/http/pipeline.hpp"
#include "mcprov/store/document_store.hpp"

namespace mcprov::bsf {

// The BSF's HTTP interface (docs/bsf.md), one pipeline:
//   ub       GET or POST /: the bootstrapping procedure (TS 24.109 clause 5.2); 401 with a Digest AKA challenge,
//            200 with BootstrappingInfo and Authentication-Info, 403 when authentication fails
//   zn       POST /zn/v1/bootstrapping-info: a NAF, by its client certificate, asks for Ks_NAF of a B-TID
//   healthz  GET /healthz
//   readyz   GET /readyz: whether `documents`, the store of Ub and Zn, answers
// Its series (server "bsf") go to `metrics` (a registry of its own when none is given), which `mcprov bsf`'s metrics
// listener serves.
std::shared_ptr<http::pipeline> create_bsf_pipeline(std::shared_ptr<bootstrapping_procedure> ub,
                                                    std::shared_ptr<const bootstrapping_info_request> zn,
                                                    std::shared_ptr<store::document_store> documents,
                                                    std::shared_ptr<support::metrics_registry> metrics = nullptr);

} // namespace mcprov::bsf
