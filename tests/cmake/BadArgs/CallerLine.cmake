# The error names this file and the line of the call below, not AssetFetch.cmake.

# (a blank line and comments before it)
fetch_asset(b URLS http://127.0.0.1:9/b.bin)
