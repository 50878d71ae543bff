"""The cleaning steps (one pure function per module) and the thin Scrapy item pipelines."""
