#include <catch2/catch.hpp>

#include "corpus/manifest.hpp"
