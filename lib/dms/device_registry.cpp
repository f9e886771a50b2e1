#include "mcprov/dms/device_registry.hpp"

#include "mcprov/dms/audit.hpp"

#include <boost/json.hpp>

#include "mcprov/support/clock.hpp"
#include "mcprov/support/encoding.hpp"

namespace mcprov::dms {
namespace {

using support::errc;
using support::make_error;
using support::result;
namespace json = boost::json;

constexpr std::string_view device_auid = "org.mcprov.dm-device";
constexpr std::string_view credentials_name = "credentials.json";
constexpr std::string_view inventory_name = "inventory.json";

store::document_key key(std::string_view device_id, std::string_view name) {
    return {std::string(device_auid), std::string(device_id), std::string(name)};
}

std::string field(const json::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Nonces are raw bytes: kept base64-encoded.
std::string encode(const device_credentials& c) {
    return json::serialize(json::object{{"client_name", c.client_name},
                                        {"client_secret", c.client_secret},
                                        {"client_nonce", support::base64_encode(c.client_nonce)},
                                        {"server_name", c.server_name},
                                        {"server_secret", c.server_secret},
                                        {"server_nonce", support::base64_encode(c.server_nonce)},
                                        {"push_url", c.push_url}});
}

} // namespace

result<device_credentials> device_registry::decode_credentials(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        return make_error(errc::internal, "a stored device's credentials are not a JSON object");
    }
    const auto& o = v.as_object();
    return device_credentials{field(o, "client_name"),
                              field(o, "client_secret"),
                              support::base64_decode(field(o, "client_nonce")).value_or(""),
                              field(o, "server_name"),
                              field(o, "server_secret"),
                              support::base64_decode(field(o, "server_nonce")).value_or(""),
                              field(o, "push_url")};
}

device_registry::device_registry(std::shared_ptr<store::document_store> documents) : documents_(std::move(documents)) {}

store::document_write device_registry::credentials_write(std::string_view device_id, const device_credentials& c) {
    return {key(device_id, credentials_name), encode(c)};
}

store::document_write device_registry::inventory_write(std::string_view device_id, const device_inventory& inventory) {
    json::object info;
    for (const auto& [uri, value] : inventory.dev_info) {
        info[uri] = value;
    }
    return {key(device_id, inventory_name),
            json::serialize(json::object{{"dev_info", std::move(info)},
                                         {"last_session", support::format_utc(inventory.last_session)},
                                         {"last_session_id", inventory.last_session_id}})};
}

result<void> device_registry::enroll(std::string_view device_id, const device_credentials& credentials,
                                     std::string_view actor) {
    if (device_id.empty() || device_id.size() > 256 || credentials.client_name.empty() ||
        credentials.server_name.empty()) {
        return make_error(errc::invalid_argument, "a device needs an id (at most 256 bytes), its user name and the "
                                                  "server's name");
    }
    return documents_->transact([&](store::transaction& tx) -> result<void> {
        auto existing = tx.get(key(device_id, credentials_name));
        if (!existing) {
            return std::move(existing).err();
        }
        if (*existing) {
            return make_error(errc::conflict, std::string(device_id) + " is enrolled already");
        }
        for (const auto& w : {credentials_write(device_id, credentials),
                              audit_write({std::chrono::system_clock::now(), std::string(actor), "enroll",
                                           std::string(device_id), credentials.client_name})}) {
            if (auto put = tx.put(w.key, *w.content); !put) {
                return std::move(put).err();
            }
        }
        return {};
    });
}

result<std::vector<std::string>> device_registry::devices() const {
    return documents_->list_users(device_auid);
}

result<std::optional<device_credentials>> device_registry::credentials(std::string_view device_id) const {
    auto doc = documents_->get(key(device_id, credentials_name));
    if (!doc) {
        if (doc.err().code == errc::not_found) {
            return std::optional<device_credentials>{};
        }
        return std::move(doc).err();
    }
    auto decoded = decode_credentials(doc->content);
    if (!decoded) {
        return std::move(decoded).err();
    }
    return std::optional<device_credentials>(std::move(decoded).value());
}

result<device_inventory> device_registry::inventory(std::string_view device_id) const {
    auto doc = documents_->get(key(device_id, inventory_name));
    if (!doc) {
        if (doc.err().code == errc::not_found) {
            return device_inventory{};
        }
        return std::move(doc).err();
    }
    return decode_inventory(doc->content);
}

result<device_inventory> device_registry::decode_inventory(std::string_view text) {
    if (text.empty()) {
        return device_inventory{};
    }
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        return make_error(errc::internal, "a stored device inventory is not a JSON object");
    }
    device_inventory out;
    const auto& o = v.as_object();
    if (const auto* info = o.if_contains("dev_info"); info && info->is_object()) {
        for (const auto& [uri, value] : info->as_object()) {
            if (value.is_string()) {
                out.dev_info[std::string(uri)] = std::string(value.as_string());
            }
        }
    }
    out.last_session = support::parse_utc(field(o, "last_session")).value_or(std::chrono::system_clock::time_point{});
    out.last_session_id = field(o, "last_session_id");
    return out;
}

} // namespace mcprov::dms
