#include "mcprov/support/file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <tuple>

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mcprov::support {
namespace {

// Closes a descriptor when it goes.
struct descriptor {
    int fd = -1;
    ~descriptor() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

std::string octal_mode(mode_t mode) {
    std::string out = "0";
    for (int shift = 6; shift >= 0; shift -= 3) {
        out += static_cast<char>('0' + ((mode >> shift) & 7));
    }
    return out;
}

// Who besides the owner has which access, e.g. "readable by others", or empty when nobody has.
std::string access_beyond_owner(mode_t mode) {
    for (auto [who, read, write, exec] :
         {std::tuple{"others", S_IROTH, S_IWOTH, S_IXOTH}, std::tuple{"its group", S_IRGRP, S_IWGRP, S_IXGRP}}) {
        if ((mode & read) != 0) {
            return std::string("readable by ") + who;
        }
        if ((mode & write) != 0) {
            return std::string("writable by ") + who;
        }
        if ((mode & exec) != 0) {
            return std::string("executable by ") + who;
        }
    }
    return {};
}

} // namespace

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

result<std::string> read_secret_file(const std::filesystem::path& path, std::size_t max_bytes) {
    const auto name = path.string();
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below as not a regular file.
    descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
    if (file.fd < 0) {
        return make_error(errc::io, name + ": " + std::strerror(errno));
    }
    struct stat status {};
    if (::fstat(file.fd, &status) != 0) {
        return make_error(errc::io, name + ": " + std::strerror(errno));
    }
    if (!S_ISREG(status.st_mode)) {
        return make_error(errc::invalid_argument, name + ": a secret key must be in a regular file");
    }
    if (auto access = access_beyond_owner(status.st_mode); !access.empty()) {
        return make_error(errc::invalid_argument,
                          name + ": " + access + " (mode " + octal_mode(status.st_mode & 0777) +
                              "); a secret key file must be accessible by its owner only: chmod 600 " + name);
    }
    const auto size = static_cast<std::size_t>(status.st_size);
    if (size > max_bytes) {
        return make_error(errc::too_large,
                          name + ": " + std::to_string(size) + " bytes, limit " + std::to_string(max_bytes));
    }
    std::string content(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        auto n = ::read(file.fd, content.data() + got, size - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            auto message = n < 0 ? std::string(std::strerror(errno)) : std::string("short read");
            OPENSSL_cleanse(content.data(), content.size());
            return make_error(errc::io, name + ": " + message);
        }
        got += static_cast<std::size_t>(n);
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
