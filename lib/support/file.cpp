#include "mcprov/support/file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

namespace mcprov::support {

result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        return make_error(errc::io, path.string() + ": " + ec.message());
    }
    if (size > max_bytes) {
        return make_error(errc::too_large,
                          path.string() + ": " + std::to_string(size) + " bytes, limit " + std::to_string(max_bytes));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(errc::io, path.string() + ": cannot open for reading");
    }
    std::string content(size, '\0');
    in.read(content.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::size_t>(in.gcount()) != size) {
        return make_error(errc::io, path.string() + ": short read");
    }
    return content;
}

result<void> write_file(const std::filesystem::path& path, const std::string& content, std::filesystem::perms perms) {
    auto tmp = path;
    tmp += ".tmp-" + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(perms));
    if (fd < 0) {
        return make_error(errc::io, tmp.string() + ": " + std::strerror(errno));
    }
    std::size_t written = 0;
    while (written < content.size()) {
        auto n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            auto message = std::string(std::strerror(errno));
            ::close(fd);
            ::unlink(tmp.c_str());
            return make_error(errc::io, tmp.string() + ": " + message);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(tmp.c_str());
        return make_error(errc::io, tmp.string() + ": cannot flush");
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        auto message = std::string(std::strerror(errno));
        ::unlink(tmp.c_str());
        return make_error(errc::io, path.string() + ": " + message);
    }
    return {};
}

} // namespace mcprov::support
