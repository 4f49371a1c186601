"""Crawling on several machines: every configured site assigned to one scrapyd node.

scrapyd.py is the HTTP client of scrapyd's JSON API (urllib, no Scrapy import), with its
HTTP authentication; assign.py the rendezvous hashing of sites to nodes; nodes.py where the
nodes and their credentials come from; egg.py builds the egg; ops.py deploys, schedules and
reports. docs/scaling.md is the operator's side.
"""
