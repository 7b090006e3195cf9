"""Analysis on top of the core: the Hub dataset, reports, replication, label noise, proxy floors, plots."""
