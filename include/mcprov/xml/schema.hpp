#pragma once

#include <memory>
#include <string_view>

#include "mcprov/support/result.hpp"
#include "mcprov/xml/document.hpp"

namespace mcprov::xml {

// A compiled XML Schema. validate() is safe to call from several threads at once.
class schema {
public:
    virtual ~schema() = default;
    // schema_invalid with the first violation ("line N: message") when the document does not conform.
    virtual support::result<void> validate(const document& doc) const = 0;
};

// Compiles one of the schemas built into the binary (from the repository's schemas/ folder), by its path below
// that folder, e.g. "ts24484-rel13/mcptt-user-profile.xsd". Imports resolve against the same embedded set only.
support::result<std::shared_ptr<const schema>> load_embedded_schema(std::string_view path);

} // namespace mcprov::xml
