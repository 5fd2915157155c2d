"""Ordinary code whose names end in `key` or speak of headers: nothing here is a secret."""

import hashlib

from django.db import models


class Order(models.Model):
    id = models.AutoField(primary_key=True)
    customer = models.ForeignKey("Customer", on_delete=models.CASCADE)
    idempotency_key = models.CharField(max_length=64, unique=True)


def cache_key(user_id: int) -> str:
    return f"orders:{user_id}:v2"


def sorted_orders(orders):
    return sorted(orders, key=lambda o: o.created_at)


def fingerprint(payload: bytes) -> dict:
    digest = hashlib.sha256(payload).hexdigest()
    return {"partition_key": "orders-2024-q1-eu-west-1", "content_hash": digest}


def headers(token: str) -> dict:
    return {"Authorization": f"Token {token}", "X-Api-Key": settings.API_KEY}


settings = dict(api_key=None, csrf_token_name="csrftoken")
publicKey = "MCowBQYDK2VwAyEALhWcMOJqT+JGHqmQbu1TSw+VqtHLiwjrzaQYQ+c+nUA="
