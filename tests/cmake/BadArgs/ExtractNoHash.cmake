fetch_asset(c URLS http://127.0.0.1:9/c.tar.gz ALLOW_UNVERIFIED EXTRACT_TO c-src)
