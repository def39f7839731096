#include <catch2/catch.hpp>

#include "core/exif.hpp"
