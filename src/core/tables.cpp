#include "core/tables.hpp"
