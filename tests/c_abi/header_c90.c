/* assetfetch.h must compile as C90 (see the header's rules). */
#include "assetfetch/assetfetch.h"

const af_api_v1* (*c_abi_header_c90_probe)(unsigned) = af_get_api;
