"""Continuous video hosts: many cameras per process, watched for as long as the lease is held."""
