#include "core/icc.hpp"
