#include <mcprov/uicc/card_image.hpp>

#include <mcprov/support/encoding.hpp>
#include <mcprov/support/file.hpp>

#include <boost/json.hpp>

#include <set>

namespace mcprov::uicc {
namespace {

namespace json = boost::json;
using support::errc;
using support::make_error;

constexpr std::string_view format_name = "mcprov-card/1";

std::string_view to_string(access a) {
    switch (a) {
    case access::always:
        return "always";
    case access::pin:
        return "pin";
    case access::never:
        return "never";
    }
    return "never";
}

std::string_view to_string(file_kind k) {
    switch (k) {
    case file_kind::df:
        return "df";
    case file_kind::adf:
        return "adf";
    case file_kind::transparent:
        return "transparent";
    case file_kind::linear_fixed:
        return "linear_fixed";
    }
    return "transparent";
}

json::object pin_json(const pin_state& p) {
    return {{"value", p.value}, {"enabled", p.enabled}, {"tries", p.tries}, {"tries_left", p.tries_left}};
}

// A reader that remembers the first problem, so that the image is checked field by field with one error.
class reader {
public:
    explicit reader(std::string where) : where_(std::move(where)) {}

    const json::value* at(const json::object& o, std::string_view key, bool required = true) {
        const auto* v = o.if_contains(key);
        if (!v && required)
            fail(std::string(key) + " is missing");
        return v;
    }
    std::string text(const json::object& o, std::string_view key, bool required = true) {
        const auto* v = at(o, key, required);
        if (!v)
            return {};
        if (!v->is_string()) {
            fail(std::string(key) + " must be a string");
            return {};
        }
        return std::string(v->as_string());
    }
    std::string octets(const json::object& o, std::string_view key, bool required = true) {
        const std::string h = text(o, key, required);
        const auto bytes = support::hex_decode(h);
        if (!bytes) {
            fail(std::string(key) + " must be hex octets");
            return {};
        }
        return *bytes;
    }
    std::uint64_t number(const json::object& o, std::string_view key, std::uint64_t max, std::uint64_t fallback) {
        const auto* v = at(o, key, false);
        if (!v)
            return fallback;
        if (!v->is_int64() && !v->is_uint64()) {
            fail(std::string(key) + " must be a whole number");
            return fallback;
        }
        const auto n = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(v->as_uint64());
        if (n < 0 || static_cast<std::uint64_t>(n) > max) {
            fail(std::string(key) + " is out of range");
            return fallback;
        }
        return static_cast<std::uint64_t>(n);
    }
    bool flag(const json::object& o, std::string_view key, bool fallback) {
        const auto* v = at(o, key, false);
        if (!v)
            return fallback;
        if (!v->is_bool()) {
            fail(std::string(key) + " must be true or false");
            return fallback;
        }
        return v->as_bool();
    }
    void fail(std::string what) {
        if (!problem_)
            problem_ = where_ + ": " + std::move(what);
    }
    const std::optional<std::string>& problem() const { return problem_; }

private:
    std::string where_;
    std::optional<std::string> problem_;
};

pin_state read_pin(reader& r, const json::object& o, pin_state fallback) {
    pin_state p = fallback;
    p.value = r.text(o, "value");
    p.enabled = r.flag(o, "enabled", true);
    p.tries = static_cast<unsigned>(r.number(o, "tries", 15, fallback.tries));
    p.tries_left = static_cast<unsigned>(r.number(o, "tries_left", p.tries, p.tries));
    if (p.value.size() < 4 || p.value.size() > 8 || p.value.find_first_not_of("0123456789") != std::string::npos)
        r.fail("a PIN or PUK is 4 to 8 digits");
    return p;
}

// 3f00 then /FID as often as needed, FIDs in lower-case hex.
bool valid_path(const std::string& path) {
    if (!path.starts_with("3f00") || (path.size() - 4) % 5 != 0)
        return false;
    for (std::size_t i = 4; i < path.size(); ++i) {
        const char c = path[i];
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if ((i - 4) % 5 == 0 ? c != '/' : !hex)
            return false;
    }
    return true;
}

} // namespace

std::string to_json(const card_image& image) {
    json::array files;
    for (const auto& f : image.files) {
        json::object o{{"path", f.path}, {"kind", to_string(f.kind)}};
        if (f.kind == file_kind::adf)
            o["aid"] = support::hex_encode(f.aid);
        if (f.sfi)
            o["sfi"] = *f.sfi;
        if (f.kind == file_kind::transparent || f.kind == file_kind::linear_fixed) {
            o["read"] = to_string(f.read);
            o["update"] = to_string(f.update);
        }
        if (f.kind == file_kind::transparent)
            o["data"] = support::hex_encode(f.data);
        if (f.kind == file_kind::linear_fixed) {
            o["record_size"] = f.record_size;
            json::array records;
            for (const auto& r : f.records)
                records.emplace_back(support::hex_encode(r));
            o["records"] = std::move(records);
        }
        files.emplace_back(std::move(o));
    }
    json::array seq;
    for (auto s : image.sqn.seq_by_ind)
        seq.emplace_back(s);
    return json::serialize(json::object{
        {"format", format_name},
        {"atr", support::hex_encode(image.atr)},
        {"iccid", image.iccid},
        {"imsi", image.imsi},
        {"k", support::hex_encode(image.k)},
        {"opc", support::hex_encode(image.opc)},
        {"pin", pin_json(image.pin)},
        {"puk", pin_json(image.puk)},
        {"sqn", json::object{{"ind_bits", image.sqn.ind_bits}, {"highest", image.sqn.highest_sqn}, {"seq_by_ind", seq}}},
        {"files", std::move(files)},
    });
}

support::result<card_image> card_image_from_json(std::string_view text) {
    std::error_code ec;
    const json::value v = json::parse(text, ec);
    if (ec || !v.is_object())
        return make_error(errc::invalid_argument, "card image: not a JSON object");
    const auto& o = v.as_object();
    reader r("card image");
    if (r.text(o, "format") != format_name)
        return make_error(errc::invalid_argument, "card image: format must be \"mcprov-card/1\"");
    card_image image;
    image.atr = r.octets(o, "atr");
    image.iccid = r.text(o, "iccid");
    image.imsi = r.text(o, "imsi");
    image.k = r.octets(o, "k");
    image.opc = r.octets(o, "opc");
    if (image.k.size() != 16 || image.opc.size() != 16)
        r.fail("k and opc must be 16 octets");
    if (image.atr.size() < 2 || image.atr.size() > 33)
        r.fail("an ATR has 2 to 33 octets");
    if (const auto* p = r.at(o, "pin"); p && p->is_object())
        image.pin = read_pin(r, p->as_object(), image.pin);
    else
        r.fail("pin must be an object");
    if (const auto* p = r.at(o, "puk"); p && p->is_object())
        image.puk = read_pin(r, p->as_object(), image.puk);
    else
        r.fail("puk must be an object");
    if (const auto* s = r.at(o, "sqn"); s && s->is_object()) {
        const auto& so = s->as_object();
        image.sqn.ind_bits = static_cast<unsigned>(r.number(so, "ind_bits", 10, 5));
        image.sqn.highest_sqn = r.number(so, "highest", (std::uint64_t{1} << 48) - 1, 0);
        if (const auto* a = r.at(so, "seq_by_ind", false)) {
            if (!a->is_array() || a->as_array().size() > (std::size_t{1} << image.sqn.ind_bits))
                r.fail("sqn.seq_by_ind must be an array of at most 2^ind_bits numbers");
            else
                for (const auto& e : a->as_array()) {
                    if (!e.is_int64() && !e.is_uint64()) {
                        r.fail("sqn.seq_by_ind must hold whole numbers");
                        break;
                    }
                    image.sqn.seq_by_ind.push_back(e.is_int64() ? static_cast<std::uint64_t>(e.as_int64())
                                                                : e.as_uint64());
                }
        }
    } else {
        r.fail("sqn must be an object");
    }

    const auto* files = r.at(o, "files");
    if (!files || !files->is_array())
        r.fail("files must be an array");
    std::set<std::string> paths;
    for (const auto& fv : files && files->is_array() ? files->as_array() : json::array{}) {
        if (!fv.is_object()) {
            r.fail("every file must be an object");
            break;
        }
        const auto& fo = fv.as_object();
        card_file f;
        f.path = r.text(fo, "path");
        const std::string kind = r.text(fo, "kind");
        if (kind == "df")
            f.kind = file_kind::df;
        else if (kind == "adf")
            f.kind = file_kind::adf;
        else if (kind == "transparent")
            f.kind = file_kind::transparent;
        else if (kind == "linear_fixed")
            f.kind = file_kind::linear_fixed;
        else
            r.fail(f.path + ": kind must be df, adf, transparent or linear_fixed");
        if (!valid_path(f.path))
            r.fail("file path \"" + f.path + "\" must be 3f00 followed by /FID, FIDs as four lower-case hex digits");
        const auto slash = f.path.rfind('/');
        if (slash != std::string::npos && !paths.contains(f.path.substr(0, slash)))
            r.fail(f.path + ": its parent must come before it");
        if (!paths.insert(f.path).second)
            r.fail(f.path + ": listed twice");
        if (f.kind == file_kind::adf) {
            f.aid = r.octets(fo, "aid");
            if (f.aid.size() < 5 || f.aid.size() > 16)
                r.fail(f.path + ": an AID has 5 to 16 octets");
        }
        if (fo.contains("sfi"))
            f.sfi = static_cast<std::uint8_t>(r.number(fo, "sfi", 30, 0));
        const auto condition = [&](std::string_view key) {
            const std::string c = r.text(fo, key, false);
            if (c.empty() || c == "never")
                return access::never;
            if (c == "always")
                return access::always;
            if (c == "pin")
                return access::pin;
            r.fail(f.path + ": " + std::string(key) + " must be always, pin or never");
            return access::never;
        };
        f.read = condition("read");
        f.update = condition("update");
        if (f.kind == file_kind::transparent)
            f.data = r.octets(fo, "data");
        if (f.kind == file_kind::linear_fixed) {
            f.record_size = static_cast<std::size_t>(r.number(fo, "record_size", 255, 0));
            const auto* records = r.at(fo, "records");
            if (f.record_size == 0 || !records || !records->is_array() || records->as_array().size() > 254) {
                r.fail(f.path + ": a linear fixed file needs record_size 1..255 and up to 254 records");
            } else {
                for (const auto& rec : records->as_array()) {
                    const auto bytes = rec.is_string() ? support::hex_decode(rec.as_string()) : std::nullopt;
                    if (!bytes || bytes->size() != f.record_size) {
                        r.fail(f.path + ": every record must be record_size octets of hex");
                        break;
                    }
                    f.records.push_back(*bytes);
                }
            }
        }
        if (f.data.size() > 0xffff)
            r.fail(f.path + ": a transparent file holds at most 65535 octets");
        image.files.push_back(std::move(f));
    }
    if (!paths.contains("3f00"))
        r.fail("the MF (3f00) is missing");
    if (r.problem())
        return make_error(errc::invalid_argument, *r.problem());
    return image;
}

support::result<card_image> load_card_image(const std::filesystem::path& path) {
    auto text = support::read_secret_file(path, 4 * 1024 * 1024);
    if (!text)
        return std::move(text).err();
    auto image = card_image_from_json(*text);
    if (!image)
        return make_error(image.err().code, path.string() + ": " + image.err().message);
    return image;
}

support::result<void> save_card_image(const std::filesystem::path& path, const card_image& image) {
    return support::write_file(path, to_json(image));
}

} // namespace mcprov::uicc
