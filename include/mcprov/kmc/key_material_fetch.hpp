#pragma once

#include <cstdint>
#include <optional>

#include "mcprov/kmc/key_material.hpp"
#include "mcprov/kmc/kms_client.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::kmc {

struct fetched_key_material {
    key_material material;                 // external: the certcache's certificates, revoked ones included
    std::optional<std::int64_t> cache_num; // the certcache's CacheNum
};

// A client's key material from its KMS (TS 33.180 Annex D): init (the KMS's certificate), keyprov (the user's key set
// of the current key period) and certcache (the permitted external domains), in this order, then the key set is
// validated against the certificate (validate_key_set). Nothing is returned unless all of it succeeded.
// Errors: the client's and validate_key_set's, the message prefixed with the step ("init: ", "keyprov: " (validation
// included), "certcache: ").
support::result<fetched_key_material> fetch_key_material(kms_client& kms);

} // namespace mcprov::kmc
