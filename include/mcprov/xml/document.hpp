#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "mcprov/support/result.hpp"

struct _xmlDoc;
struct _xmlNode;

namespace mcprov::xml {

// Limits applied to every document read from outside.
struct parse_limits {
    std::size_t max_bytes = 1024 * 1024;
    unsigned max_depth = 64;
};

// A parsed XML document. Parsing never loads a DTD, never expands or substitutes entities, never touches the
// network or the file system, and refuses any document that carries a DOCTYPE.
class document {
public:
    document(document&&) noexcept;
    document& operator=(document&&) noexcept;
    ~document();

    _xmlDoc* get() const noexcept { return doc_; }
    _xmlNode* root() const noexcept;

    // Local name and namespace URI of the root element ("" when it has no namespace).
    std::string root_name() const;
    std::string root_namespace() const;

    // The document serialised as UTF-8 with an XML declaration.
    std::string serialize() const;

private:
    friend support::result<document> parse(std::string_view, const parse_limits&);
    explicit document(_xmlDoc* doc) noexcept : doc_(doc) {}
    _xmlDoc* doc_ = nullptr;
};

// Errors: too_large (bytes or depth), not_well_formed (syntax, encoding, DOCTYPE/entities), each with the line
// number and libxml2's message.
support::result<document> parse(std::string_view bytes, const parse_limits& limits = {});

// Text escaped for a double-quoted attribute value (also safe as element content).
std::string escape_attribute(std::string_view value);

// Installs the process-wide libxml2 settings the parser relies on (no network, no external entity loading
// except the embedded schemas). Idempotent and thread-safe; parse() calls it.
void initialize();

} // namespace mcprov::xml
