#pragma once
// The initiator side of a certification run: the host libbrick attaches
// volumes on, and data I/O through the attached devices.
//
//   local      this Linux host (a vendor's machine, or the QEMU guest of a
//              reference backend): RealHost, O_DIRECT I/O on the device.
//   simulator  the simulated host (sim/) in virtual time; the array is a
//              file the provisioner keeps ({work}/sim-array.json, certify/README.md)
//              and array_changed() loads into the simulator's fabric.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "brick/host/host.hpp"

namespace brick::lab::certify {

class Initiator {
  public:
    Initiator() = default;
    Initiator(const Initiator&) = delete;
    Initiator& operator=(const Initiator&) = delete;
    Initiator(Initiator&&) = delete;
    Initiator& operator=(Initiator&&) = delete;
    virtual ~Initiator() = default;

    virtual std::string kind() const = 0;   // "local", "simulator"
    virtual bool virtual_time() const = 0;  // host().now() is the simulator's clock
    virtual Host& host() = 0;
    // Called after each provisioner call that may have changed the array.
    virtual void array_changed() {}
    // Writes `bytes` of pattern `pattern` at offset 0 and makes them durable
    // on the volume (flushed through any cache).
    virtual void write(const std::string& device, std::uint64_t pattern, std::uint64_t bytes) = 0;
    // True when the volume holds that pattern (read past any cache).
    virtual bool verify(const std::string& device, std::uint64_t pattern, std::uint64_t bytes) = 0;
    // Waits (at most limit) until the device opens; returns how long that took
    // (0: at once). Throws host_error when it still does not open.
    virtual Duration wait_usable(const std::string& device, Duration limit) = 0;
};

std::unique_ptr<Initiator> make_local_initiator();
// array_file: the simulated array the provisioner maintains.
std::unique_ptr<Initiator> make_simulator_initiator(const std::filesystem::path& array_file);

// Size in bytes of a block device as sysfs reports it, through the host.
std::uint64_t device_size(Host& host, const std::string& device);

}  // namespace brick::lab::certify
