fetch_assets(MANIFEST m.json JOBZ 4)
