fetch_asset(a URLS http://127.0.0.1:9/a)
