#include <catch2/catch.hpp>

#include "core/icc.hpp"
