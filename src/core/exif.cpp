#include "core/exif.hpp"
