#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

namespace mcprov::http {

// A PEM certificate with its PEM (PKCS#8) private key.
struct certificate_and_key {
    std::string certificate_pem;
    std::string private_key_pem;
};

// A self-signed CA certificate (P-256, ECDSA-SHA256) for a deployment's own TLS.
support::result<certificate_and_key> create_certificate_authority(const std::string& common_name,
                                                                  std::chrono::hours validity);

enum class certificate_usage { server, client, server_and_client };

// A leaf certificate signed by the CA, for the given DNS names and IP addresses (subjectAltName).
support::result<certificate_and_key> issue_certificate(const certificate_and_key& ca, const std::string& common_name,
                                                       const std::vector<std::string>& dns_names,
                                                       const std::vector<std::string>& ip_addresses,
                                                       certificate_usage usage, std::chrono::hours validity);

// Whether a certificate (PEM) was issued by one of the CAs in trusted_ca_pem (PEM, one or more certificates), is
// valid now, and names exactly `name` (a DNS subjectAltName, or the common name when it has none; RFC 6125, upper
// and lower case alike), a wildcard name never counting as a match. Errors: invalid_argument (unreadable PEM),
// forbidden with the reason.
support::result<void> verify_certificate(std::string_view certificate_pem, std::string_view trusted_ca_pem,
                                         const std::string& name);

// Whether a certificate (PEM; the first of a chain) names exactly `name`, as verify_certificate decides it, without
// looking at who issued it. Errors: invalid_argument (unreadable PEM), forbidden ("the certificate does not name X").
support::result<void> certificate_names(std::string_view certificate_pem, const std::string& name);

} // namespace mcprov::http
