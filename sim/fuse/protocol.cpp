#include "sim/fuse/protocol.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace brick::sim::wire {
namespace {

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const auto n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool read_all(int fd, char* data, std::size_t size) {
    while (size > 0) {
        const auto n = ::read(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        if (n == 0) {
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

std::array<char, 4> big_endian(std::uint32_t value) {
    return {static_cast<char>((value >> 24U) & 0xffU), static_cast<char>((value >> 16U) & 0xffU),
            static_cast<char>((value >> 8U) & 0xffU), static_cast<char>(value & 0xffU)};
}

std::uint32_t from_big_endian(const std::array<char, 4>& bytes) {
    std::uint32_t value = 0;
    for (const char byte : bytes) {
        value = (value << 8U) | static_cast<unsigned char>(byte);
    }
    return value;
}

}  // namespace

bool send_frame(int fd, const nlohmann::json& message) {
    const auto text = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > max_frame) {
        errno = EMSGSIZE;
        return false;
    }
    const auto header = big_endian(static_cast<std::uint32_t>(text.size()));
    return write_all(fd, header.data(), header.size()) && write_all(fd, text.data(), text.size());
}

std::optional<nlohmann::json> receive_frame(int fd) {
    std::array<char, 4> header{};
    if (!read_all(fd, header.data(), header.size())) {
        return std::nullopt;
    }
    const auto size = from_big_endian(header);
    if (size > max_frame) {
        return std::nullopt;
    }
    std::string text(size, '\0');
    if (!read_all(fd, text.data(), text.size())) {
        return std::nullopt;
    }
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded()) {
        return std::nullopt;
    }
    return parsed;
}

int connect_unix(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string target = path;
    int dir_fd = -1;
    if (target.size() >= sizeof(address.sun_path)) {
        // Too long for sun_path: reach it through a descriptor of its directory.
        const auto slash = path.rfind('/');
        dir_fd = ::open(path.substr(0, slash).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0) {
            ::close(fd);
            return -1;
        }
        target = "/proc/self/fd/" + std::to_string(dir_fd) + path.substr(slash);
    }
    std::memcpy(address.sun_path, target.c_str(),
                std::min(target.size() + 1, sizeof(address.sun_path) - 1));
    int result = 0;
    do {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
        result = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    } while (result != 0 && errno == EINTR);
    const int saved = errno;
    if (dir_fd >= 0) {
        ::close(dir_fd);
    }
    if (result != 0) {
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

bool append_trailer(const std::string& file, const std::string& socket_path) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    const auto length = big_endian(static_cast<std::uint32_t>(socket_path.size()));
    const bool ok = write_all(fd, socket_path.data(), socket_path.size()) &&
                    write_all(fd, length.data(), length.size()) &&
                    write_all(fd, trailer_magic.data(), trailer_magic.size());
    return ::close(fd) == 0 && ok;
}

std::optional<std::string> read_trailer(const std::string& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    std::optional<std::string> found;
    const auto end = ::lseek(fd, 0, SEEK_END);
    const auto tail = static_cast<off_t>(trailer_magic.size() + 4);
    std::array<char, 12> bytes{};
    if (end >= tail &&
        ::pread(fd, bytes.data(), bytes.size(), end - tail) == static_cast<ssize_t>(bytes.size()) &&
        std::string_view(bytes.data() + 4, trailer_magic.size()) == trailer_magic) {
        const auto size = from_big_endian({bytes[0], bytes[1], bytes[2], bytes[3]});
        if (size < 65536 && end - tail >= static_cast<off_t>(size)) {
            std::string path(size, '\0');
            if (::pread(fd, path.data(), size, end - tail - static_cast<off_t>(size)) ==
                static_cast<ssize_t>(size)) {
                found = std::move(path);
            }
        }
    }
    ::close(fd);
    return found;
}

}  // namespace brick::sim::wire
