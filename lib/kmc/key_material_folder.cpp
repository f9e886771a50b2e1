#include "mcprov/kmc/key_material_folder.hpp"

#include <cctype>
#include <utility>

#include "mcprov/support/file.hpp"

namespace mcprov::kmc {

using kms_interface::kms_certificate;
using kms_interface::kms_key_set;
using support::errc;
using support::make_error;
using support::result;

namespace {

// The decoder's error with the file it came from.
template <class T, class Decode> result<T> read_document(const std::filesystem::path& file, Decode decode) {
    auto text = support::read_file(file, kms_interface::max_document_bytes);
    if (!text) {
        return std::move(text).err();
    }
    auto decoded = decode(*text);
    if (!decoded) {
        return make_error(decoded.err().code, file.string() + ": " + decoded.err().message);
    }
    return decoded;
}

} // namespace

std::string external_file_name(std::string_view kms_uri) {
    std::string out;
    for (char c : kms_uri) {
        out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
    }
    return out + ".xml";
}

result<kms_certificate> read_kms_certificate(const std::filesystem::path& file) {
    return read_document<kms_certificate>(file, kms_interface::decode_kms_certificate);
}

result<kms_key_set> read_kms_key_set(const std::filesystem::path& file) {
    return read_document<kms_key_set>(file, kms_interface::decode_kms_key_set);
}

std::filesystem::path key_material_folder::external_file(std::string_view kms_uri) const {
    return external_dir() / external_file_name(kms_uri);
}

result<kms_certificate> key_material_folder::load_certificate() const {
    return read_kms_certificate(certificate_file());
}

result<key_material> key_material_folder::load() const {
    key_material m;
    auto own = load_certificate();
    if (!own) {
        return std::move(own).err();
    }
    m.own = std::move(own).value();
    auto keys = read_kms_key_set(key_set_file());
    if (!keys) {
        return std::move(keys).err();
    }
    m.keys = std::move(keys).value();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(external_dir(), ec)) {
        auto certificate = read_kms_certificate(entry.path());
        if (!certificate) {
            return std::move(certificate).err();
        }
        m.external.push_back(std::move(certificate).value());
    }
    return m;
}

result<void> key_material_folder::store(const key_material& material) const {
    std::vector<std::pair<std::filesystem::path, std::string>> files;
    auto own = kms_interface::encode_kms_certificate(material.own);
    if (!own) {
        return std::move(own).err();
    }
    files.emplace_back(certificate_file(), std::move(own).value());
    auto keys = kms_interface::encode_kms_key_set(material.keys);
    if (!keys) {
        return std::move(keys).err();
    }
    files.emplace_back(key_set_file(), std::move(keys).value());
    for (const auto& c : material.external) {
        auto xml = kms_interface::encode_kms_certificate(c);
        if (!xml) {
            return std::move(xml).err();
        }
        files.emplace_back(external_file(c.kms_uri), std::move(xml).value());
    }
    std::error_code ec;
    std::filesystem::remove_all(external_dir(), ec);
    std::filesystem::create_directories(external_dir(), ec);
    if (ec) {
        return make_error(errc::io, dir_.string() + ": " + ec.message());
    }
    for (const auto& [file, text] : files) {
        if (auto written = support::write_file(file, text); !written) {
            return written;
        }
    }
    return {};
}

result<key_material> load_key_material(const std::filesystem::path& dir,
                                       const std::vector<std::filesystem::path>& other_domains) {
    auto material = key_material_folder(dir).load();
    if (!material) {
        return material;
    }
    for (const auto& other : other_domains) {
        auto certificate = key_material_folder(other).load_certificate();
        if (!certificate) {
            return std::move(certificate).err();
        }
        material->external.push_back(std::move(certificate).value());
    }
    return material;
}

} // namespace mcprov::kmc
