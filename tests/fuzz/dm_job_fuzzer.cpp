#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json.hpp>

#include "mcprov/dms/job.hpp"

// What an operator posts to the DM server's admin API: a job request (commands, atomic, or a firmware update). A
// request that is taken becomes a stored job that reads back as the same job.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mcprov::dms;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    boost::system::error_code ec;
    boost::json::parse_options options;
    options.max_depth = 32;
    auto v = boost::json::parse(input, ec, {}, options);
    if (ec) {
        return 0;
    }
    auto request = job_request_from_json(v);
    if (!request) {
        return 0;
    }
    request->id = "0123456789abcdef01234567";
    request->device = "IMEI:493005100592800";
    auto stored = job_from_json(to_json(*request));
    if (!stored || !(stored->commands == request->commands) || stored->atomic != request->atomic) {
        __builtin_trap();
    }
    return 0;
}
