"""Pagination: limit/offset with a hard maximum so no request can ask for the whole registry."""

from rest_framework.pagination import LimitOffsetPagination


class DefaultPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 5000
