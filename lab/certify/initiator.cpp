#include "initiator.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>

#include "brick/core/error.hpp"
#include "brick/host/real_host.hpp"
#include "runner/backend.hpp"
#include "runner/json_schema.hpp"
#include "sim/host/sim_host.hpp"

namespace brick::lab::certify {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t block_size = 1U << 20U;
constexpr std::size_t chunk_bytes = std::size_t{64} * 1024;  // one pattern write or read

// A 4096-aligned buffer for O_DIRECT.
class AlignedBuffer {
  public:
    explicit AlignedBuffer(std::size_t size)
        : data_(static_cast<char*>(std::aligned_alloc(4096, size))) {
        if (data_ == nullptr) {
            throw std::bad_alloc();
        }
    }
    ~AlignedBuffer() { std::free(data_); }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    AlignedBuffer(AlignedBuffer&&) = delete;
    AlignedBuffer& operator=(AlignedBuffer&&) = delete;
    char* data() { return data_; }

  private:
    char* data_;
};

class Fd {
  public:
    Fd(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC)) {
        if (fd_ < 0) {
            throw Error(ErrorCategory::host_error,
                        "cannot open " + path + ": " + std::strerror(errno));
        }
    }
    ~Fd() { ::close(fd_); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&&) = delete;
    Fd& operator=(Fd&&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

class LocalInitiator final : public Initiator {
  public:
    std::string kind() const override { return "local"; }
    bool virtual_time() const override { return false; }
    Host& host() override { return host_; }

    void write(const std::string& device, std::uint64_t pattern, std::uint64_t bytes) override {
        const Fd fd(device, O_WRONLY | O_DIRECT);
        AlignedBuffer block(block_size);
        for (std::uint64_t offset = 0; offset < bytes; offset += block_size) {
            const auto size =
                static_cast<std::size_t>(std::min<std::uint64_t>(block_size, bytes - offset));
            fill_pattern(pattern, offset, block.data(), size);
            if (::pwrite(fd.get(), block.data(), size, static_cast<off_t>(offset)) !=
                static_cast<ssize_t>(size)) {
                throw Error(ErrorCategory::host_error, "writing to " + device + " at " +
                                                           std::to_string(offset) +
                                                           " failed: " + std::strerror(errno));
            }
        }
        if (::fsync(fd.get()) != 0) {
            throw Error(ErrorCategory::host_error,
                        "flushing " + device + " failed: " + std::strerror(errno));
        }
    }

    bool verify(const std::string& device, std::uint64_t pattern, std::uint64_t bytes) override {
        const Fd fd(device, O_RDONLY | O_DIRECT);
        std::vector<char> expected(block_size);
        AlignedBuffer actual(block_size);
        for (std::uint64_t offset = 0; offset < bytes; offset += block_size) {
            const auto size =
                static_cast<std::size_t>(std::min<std::uint64_t>(block_size, bytes - offset));
            fill_pattern(pattern, offset, expected.data(), size);
            if (::pread(fd.get(), actual.data(), size, static_cast<off_t>(offset)) !=
                    static_cast<ssize_t>(size) ||
                std::memcmp(expected.data(), actual.data(), size) != 0) {
                return false;
            }
        }
        return true;
    }

    Duration wait_usable(const std::string& device, Duration limit) override {
        const auto start = std::chrono::steady_clock::now();
        for (;;) {
            const int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
            const int error = errno;
            const auto waited =
                std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start);
            if (fd >= 0) {
                ::close(fd);
                return waited;
            }
            if ((error != ENXIO && error != ENOENT) || waited > limit) {
                throw Error(ErrorCategory::host_error,
                            "cannot open " + device + " (" + std::strerror(error) + ") " +
                                std::to_string(waited.count()) + " ms after connect returned it");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

  private:
    RealHost host_;
};

class SimulatorInitiator final : public Initiator {
  public:
    explicit SimulatorInitiator(fs::path array_file)
        : array_file_(std::move(array_file)), host_(sim::Fabric{}, sim::SimOptions{}) {
        array_changed();
    }
    std::string kind() const override { return "simulator"; }
    bool virtual_time() const override { return true; }
    Host& host() override { return host_; }

    // Loads the array file's fabric into the model, keeping the contents of
    // volumes the array still has.
    void array_changed() override {
        if (!fs::exists(array_file_)) {
            return;
        }
        const auto document = read_json_file(array_file_);
        sim::Fabric fabric;
        try {
            fabric = sim::parse_fabric(document.value("fabric", nlohmann::json::object()));
        } catch (const sim::FabricError& e) {
            throw Error(ErrorCategory::invalid_properties,
                        array_file_.string() + ": the simulated array is malformed: " + e.what(),
                        e.path());
        }
        std::set<std::string> kept;
        const auto volumes = document.value("volumes", nlohmann::json::object());
        for (const auto& [id, volume] : volumes.items()) {
            kept.insert(id);
        }
        auto& model = host_.model().fabric();
        for (auto& [id, volume] : fabric.volumes) {
            if (auto it = model.volumes.find(id); it != model.volumes.end()) {
                volume.blocks = std::move(it->second.blocks);
            }
        }
        for (auto& [id, volume] : model.volumes) {
            if (kept.count(id) != 0 && fabric.volumes.count(id) == 0) {
                fabric.volumes.emplace(id, std::move(volume));  // created, not exported now
            }
        }
        model.volumes = std::move(fabric.volumes);
        model.iscsi_targets = std::move(fabric.iscsi_targets);
        host_.model().touch();
    }

    // The simulated device is there once connect returned it.
    Duration wait_usable(const std::string& /*device*/, Duration /*limit*/) override {
        return Duration(0);
    }

    void write(const std::string& device, std::uint64_t pattern, std::uint64_t bytes) override {
        std::string data(chunk_bytes, '\0');
        for (std::uint64_t offset = 0; offset < bytes; offset += data.size()) {
            data.resize(
                static_cast<std::size_t>(std::min<std::uint64_t>(chunk_bytes, bytes - offset)));
            fill_pattern(pattern, offset, data.data(), data.size());
            if (const int error = host_.write_through(device, offset, data); error != 0) {
                throw Error(ErrorCategory::host_error,
                            "writing to " + device + " failed: errno " + std::to_string(error));
            }
        }
    }

    bool verify(const std::string& device, std::uint64_t pattern, std::uint64_t bytes) override {
        std::string expected;
        std::string actual;
        for (std::uint64_t offset = 0; offset < bytes; offset += chunk_bytes) {
            expected.resize(
                static_cast<std::size_t>(std::min<std::uint64_t>(chunk_bytes, bytes - offset)));
            fill_pattern(pattern, offset, expected.data(), expected.size());
            if (host_.read_through(device, offset, expected.size(), actual) != 0 ||
                actual != expected) {
                return false;
            }
        }
        return true;
    }

  private:
    fs::path array_file_;
    sim::SimHost host_;
};

}  // namespace

std::unique_ptr<Initiator> make_local_initiator() {
    return std::make_unique<LocalInitiator>();
}

std::unique_ptr<Initiator> make_simulator_initiator(const fs::path& array_file) {
    return std::make_unique<SimulatorInitiator>(array_file);
}

std::uint64_t device_size(Host& host, const std::string& device) {
    std::string name = device.substr(device.rfind('/') + 1);
    std::string target;
    if (host.read_link(device, target).ok()) {
        name = target.substr(target.rfind('/') + 1);
    }
    const auto sectors = host.read_attribute("/sys/class/block/" + name + "/size");
    if (!sectors) {
        throw Error(ErrorCategory::host_error,
                    "no size for " + device + " in /sys/class/block/" + name);
    }
    return std::stoull(*sectors) * 512;
}

}  // namespace brick::lab::certify
