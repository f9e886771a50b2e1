#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mcprov/xml/document.hpp"
#include "mcprov/xml/writer.hpp"

// The writer is handed values from outside (names from configuration, text and attribute values from peers). The
// input is a program of writer calls: an opcode byte, a length byte, then that many bytes of argument. Whatever the
// writer accepts must parse, and the text (and white space) it was given must read back unchanged, in order.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    mcprov::xml::writer w({.indent = size > 0 && (data[0] & 1) != 0,
                           .max_bytes = 1 << 20,
                           .escape_text_as_attribute = size > 0 && (data[0] & 2) != 0});
    std::string all_text;
    unsigned open = 0;
    unsigned attributes = 0;
    for (std::size_t at = 1; at + 2 <= input.size();) {
        const auto op = static_cast<unsigned char>(input[at]);
        const std::size_t length =
            std::min<std::size_t>(static_cast<unsigned char>(input[at + 1]), input.size() - at - 2);
        const std::string_view arg = input.substr(at + 2, length);
        at += 2 + length;
        switch (op % 7) {
        case 0:
            if (open < 48) {
                w.start(arg);
                ++open;
            }
            break;
        case 1:
            if (open < 48) {
                w.start_in("urn:fuzz", arg, op & 8 ? "p" : "");
                ++open;
            }
            break;
        case 2:
            w.attribute("a" + std::to_string(attributes++), arg);
            break;
        case 3:
            w.text(arg);
            all_text.append(arg);
            break;
        case 4:
            if (open > 0) {
                w.end();
                --open;
            }
            break;
        case 5:
            w.leaf("x", arg);
            all_text.append(arg);
            break;
        case 6:
            if (op & 0x80) {
                w.white_space(arg);
                all_text.append(arg);
            } else {
                w.declare_namespace(arg, "urn:other");
            }
            break;
        }
    }
    for (; open > 0; --open) {
        w.end();
    }
    auto out = w.finish();
    if (!out) {
        return 0;
    }
    auto doc = mcprov::xml::parse(*out, {.max_bytes = 2 << 20, .max_depth = 64});
    if (!doc) {
        __builtin_trap();
    }
    if (doc->root().text() != all_text) {
        // Indentation adds white space between elements; compare without it then.
        std::string read = doc->root().text();
        if (!(data[0] & 1)) {
            __builtin_trap();
        }
        std::erase_if(read, [](char c) { return c == ' ' || c == '\n'; });
        std::erase_if(all_text, [](char c) { return c == ' ' || c == '\n'; });
        if (read != all_text) {
            __builtin_trap();
        }
    }
    return 0;
}
