"""Ingest: the sources' raw files, live pulls into vintages, and the processed tables built from them.

``schemas`` declares each source's rules once, ``sources`` parses raw files and checks them
against those rules, ``concordance`` holds the categories and coverages a build classifies by,
``remote`` is the only code that touches the network, ``refresh`` pulls new vintages,
``vintages`` names them, ``build`` turns raw into tidy parquet, ``snapshot`` opens one data
folder at one vintage and loads from it, ``cache`` keeps slow results. Nothing here imports
``tradedeal.agreement`` or a layer above it.
"""
