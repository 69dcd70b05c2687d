"""The agreement: covered products (``concordance``), targets, the question asked of the data
(``window``), the tracker table and product profiles."""
