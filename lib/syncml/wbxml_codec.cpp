#include <algorithm>
#include <array>
#include <vector>

#include "mcprov/syncml/message.hpp"
#include "tree.hpp"

// WBXML 1.2 (WAP-192-WBXML) for SyncML 1.2: public id 0x1201, UTF-8, code page 0 SyncML and code page 1 MetInf
// (OMA-TS-SyncML_RepPro-V1_2 and OMA-TS-SyncML_MetaInfo-V1_2, their WBXML token tables). Written here rather than
// through libwbxml2, whose converter rewrites LF as CR LF in Add and Replace data and puts opaque bytes into CDATA as
// they are: DM data must come back exactly.
namespace mcprov::syncml {
namespace {

using detail::node;
using support::errc;
using support::make_error;
using support::result;

constexpr std::uint8_t switch_page = 0x00, end_token = 0x01, entity = 0x02, str_i = 0x03, literal = 0x04,
                       str_t = 0x83, opaque = 0xC3;
constexpr std::uint8_t has_attributes = 0x80, has_content = 0x40;
constexpr std::uint32_t syncml_12_public_id = 0x1201;
constexpr std::uint32_t utf_8 = 106;
constexpr std::string_view syncml_12_public_text = "-//SYNCML//DTD SyncML 1.2//EN";

// Tag tokens from 0x05, in order.
constexpr std::array<std::string_view, 56> syncml_page = {
    "Add",       "Alert",     "Archive",   "Atomic",     "Chal",         "Cmd",          "CmdID",      "CmdRef",
    "Copy",      "Cred",      "Data",      "Delete",     "Exec",         "Final",        "Get",        "Item",
    "Lang",      "LocName",   "LocURI",    "Map",        "MapItem",      "Meta",         "MsgID",      "MsgRef",
    "NoResp",    "NoResults", "Put",       "Replace",    "RespURI",      "Results",      "Search",     "Sequence",
    "SessionID", "SftDel",    "Source",    "SourceRef",  "Status",       "Sync",         "SyncBody",   "SyncHdr",
    "SyncML",    "Target",    "TargetRef", "",           "VerDTD",       "VerProto",     "NumberOfChanges",
    "MoreData",  "Field",     "Filter",    "Record",     "FilterType",   "SourceParent", "TargetParent", "Move",
    "Correlator"};
constexpr std::array<std::string_view, 18> metinf_page = {
    "Anchor", "EMI",       "Format",    "FreeID", "FreeMem", "Last",    "Mark",       "MaxMsgSize", "Mem",
    "MetInf", "Next",      "NextNonce", "SharedMem", "Size", "Type",    "Version",    "MaxObjSize", "FieldLevel"};
constexpr std::uint8_t first_tag = 0x05;

std::string_view tag_name(std::uint8_t page, std::uint8_t token) {
    const auto index = static_cast<std::size_t>(token) - first_tag;
    if (token < first_tag) {
        return {};
    }
    if (page == 0) {
        return index < syncml_page.size() ? syncml_page[index] : std::string_view();
    }
    return index < metinf_page.size() ? metinf_page[index] : std::string_view();
}

std::optional<std::uint8_t> tag_token(std::uint8_t page, std::string_view name) {
    if (page == 0) {
        auto it = std::find(syncml_page.begin(), syncml_page.end(), name);
        return it == syncml_page.end() || name.empty()
                   ? std::nullopt
                   : std::optional<std::uint8_t>(static_cast<std::uint8_t>(first_tag + (it - syncml_page.begin())));
    }
    auto it = std::find(metinf_page.begin(), metinf_page.end(), name);
    return it == metinf_page.end()
               ? std::nullopt
               : std::optional<std::uint8_t>(static_cast<std::uint8_t>(first_tag + (it - metinf_page.begin())));
}

void append_utf8(std::string& out, std::uint32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

class decoder {
public:
    decoder(std::string_view bytes, const decode_limits& limits) : in_(bytes), limits_(limits) {}

    result<node> run() {
        header();
        if (error_) {
            return std::move(*error_);
        }
        // The body: one element, read without recursion so that depth costs no stack.
        std::vector<node> open;
        std::optional<node> root;
        std::uint8_t page = 0;
        std::size_t elements = 0;
        while (!error_ && !root) {
            const auto token = byte();
            if (error_) {
                break;
            }
            if (token == switch_page) {
                page = byte();
                if (page > 1) {
                    fail("code page " + std::to_string(page) + " is not SyncML's (0) or MetInf's (1)");
                }
            } else if (token == end_token) {
                if (open.empty()) {
                    fail("END outside any element");
                    break;
                }
                auto done = std::move(open.back());
                open.pop_back();
                if (open.empty()) {
                    root = std::move(done);
                } else {
                    open.back().children.push_back(std::move(done));
                }
            } else if (token == str_i || token == str_t || token == opaque || token == entity) {
                if (open.empty()) {
                    fail("text outside any element");
                    break;
                }
                text(token, open.back());
            } else if ((token & 0x3F) >= first_tag) {
                if (token & has_attributes) {
                    fail("SyncML elements have no attributes");
                    break;
                }
                const auto name = tag_name(page, token & 0x3F);
                if (name.empty()) {
                    fail("unknown tag token 0x" + hex(token & 0x3F) + " in code page " + std::to_string(page));
                    break;
                }
                if (++elements > limits_.max_commands * 16) {
                    fail("too many elements", errc::too_large);
                    break;
                }
                node n{std::string(name)};
                n.metinf = page == 1;
                if (token & has_content) {
                    if (open.size() + 1 > limits_.max_depth) {
                        fail("nesting deeper than " + std::to_string(limits_.max_depth), errc::too_large);
                        break;
                    }
                    open.push_back(std::move(n));
                } else if (open.empty()) {
                    root = std::move(n);
                } else {
                    open.back().children.push_back(std::move(n));
                }
            } else {
                fail("token 0x" + hex(token) + " (literal, extension or processing instruction) is not used by SyncML");
            }
        }
        if (error_) {
            return std::move(*error_);
        }
        if (pos_ != in_.size()) {
            return make_error(errc::invalid_argument, "bytes after the SyncML element");
        }
        return std::move(*root);
    }

private:
    static std::string hex(unsigned value) {
        static constexpr char digits[] = "0123456789ABCDEF";
        return {digits[(value >> 4) & 0xF], digits[value & 0xF]};
    }

    void fail(std::string what, errc code = errc::invalid_argument) {
        if (!error_) {
            error_ = make_error(code, "WBXML at byte " + std::to_string(pos_) + ": " + what);
        }
    }

    std::uint8_t byte() {
        if (pos_ >= in_.size()) {
            fail("the message ends early");
            return end_token;
        }
        return static_cast<std::uint8_t>(in_[pos_++]);
    }

    std::uint32_t multi_byte() {
        std::uint32_t value = 0;
        for (int i = 0; i < 5; ++i) {
            const auto b = byte();
            if (value > (0xFFFFFFFFu >> 7)) {
                fail("a multi-byte integer over 32 bits");
                return 0;
            }
            value = (value << 7) | (b & 0x7F);
            if (!(b & 0x80)) {
                return value;
            }
        }
        fail("a multi-byte integer over 5 bytes");
        return 0;
    }

    std::string_view inline_string() {
        const auto end = in_.find('\0', pos_);
        if (end == std::string_view::npos) {
            fail("an inline string without its terminating NUL");
            return {};
        }
        auto s = in_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return s;
    }

    void text(std::uint8_t token, node& n) {
        if (token == str_i) {
            n.text += inline_string();
        } else if (token == str_t) {
            const auto offset = multi_byte();
            const auto end = offset < table_.size() ? table_.find('\0', offset) : std::string_view::npos;
            if (end == std::string_view::npos) {
                fail("a string-table reference outside the table");
                return;
            }
            n.text += table_.substr(offset, end - offset);
        } else if (token == entity) {
            const auto c = multi_byte();
            if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
                fail("an entity that is no Unicode character");
                return;
            }
            append_utf8(n.text, c);
        } else {
            const auto length = multi_byte();
            if (length > in_.size() - std::min(pos_, in_.size())) {
                fail("opaque data longer than the message");
                return;
            }
            n.text += in_.substr(pos_, length);
            pos_ += length;
        }
    }

    void header() {
        const auto version = byte();
        if (version < 0x01 || version > 0x03) {
            fail("WBXML version " + std::to_string(version >> 4) + "." + std::to_string(version & 0xF) +
                 " is not 1.1 to 1.3");
            return;
        }
        const auto public_id = multi_byte();
        std::optional<std::uint32_t> public_index;
        if (public_id == 0) {
            public_index = multi_byte();
        } else if (public_id != syncml_12_public_id) {
            fail("public id 0x" + hex(public_id >> 8) + hex(public_id) + " is not SyncML 1.2's (0x1201)");
            return;
        }
        if (const auto charset = multi_byte(); charset != utf_8) {
            fail("charset " + std::to_string(charset) + " is not UTF-8 (106)");
            return;
        }
        const auto table_length = multi_byte();
        if (error_ || table_length > in_.size() - pos_) {
            fail("a string table longer than the message");
            return;
        }
        table_ = in_.substr(pos_, table_length);
        pos_ += table_length;
        if (public_index) {
            const auto end = *public_index < table_.size() ? table_.find('\0', *public_index) : std::string_view::npos;
            if (end == std::string_view::npos || table_.substr(*public_index, end - *public_index) != syncml_12_public_text) {
                fail("the document's public identifier is not SyncML 1.2's");
            }
        }
    }

    std::string_view in_;
    const decode_limits& limits_;
    std::size_t pos_ = 0;
    std::string_view table_;
    std::optional<support::error> error_;
};

class encoder {
public:
    std::string run(const node& root) {
        out_ += static_cast<char>(0x02); // WBXML 1.2
        multi_byte(syncml_12_public_id);
        multi_byte(utf_8);
        multi_byte(0); // no string table
        element(root, false);
        return std::move(out_);
    }

private:
    void multi_byte(std::uint32_t value) {
        char bytes[5];
        int n = 0;
        do {
            bytes[n++] = static_cast<char>(value & 0x7F);
            value >>= 7;
        } while (value != 0);
        while (n > 0) {
            --n;
            out_ += static_cast<char>(bytes[n] | (n > 0 ? 0x80 : 0));
        }
    }

