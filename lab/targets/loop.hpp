#pragma once
// Local block devices for a scenario on a real kernel: each of the fabric's
// /dev/<vg>/<lv> is a dm linear device named as LVM names it
// (<vg>-<lv>, dashes doubled) over a loop device on a work-folder file, with
// the /dev/<vg>/<lv> link LVM's udev rules would make.

#include <filesystem>
#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "runner/scenario.hpp"

namespace brick::lab {

class LoopDevices {
  public:
    LoopDevices(Host& host, std::filesystem::path work_dir);

    void configure(const Fabric& fabric);
    void clear();

  private:
    struct Device {
        std::string link;     // /dev/<vg>/<lv>
        std::string dm_name;  // <vg>-<lv>
        std::string loop;     // /dev/loopN
    };
    Host& host_;
    std::filesystem::path work_dir_;
    std::vector<Device> devices_;
};

}  // namespace brick::lab
