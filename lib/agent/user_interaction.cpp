#include "mcprov/agent/user_interaction.hpp"

#include <istream>
#include <ostream>
#include <sstream>

#include "mcprov/support/encoding.hpp"

namespace mcprov::agent {
namespace {

using support::errc;
using support::make_error;

// The choices a default response names ("2" or "1-3"), those in range.
std::vector<std::string> default_choices(const user_prompt& p) {
    std::vector<std::string> out;
    const auto dr = p.options.find("DR");
    if (dr == p.options.end()) {
        return out;
    }
    std::stringstream in(dr->second);
    std::string n;
    while (std::getline(in, n, '-')) {
        try {
            const auto k = std::stoul(n);
            if (k >= 1 && k <= p.choices.size()) {
                out.push_back(std::to_string(k));
            }
        } catch (const std::exception&) {
        }
    }
    return out;
}

class unattended final : public user_interaction {
public:
    explicit unattended(unattended_policy policy) : policy_(std::move(policy)) {}

    user_reply ask(const user_prompt& p) override {
        switch (p.alert) {
        case 1101:
            return {policy_.confirm == "yes" ? ui_status::ok
                    : policy_.confirm == "no" ? ui_status::rejected
                                              : ui_status::cancelled,
                    {}};
        case 1102:
            return {ui_status::ok, {policy_.text}};
        case 1103:
        case 1104: {
            auto chosen = default_choices(p);
            if (chosen.empty() && !p.choices.empty()) {
                chosen.push_back("1");
            }
            if (p.alert == 1103 && chosen.size() > 1) {
                chosen.resize(1);
            }
            return {ui_status::ok, chosen};
        }
        default:
            return {ui_status::ok, {}};
        }
    }

private:
    unattended_policy policy_;
};

class terminal final : public user_interaction {
public:
    terminal(std::istream& in, std::ostream& out) : in_(in), out_(out) {}

    user_reply ask(const user_prompt& p) override {
        out_ << "\n[device management] " << p.text << "\n";
        for (std::size_t i = 0; i < p.choices.size(); ++i) {
            out_ << "  " << i + 1 << ") " << p.choices[i] << "\n";
        }
        std::string line;
        switch (p.alert) {
        case 1100:
            out_.flush();
            return {ui_status::ok, {}};
        case 1101:
            out_ << "yes or no? " << std::flush;
            if (!std::getline(in_, line)) {
                return {ui_status::cancelled, {}};
            }
            return {line == "y" || line == "yes" ? ui_status::ok : ui_status::rejected, {}};
        case 1102:
            out_ << "> " << std::flush;
            if (!std::getline(in_, line)) {
                return {ui_status::cancelled, {}};
            }
            return {ui_status::ok, {line}};
        default: {
            out_ << (p.alert == 1103 ? "your choice: " : "your choices, separated by spaces: ") << std::flush;
            if (!std::getline(in_, line)) {
                return {ui_status::cancelled, {}};
            }
            std::vector<std::string> chosen;
            std::stringstream words(line);
            std::string w;
            while (words >> w) {
                chosen.push_back(w);
            }
            return {ui_status::ok, chosen};
        }
        }
    }

private:
    std::istream& in_;
    std::ostream& out_;
};

} // namespace

std::map<std::string, std::string> parse_alert_options(std::string_view text) {
    std::map<std::string, std::string> out;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const auto pair = text.substr(0, amp);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && eq > 0) {
            const auto name = pair.substr(0, eq), value = pair.substr(eq + 1);
            out[support::percent_decode(name).value_or(std::string(name))] =
                support::percent_decode(value).value_or(std::string(value));
        }
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    }
    return out;
}

support::result<std::unique_ptr<user_interaction>> create_unattended_interaction(unattended_policy policy) {
    if (policy.confirm != "yes" && policy.confirm != "no" && policy.confirm != "cancel") {
        return make_error(errc::invalid_argument, "confirm must be yes, no or cancel");
    }
    return std::unique_ptr<user_interaction>(std::make_unique<unattended>(std::move(policy)));
}

std::unique_ptr<user_interaction> create_terminal_interaction(std::istream& in, std::ostream& out) {
    return std::make_unique<terminal>(in, out);
}

} // namespace mcprov::agent
