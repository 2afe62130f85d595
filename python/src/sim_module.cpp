// brickworks._brick_sim: the simulator (sim/) for Python tests. Not installed.
//
// SimHost is a brickworks._brick.Host, so brickworks' connectors and
// get_connector_properties run on it in-process exactly as on the real host.
// Thread contract (sim_host.hpp): use a SimHost only from the thread that made it.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "brick/core/error.hpp"
#include "sim/host/sim_host.hpp"
#include "sim/model/fabric.hpp"

namespace py = pybind11;
using brick::sim::SimHost;

PYBIND11_MODULE(_brick_sim, m) {
    m.doc() = "The brickworks simulator as a brickworks._brick.Host (tests only)";
    // Registers brick::Host, the base class, and the brick::Error translation.
    py::module_::import("brickworks._brick");

    py::class_<SimHost, brick::Host, std::shared_ptr<SimHost>>(m, "SimHost")
        .def(py::init([](const std::string& fabric, std::uint64_t seed) {
                 brick::sim::SimOptions options;
                 options.seed = seed;
                 return std::make_shared<SimHost>(brick::sim::load_fabric(fabric), options);
             }),
             py::arg("fabric"), py::arg("seed") = 1, "A simulated host from a fabric JSON file")
        .def(
            "leftovers", [](SimHost& host) { return host.model().leftovers(); },
            "Host state beyond the initial one; empty after a clean detach")
        .def(
            "footprint",
            [](SimHost& host, const std::string& volume) {
                const auto print = host.model().footprint(volume);
                py::dict out;
                out["sessions"] = print.sessions;
                out["disks"] = print.disks;
                out["maps"] = print.maps;
                out["links"] = print.links;
                return out;
            },
            py::arg("volume"))
        .def(
            "write_through",
            [](SimHost& host, const std::string& path, std::uint64_t offset,
               const std::string& bytes) { return host.write_through(path, offset, bytes); },
            py::arg("path"), py::arg("offset"), py::arg("data"))
        .def(
            "read_through",
            [](SimHost& host, const std::string& path, std::uint64_t offset, std::size_t length) {
                std::string out;
                const int error = host.read_through(path, offset, length, out);
                if (error != 0) {
                    errno = error;
                    PyErr_SetFromErrnoWithFilename(PyExc_OSError, path.c_str());
                    throw py::error_already_set();
                }
                return py::bytes(out);
            },
            py::arg("path"), py::arg("offset"), py::arg("length"))
        .def("lun_bytes", &SimHost::lun_bytes, py::arg("target"), py::arg("lun"), py::arg("offset"),
             py::arg("length"),
             "Target-side bytes of a LUN; target is an IQN or an FC target's WWNN or port WWPN")
        .def(
            "inject",
            [](SimHost& host, const std::string& fault) {
                return host.inject(nlohmann::json::parse(fault));
            },
            py::arg("fault"), "Arms a fault given as JSON text; returns its id")
        .def(
            "volume_bytes",
            [](SimHost& host, const std::string& volume, std::uint64_t offset, std::size_t length) {
                return py::bytes(host.model().volume_bytes(volume, offset, length));
            },
            py::arg("volume"), py::arg("offset"), py::arg("length"),
            "Target-side contents of a fabric volume (an NFS file, an RBD image, ...)")
        .def("trace_text", &SimHost::trace_text)
        .def("now_ms", &SimHost::now_ms)
        .def(
            "advance", [](SimHost& host, std::int64_t ms) { host.advance(brick::Duration(ms)); },
            py::arg("ms"), "Lets virtual time pass (udev links appear, timers fire)");
}
