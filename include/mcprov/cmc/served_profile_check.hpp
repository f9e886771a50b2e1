#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "mcprov/migration/served_profile.hpp"
#include "mcprov/support/result.hpp"

namespace mcprov::cmc {

// What a migrating user's client expects of the profile a partner MC system serves it.
struct serving_expectation {
    std::string serving_system; // the MC system now serving the user, e.g. mcx-b.example.org
    std::string user;           // the user's MC service ID: the XUI-URI its own profile carries
};

struct checked_profile {
    migration::serving_stamp stamp;
    std::string signer_subject;    // of the certificate that signed the profile (RFC 2253)
    std::string unsigned_document; // the profile without the partner's signature
};

// Seed 000, NOTE 3: whether a profile the client was served is valid for use on the MC system now serving it. In this
// order, refusing at the first that fails:
//  1. the profile carries an enveloped XML signature by a certificate of one of `trusted_ca_pem`'s CAs
//     (xml::verify_enveloped: its errors), and that certificate names `expected.serving_system` exactly (a DNS
//     subjectAltName, or its common name when it has none; forbidden: "the profile is signed by S, not by Y");
//  2. it carries the serving system's stamp (migration::read_serving_stamp: its errors);
//  3. the stamp names `expected.serving_system` (forbidden: "the profile is for X, not Y");
//  4. `now` lies within the stamp's validity (forbidden: "the profile is valid from A until B, not now");
//  5. the profile is the user's own: its XUI-URI is `expected.user`, as a partner could serve another user's profile
//     (forbidden: "the profile is of X, not Y", or "of no user (no XUI-URI)").
// Every error is a refusal. Its message quotes what the profile says; print it with support::printable.
support::result<checked_profile> check_served_profile(std::string_view profile, std::string_view trusted_ca_pem,
                                                      const serving_expectation& expected,
                                                      std::chrono::system_clock::time_point now);

} // namespace mcprov::cmc
