#pragma once

#include <mcprov/uicc/card_image.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace mcprov::uicc {

// A card as an operator or tester describes it (TOML, docs/card.md): identities, keys, PINs, the MC configuration
// for DF_MCS and the DM bootstrap message for PKCS#15. build_card lays it out as a UICC: MF with EF_DIR and EF_ICCID,
// DF_TELECOM/DF_MCS with EF_MST and EF_MCS_CONFIG, ADF_USIM with EF_IMSI, EF_UST and EF_AD, and the PKCS#15
// application with EF(ODF), EF(TokenInfo), EF(DODF) and EF(DM_Bootstrap). Files named in it are read relative to
// base_dir.
support::result<card_image> build_card(std::string_view description, const std::string& source_name,
                                       const std::filesystem::path& base_dir);

// Where the builder puts the PKCS#15 files, relative to the PKCS#15 application.
inline constexpr std::string_view dodf_fid = "5207";
inline constexpr std::string_view dm_bootstrap_fid = "5208";

} // namespace mcprov::uicc
