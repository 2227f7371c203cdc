fetch_assets(DESTINATION d)
