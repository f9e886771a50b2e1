#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mcprov/agent/smart_card.hpp"

// A hostile card: every answer the device gets comes from the input (one length octet, then the response APDU), so
// the device's reading of EF_DIR, EF_ICCID, EF_IMSI, DF_MCS, the PKCS#15 ODF and DODF and AUTHENTICATE's answer sees
// truncated, malformed and endless answers. Nothing may crash or loop.
namespace {

class scripted_card final : public mcprov::agent::card_channel {
public:
    explicit scripted_card(std::string_view script) : script_(script) {}
    mcprov::support::result<mcprov::iso7816::response_apdu> transmit(const mcprov::iso7816::command_apdu&) override {
        if (at_ >= script_.size() || ++exchanges_ > 4096)
            return mcprov::support::make_error(mcprov::support::errc::unavailable, "card removed");
        const std::size_t n = static_cast<std::uint8_t>(script_[at_++]);
        const std::string_view answer = script_.substr(at_, n);
        at_ += answer.size();
        return mcprov::iso7816::parse_response(answer);
    }

private:
    std::string_view script_;
    std::size_t at_ = 0;
    unsigned exchanges_ = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    scripted_card card(input);
    mcprov::agent::usim_card usim(card);
    (void)usim.read_iccid();
    (void)usim.read_imsi();
    (void)usim.read_mcs_files();
    (void)usim.read_dm_bootstrap();
    (void)usim.authenticate(std::string(16, '\x01'), std::string(16, '\x02'));
    return 0;
}
