"""A generated fixture news site and the server that records what a crawl fetched."""
