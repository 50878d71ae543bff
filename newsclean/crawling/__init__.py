"""crawling"""
