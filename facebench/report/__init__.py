"""Reports: the HTML page (``facebench report``) and the papers' published reference rows."""
