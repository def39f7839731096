#include <catch2/catch.hpp>

#include "core/tables.hpp"
