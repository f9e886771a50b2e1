// libFuzzer target: arbitrary text as an XCAP node selector, parsed and evaluated against a fixed document.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "mcprov/xml/document.hpp"
#include "mcprov/xml/node_selector.hpp"

namespace {

constexpr std::string_view sample = R"(<?xml version="1.0" encoding="UTF-8"?>
<mcptt-user-profile xmlns="urn:3gpp:mcptt:user-profile:1.0" xmlns:ext="urn:example:ext" XUI-URI="sip:alice@example.org" user-profile-index="1">
  <ProfileName xml:lang="en">Alice</ProfileName>
  <Common index="c1"><UserAlias/><MCPTTUserID><uri-entry>sip:alice@example.org</uri-entry></MCPTTUserID></Common>
  <Common index="c2"/>
  <OnNetwork index="o1">
    <MCPTTGroupInfo>
      <entry index="g1"><uri-entry>sip:group1@example.org</uri-entry></entry>
      <entry index="g2" entry-info="DedicatedGroup"><uri-entry>a &amp; b</uri-entry></entry>
    </MCPTTGroupInfo>
    <ext:thing ext:flag="yes" plain="p/q"><inner xmlns="">caf&#xE9;</inner></ext:thing>
  </OnNetwork>
</mcptt-user-profile>
)";

const mcprov::xml::document* sample_document() {
    static const std::optional<mcprov::xml::document> doc = []() -> std::optional<mcprov::xml::document> {
        auto parsed = mcprov::xml::parse(sample);
        if (!parsed) {
            return std::nullopt;
        }
        return std::move(*parsed);
    }();
    return doc ? &*doc : nullptr;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::map<std::string, std::string> prefixes{
        {"up", "urn:3gpp:mcptt:user-profile:1.0"}, {"ext", "urn:example:ext"}, {"x", "urn:example:unused"}};
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto selector = mcprov::xml::parse_node_selector(text, prefixes, "urn:3gpp:mcptt:user-profile:1.0");
    if (!selector) {
        return 0;
    }
    if (const auto* doc = sample_document()) {
        auto selected = mcprov::xml::select(*doc, *selector);
        (void)selected;
    }
    return 0;
}
