"""Ingest: the sources' raw files, live pulls into vintages, and the processed tables built from them.

``sources`` parses raw files, ``remote`` is the only code that touches the network, ``refresh``
pulls new vintages, ``vintages`` names them, ``build`` turns raw into tidy parquet, ``snapshot``
opens one data folder at one vintage and loads from it, ``cache`` keeps slow results.
"""
