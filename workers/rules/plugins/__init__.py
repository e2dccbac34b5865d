"""One module per behaviour; each registers its Rule class."""
