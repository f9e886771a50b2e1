#include "mcprov/xml/schema.hpp"

#include <map>
#include <mutex>
#include <string>

#include <libxml/xmlschemas.h>

#include "embedded_schemas.hpp"
#include "libxml_access.hpp"
#include "libxml_error.hpp"

namespace mcprov::xml {
namespace {

using support::errc;
using support::make_error;

// A compiled schema. libxml2 only reads the xmlSchema during validation, so one instance serves every thread;
// the validation context, which is mutable, is created per call.
class schema_impl final : public schema {
public:
    explicit schema_impl(xmlSchemaPtr compiled) noexcept : compiled_(compiled) {}
    ~schema_impl() override { xmlSchemaFree(compiled_); }
    schema_impl(const schema_impl&) = delete;
    schema_impl& operator=(const schema_impl&) = delete;

    support::result<void> validate(const document& doc) const override {
        if (detail::libxml_doc(doc) == nullptr) {
            return make_error(errc::invalid_argument, "no document to validate");
        }
        xmlSchemaValidCtxtPtr ctxt = xmlSchemaNewValidCtxt(compiled_);
        if (ctxt == nullptr) {
            return make_error(errc::internal, "cannot create a schema validation context");
        }
        detail::error_collector errors;
        xmlSchemaSetValidStructuredErrors(ctxt, &detail::error_collector::handler, &errors);
        const int rc = xmlSchemaValidateDoc(ctxt, detail::libxml_doc(doc));
        xmlSchemaFreeValidCtxt(ctxt);
        if (rc == 0) {
            return {};
        }
        if (rc > 0) {
            return make_error(errc::schema_invalid, errors.best("document does not conform to the schema"));
        }
        return make_error(errc::internal, errors.best("schema validation failed"));
    }

private:
    xmlSchemaPtr compiled_;
};

struct schema_cache {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<const schema_impl>, std::less<>> compiled;
};

schema_cache& cache() {
    static schema_cache instance;
    return instance;
}

} // namespace

support::result<std::shared_ptr<const schema>> load_embedded_schema(std::string_view path) {
    initialize();
    auto& c = cache();
    std::lock_guard lock(c.mutex);
    if (auto it = c.compiled.find(path); it != c.compiled.end()) {
        return std::shared_ptr<const schema>(it->second);
    }
    const detail::embedded_schema* source = detail::find_embedded_schema(path);
    if (source == nullptr) {
        return make_error(errc::not_found, "no embedded schema \"" + std::string(path) + "\"");
    }
    // Compiled from its embedded URI: the entity loader installed by initialize() serves it and every schema it
    // imports or includes (relative schemaLocation values resolve against that URI), and nothing else.
    std::string uri(detail::embedded_uri_prefix);
    uri.append(source->path);
    xmlSchemaParserCtxtPtr parser = xmlSchemaNewParserCtxt(uri.c_str());
    if (parser == nullptr) {
        return make_error(errc::internal, "cannot create a schema parser");
    }
    detail::error_collector errors;
    xmlSchemaSetParserStructuredErrors(parser, &detail::error_collector::handler, &errors);
    xmlSchemaPtr compiled = xmlSchemaParse(parser);
    xmlSchemaFreeParserCtxt(parser);
    if (compiled == nullptr) {
        return make_error(errc::internal,
                          "schema " + std::string(path) + " does not compile: " + errors.best("unknown error"));
    }
    auto result = std::make_shared<const schema_impl>(compiled);
    c.compiled.emplace(std::string(path), result);
    return std::shared_ptr<const schema>(std::move(result));
}

} // namespace mcprov::xml
