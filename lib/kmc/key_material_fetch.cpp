#include "mcprov/kmc/key_material_fetch.hpp"

#include <string>

namespace mcprov::kmc {

namespace {

support::error at_step(const char* step, support::error e) {
    e.message = std::string(step) + ": " + e.message;
    return e;
}

} // namespace

support::result<fetched_key_material> fetch_key_material(kms_client& kms) {
    auto own = kms.init();
    if (!own) {
        return at_step("init", std::move(own).err());
    }
    auto keys = kms.keyprov();
    if (!keys) {
        return at_step("keyprov", std::move(keys).err());
    }
    if (auto valid = validate_key_set(*own, *keys); !valid) {
        return at_step("keyprov", std::move(valid).err());
    }
    auto cache = kms.certcache();
    if (!cache) {
        return at_step("certcache", std::move(cache).err());
    }
    fetched_key_material out;
    out.material.own = std::move(own).value();
    out.material.keys = std::move(keys).value();
    out.material.external = std::move(cache->certificates);
    out.cache_num = cache->cache_num;
    return out;
}

} // namespace mcprov::kmc
