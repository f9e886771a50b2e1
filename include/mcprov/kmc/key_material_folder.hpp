#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/kmc/key_material.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::kmc {

// What a KMS client keeps of one user in one security domain, in a folder of its own (docs/kmc.md, fetch):
//
//   kms-certificate.xml   the KMS's own KmsCertificate (init)
//   key-set.xml           the user's KmsKeySet (keyprov)
//   external/<KMS URI>.xml  one KmsCertificate per external domain of the certcache, revoked ones included
//
// Every document is the TS 33.180 Annex D XML, each file written atomically with mode 600.
class key_material_folder {
public:
    explicit key_material_folder(std::filesystem::path dir) : dir_(std::move(dir)) {}

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path certificate_file() const { return dir_ / "kms-certificate.xml"; }
    std::filesystem::path key_set_file() const { return dir_ / "key-set.xml"; }
    std::filesystem::path external_dir() const { return dir_ / "external"; }
    std::filesystem::path external_file(std::string_view kms_uri) const;

    // Everything the folder holds. Errors: those of read_kms_certificate and read_kms_key_set for each file (a
    // missing certificate or key set is an error; a missing external folder is none).
    support::result<key_material> load() const;
    // The KMS's own certificate only.
    support::result<kms_interface::kms_certificate> load_certificate() const;

    // Replaces what the folder holds (created if needed) with `material`: the external folder is emptied first, so a
    // domain no longer listed is gone. Every document is encoded before anything is written, so material that does
    // not encode changes nothing. Errors: the encoders' (invalid_argument), io.
    support::result<void> store(const key_material& material) const;

private:
    std::filesystem::path dir_;
};

// The file name of an external domain's certificate: the KMS URI with every character other than a letter, a digit,
// '.' and '-' replaced by '_', and ".xml".
std::string external_file_name(std::string_view kms_uri);

// One KmsCertificate or KmsKeySet document from a file (at most kms_interface::max_document_bytes). Errors: io (a
// missing or unreadable file), too_large, and the decoder's errors with the file name in front of the message.
support::result<kms_interface::kms_certificate> read_kms_certificate(const std::filesystem::path& file);
support::result<kms_interface::kms_key_set> read_kms_key_set(const std::filesystem::path& file);

// The key material of a user as a sender: the folder of the domain it signs in, and, for a user who belongs to
// several security domains, the own certificates of its folders of the other domains, usable like permitted external
// ones (the user holds each of its domains' certificates).
support::result<key_material> load_key_material(const std::filesystem::path& dir,
                                                const std::vector<std::filesystem::path>& other_domains = {});

} // namespace mcprov::kmc
