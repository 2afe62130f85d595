# Finds what python/ needs: Debian's interpreter (not whichever python3 comes
# first on PATH) with its headers, and pybind11. Sets pybind11_FOUND.
set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The Python interpreter python/ is built for")
find_package(Python 3.9 QUIET COMPONENTS Interpreter Development.Module)
if(Python_FOUND)
    find_package(pybind11 2.6 CONFIG QUIET)
endif()
if(NOT pybind11_FOUND)
    message(STATUS "python/: not built (needs pybind11-dev and python3-dev)")
endif()
