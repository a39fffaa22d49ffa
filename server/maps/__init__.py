"""The basemap a deployment without a tile service still shows: plain tiles drawn by the server."""