    // Data that holds NUL, or a binary Format, goes as opaque bytes; everything else as an inline string.
    void element(const node& n, bool binary) {
        const std::uint8_t page = n.metinf ? 1 : 0;
        if (page != page_) {
            out_ += static_cast<char>(switch_page);
            out_ += static_cast<char>(page);
            page_ = page;
        }
        const auto token = tag_token(page, n.name).value_or(0);
        const bool content = !n.text.empty() || !n.children.empty();
        out_ += static_cast<char>(token | (content ? has_content : 0));
        if (!content) {
            return;
        }
        if (!n.text.empty()) {
            if (binary || n.text.find('\0') != std::string::npos) {
                out_ += static_cast<char>(opaque);
                multi_byte(static_cast<std::uint32_t>(n.text.size()));
                out_ += n.text;
            } else {
                out_ += static_cast<char>(str_i);
                out_ += n.text;
                out_ += '\0';
            }
        }
        const bool binary_item = n.name == "Item" && is_binary(n);
        for (const auto& c : n.children) {
            element(c, binary_item && c.name == "Data");
        }
        out_ += static_cast<char>(end_token);
    }

    static bool is_binary(const node& item) {
        const auto* meta = item.child("Meta");
        const auto* format = meta ? meta->child("Format") : nullptr;
        return format && format->text == "bin";
    }

    std::string out_;
    std::uint8_t page_ = 0;
};

} // namespace

result<message> decode_wbxml(std::string_view bytes, const decode_limits& limits) {
    if (bytes.size() > limits.max_bytes) {
        return make_error(errc::too_large, "a message is at most " + std::to_string(limits.max_bytes) + " bytes");
    }
    auto tree = decoder(bytes, limits).run();
    if (!tree) {
        return std::move(tree).err();
    }
    return detail::message_from_tree(*tree, limits);
}

result<std::string> encode_wbxml(const message& m) {
    const auto tree = detail::tree_from_message(m);
    // Element names DM does not know (a command kept as `other`) have no token.
    for (const auto& c : m.commands) {
        if (c.name == command_name::other && !tag_token(0, c.other_name)) {
            return make_error(errc::invalid_argument, "WBXML has no token for " + c.other_name);
        }
    }
    return encoder().run(tree);
}

} // namespace mcprov::syncml
