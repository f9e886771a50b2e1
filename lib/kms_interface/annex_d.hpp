#pragma once

// What the files of the Annex D codec share (not a public header): the checks and conversions of single values
// (fields.cpp), loading and writing whole documents (document_io.cpp), and the readers and writers of the elements
// that several documents hold: KmsCertificate (certificate.cpp), KmsKeySet (key_set.cpp), ErrorType (error.cpp),
// KmsMessage (messages.cpp) and KmsResponse (response.cpp).

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "mcprov/kms_interface/kms_documents.hpp"
#include "mcprov/support/result.hpp"
#include "mcprov/xml/document.hpp"
#include "mcprov/xml/element.hpp"
#include "mcprov/xml/writer.hpp"

// Returns the error of a failed result from the enclosing function.
#define MCPROV_TRY(expression)                                                                                         \
    do {                                                                                                               \
        if (auto mcprov_try_result = (expression); !mcprov_try_result) {                                               \
            return std::move(mcprov_try_result).err();                                                                 \
        }                                                                                                              \
    } while (false)

namespace mcprov::kms_interface::detail {

using support::errc;
using support::make_error;
using support::result;

inline constexpr std::string_view xsi_namespace = "http://www.w3.org/2001/XMLSchema-instance";

// Version attributes. KmsRequest, KmsResponse, KmsKeyProv, KmsCertCache and KmsKeySet have theirs fixed by the
// schema; KmsInit's and KmsCertificate's are free strings, written as the Annex D examples write them.
inline constexpr std::string_view request_version = "1.1.0";
inline constexpr std::string_view response_version = "1.0.0";
inline constexpr std::string_view message_version = "1.0.0"; // KmsInit, KmsKeyProv, KmsCertCache
inline constexpr std::string_view key_set_version = "1.1.0";

// ---------------------------------------------------------------------------------------------------------------
// Single values (fields.cpp). `path` names the value in errors ("KmsKeySet/UserID: ...").

// Without leading and trailing XML white space (the whiteSpace collapse of the schema's types, at the ends).
std::string_view trim(std::string_view text);

// "path/name", and "path/name[n]" for the n-th (from 1) of several.
std::string child_path(const std::string& path, std::string_view name);
std::string nth_path(const std::string& path, std::string_view name, std::size_t n);

// invalid_argument unless the value is text XML can carry; check_required: nor empty after trimming.
result<void> check_text(const std::string& path, std::string_view value);
result<void> check_required(const std::string& path, std::string_view value);
result<void> check_validity(const std::string& path, const std::optional<time_point>& from,
                            const std::optional<time_point>& to);

// The expected octet length of a key or UID, and whether it is an uncompressed elliptic-curve point (04 || x || y).
struct octet_field {
    std::size_t size;
    bool point;
};

inline constexpr octet_field pub_enc_key_field{pub_enc_key_size, true};
inline constexpr octet_field pub_auth_key_field{pub_auth_key_size, true};
inline constexpr octet_field rsk_field{rsk_size, true};
inline constexpr octet_field ssk_field{ssk_size, false};
inline constexpr octet_field pvt_field{pvt_size, true};
inline constexpr octet_field uid_field{uid_size, false};

result<void> check_octets(const std::string& path, std::string_view octets, octet_field field);
std::string upper_hex(std::string_view octets);
// xsd:hexBinary (trimmed, either case) to octets of the field's length and form.
result<std::string> decode_hex(const std::string& path, std::string_view text, octet_field field);
// xsd:integer within int64; xsd:boolean.
result<std::int64_t> parse_integer(const std::string& path, std::string_view text);
result<bool> parse_boolean(const std::string& path, std::string_view text);
const char* boolean_text(bool value);

// xsd:dateTime as Annex D documents carry it: no zone designator means UTC, offsets are converted to UTC, the
// fraction is dropped; the instant must fall in the years 1678 to 2261 (what system_clock holds, in whole years).
result<time_point> parse_time(const std::string& path, std::string_view text);
// UTC, whole seconds, with "Z".
std::string format_time(time_point t);

// ---------------------------------------------------------------------------------------------------------------
// Documents (document_io.cpp).

// The writer every encoder uses: two spaces of indentation per level, text escaped as attribute values are. That is
// the layout mcprov's documents have always had (kms_documents_bytes_test.cpp pins it): peers may have stored them.
xml::writer new_writer();
// After a start tag whose element stays empty: the end tag on a line of its own, indented to `depth`, as mcprov has
// always written an empty KmsKeyProv or KmsCertCache.
void end_tag_on_own_line(xml::writer& w, std::size_t depth);
// The encoder's document: finished, within max_document_bytes, parsed and validated like one received, so that
// nothing goes out that mcprov would refuse.
result<std::string> checked(xml::writer& w);

// too_large for a document of `size` bytes, more than max_document_bytes.
support::error document_too_large(std::size_t size);
// Parses with the Annex D limits, checks that the root element is one of `roots` (in the KMS namespace), types the
// keys of key sets that carry no xsi:type as plain key content (KeyContentType), validates.
result<xml::document> load(std::string_view bytes, std::initializer_list<std::string_view> roots);

bool in_kms_namespace(xml::element e);
bool is_kms(xml::element e, std::string_view local_name);
// The element's text, trimmed; invalid_argument when that is empty.
result<std::string> required_uri(const std::string& path, xml::element e);

// A reader of one child element, found by its local name in the KMS namespace.
template <class State> struct field_reader {
    std::string_view name;
    result<void> (*read)(State& state, xml::element child, const std::string& path);
};

// Hands each child of `parent` in the KMS namespace, in document order, to the reader of its name; children of other
// namespaces (extensions) and names without a reader are skipped. Stops at the first error.
template <class State, std::size_t n>
result<void> read_children(State& state, xml::element parent, const std::string& path,
                           const field_reader<State> (&readers)[n]) {
    for (xml::element child : parent.children()) {
        if (!in_kms_namespace(child)) {
            continue;
        }
        for (const auto& reader : readers) {
            if (child.local_name() == reader.name) {
                MCPROV_TRY(reader.read(state, child, child_path(path, reader.name)));
                break;
            }
        }
    }
    return {};
}

// Readers of one kind of value into a member of the state, for the tables of read_children.

// The trimmed text, not empty.
template <class State, auto member> result<void> read_uri(State& state, xml::element e, const std::string& path) {
    auto uri = required_uri(path, e);
    if (!uri) {
        return std::move(uri).err();
    }
    state.*member = std::move(*uri);
    return {};
}

// The trimmed text, possibly empty.
template <class State, auto member> result<void> read_trimmed(State& state, xml::element e, const std::string&) {
    state.*member = e.trimmed_text();
    return {};
}

// The text as it stands (xsd:string keeps white space).
template <class State, auto member> result<void> read_text(State& state, xml::element e, const std::string&) {
    state.*member = e.text();
    return {};
}

template <class State, auto member> result<void> read_time(State& state, xml::element e, const std::string& path) {
    auto t = parse_time(path, e.text());
    if (!t) {
        return std::move(t).err();
    }
    state.*member = *t;
    return {};
}

template <class State, auto member> result<void> read_boolean(State& state, xml::element e, const std::string& path) {
    auto value = parse_boolean(path, e.text());
    if (!value) {
        return std::move(value).err();
    }
    state.*member = *value;
    return {};
}

// An integer of at least `minimum`: 1 (refused as "must be positive") or 0 ("must not be negative").
template <class State, auto member, std::int64_t minimum>
result<void> read_counter(State& state, xml::element e, const std::string& path) {
    static_assert(minimum == 0 || minimum == 1);
    auto value = parse_integer(path, e.text());
    if (!value) {
        return std::move(value).err();
    }
    if (*value < minimum) {
        return make_error(errc::invalid_argument,
                          path + (minimum > 0 ? ": must be positive" : ": must not be negative"));
    }
    state.*member = *value;
    return {};
}

template <class State, auto member, octet_field field>
result<void> read_octets(State& state, xml::element e, const std::string& path) {
    auto octets = decode_hex(path, e.text(), field);
    if (!octets) {
        return std::move(octets).err();
    }
    state.*member = std::move(*octets);
    return {};
}

// ---------------------------------------------------------------------------------------------------------------
// Elements several documents hold. Writers check the value first (invalid_argument or too_large naming the field),
// then write the element; the root element declares the KMS namespace (and xsi where needed), a nested one inherits.

result<void> write_certificate(xml::writer& w, const kms_certificate& c, const std::string& path);
// A KmsCertificate element, or a SignedKmsCertificate one (whose ds:Signature is not checked).
result<kms_certificate> read_any_certificate(xml::element e, const std::string& path);

result<void> write_key_set(xml::writer& w, const kms_key_set& k, const std::string& path);
result<kms_key_set> read_key_set(xml::element e, const std::string& path);

// ErrorType, as element `name` (KmsError, ClientError).
result<void> write_error(xml::writer& w, std::string_view name, const kms_error& e, const std::string& path);
result<kms_error> read_error(xml::element e, const std::string& path);

// KmsMessage: KmsInit, KmsKeyProv or KmsCertCache. check_message: the counts, before anything is written.
result<void> check_message(const decltype(kms_response::body)& body, const std::string& path);
result<void> write_message(xml::writer& w, const decltype(kms_response::body)& body, const std::string& path);
result<void> read_message(xml::element message, const std::string& path, decltype(kms_response::body)& body);

// The KmsResponse element of a SignedKmsResponse or KmsResponse document, with its path; empty when a
// SignedKmsResponse holds none.
std::pair<xml::element, std::string> response_element(const xml::document& doc);
result<kms_response> read_response(xml::element e, const std::string& path);

} // namespace mcprov::kms_interface::detail
