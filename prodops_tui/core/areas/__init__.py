"""The product-area map: areas and their paths, people, who owns what, and its export."""
