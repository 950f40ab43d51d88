"""The figures a product-ops lead reports."""
