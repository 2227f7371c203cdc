// assetfetch.h must compile as C++98 too (extern "C" guards, no C99-only syntax).
#include "assetfetch/assetfetch.h"

const af_api_v1* (*c_abi_header_cxx98_probe)(unsigned) = af_get_api;
